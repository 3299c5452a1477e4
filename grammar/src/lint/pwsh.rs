//! A light PowerShell scanner for lint rules: which commands a block calls with which
//! arguments, which variables it sets and reads, and which strings interpolate.
//!
//! It is not a parser (the real one runs in `tejun-runtime`): it knows comments, strings,
//! here-strings, backtick escapes, variables, grouping and statement separators, which is
//! enough to tell a command name from an argument or a word inside a string. Document
//! placeholders are single words. Spans are file offsets.

use crate::code::Code;
use crate::span::Span;

/// A command call: the name in command position and the words after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The name as written, such as `Get-Service`, `net` or `.\setup.exe`.
    pub name: String,
    /// Where the name is.
    pub span: Span,
    /// The arguments, as written (strings with their quotes, variables with `$`).
    pub args: Vec<Word>,
}

impl Command {
    /// The name without a path or `.exe`, lowercased: `c:\x\setup.exe` -> `setup`.
    pub fn base_name(&self) -> String {
        let name = self.name.trim_matches(['"', '\'']);
        let file = name.rsplit(['\\', '/']).next().unwrap_or(name);
        let lower = file.to_ascii_lowercase();
        lower
            .strip_suffix(".exe")
            .map(str::to_owned)
            .unwrap_or(lower)
    }

    /// Whether an argument equals `word` (case-insensitive), such as `-Recurse` or `stop`.
    pub fn has_arg(&self, word: &str) -> bool {
        self.args.iter().any(|a| a.text.eq_ignore_ascii_case(word))
    }

    /// Whether a switch starting with `prefix` is given (`-Rec` abbreviates `-Recurse`).
    pub fn has_switch(&self, name: &str, min: usize) -> bool {
        self.args.iter().any(|a| {
            let Some(w) = a.text.strip_prefix('-') else {
                return false;
            };
            let w = w.split(':').next().unwrap_or(w);
            w.len() >= min && name.len() >= w.len() && name[..w.len()].eq_ignore_ascii_case(w)
        })
    }
}

/// A word of a command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// As written.
    pub text: String,
    /// Where.
    pub span: Span,
}

/// A variable reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Var {
    /// The name without `$`, braces or a scope (`$global:x` -> `x`); environment variables
    /// keep their drive (`$env:Path` -> `env:Path`).
    pub name: String,
    /// Where, `$` included.
    pub span: Span,
    /// Whether this sets the variable (`$x = ...`, `foreach ($x in ...)`).
    pub assigned: bool,
    /// Whether it is interpolated in a double-quoted string or here-string.
    pub in_string: bool,
    /// Whether it starts a statement, so its value is written to the output.
    pub statement: bool,
}

/// What [`scan`] found in a block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    /// Commands in the order they are written.
    pub commands: Vec<Command>,
    /// Variables in the order they are written.
    pub vars: Vec<Var>,
}

const KEYWORDS: &[&str] = &[
    "begin",
    "break",
    "catch",
    "class",
    "continue",
    "data",
    "do",
    "dynamicparam",
    "else",
    "elseif",
    "end",
    "enum",
    "exit",
    "filter",
    "finally",
    "for",
    "foreach",
    "function",
    "if",
    "in",
    "param",
    "process",
    "return",
    "switch",
    "throw",
    "trap",
    "try",
    "until",
    "using",
    "while",
    "workflow",
];

/// Scans a block's code.
pub fn scan(code: &Code) -> Scan {
    let mut s = Scanner {
        src: code.raw.as_bytes(),
        text: &code.raw,
        base: code.span.start,
        placeholders: code
            .placeholders
            .iter()
            .map(|p| (p.span.start - code.span.start, p.span.end - code.span.start))
            .collect(),
        out: Scan::default(),
        stack: Vec::new(),
        current: None,
        command_position: true,
        assign_next_var: false,
        skip_next_word: false,
        call_next: false,
        assigning: false,
        after_pipe: false,
    };
    s.run();
    s.out
}

struct Scanner<'a> {
    src: &'a [u8],
    text: &'a str,
    base: usize,
    placeholders: Vec<(usize, usize)>,
    out: Scan,
    /// The command being read outside each open bracket.
    stack: Vec<Option<usize>>,
    /// The command whose arguments are being read.
    current: Option<usize>,
    command_position: bool,
    /// After `foreach (` or `param(`: the next variable is set.
    assign_next_var: bool,
    /// After `function`: the next word is a name, not a command.
    skip_next_word: bool,
    /// After the call operator `&`: the next word is a command, quoted or not.
    call_next: bool,
    /// After `=` in this statement: values go into a variable, not to the output.
    assigning: bool,
    /// Just after a pipe: the next word is a command even if it looks like a keyword.
    after_pipe: bool,
}

impl Scanner<'_> {
    fn run(&mut self) {
        let mut i = 0;
        while i < self.src.len() {
            if let Some(&(_, end)) = self.placeholders.iter().find(|(s, _)| *s == i) {
                self.word(i, end);
                i = end;
                continue;
            }
            let c = self.src[i];
            i = match c {
                b' ' | b'\t' => i + 1,
                b'\n' | b'\r' | b';' => {
                    self.end_statement();
                    i + 1
                }
                b'`' => {
                    // A backtick before a line break continues the line.
                    let next = self.src.get(i + 1).copied();
                    if matches!(next, Some(b'\n') | Some(b'\r')) {
                        let mut j = i + 2;
                        if next == Some(b'\r') && self.src.get(j) == Some(&b'\n') {
                            j += 1;
                        }
                        j
                    } else {
                        let end = self.word_end(i);
                        self.word(i, end);
                        end
                    }
                }
                b'#' => self.line_end(i),
                b'<' if self.src.get(i + 1) == Some(&b'#') => {
                    self.find(i + 2, b"#>").map_or(self.src.len(), |e| e + 2)
                }
                b'|' | b'&' => {
                    // `|`, `||`, `&&` and the call operator `&` all put a command next.
                    self.current = None;
                    self.command_position = true;
                    if self.src.get(i + 1) == Some(&c) {
                        i + 2
                    } else {
                        // After `&` even a quoted path names the command; after `|` a keyword
                        // such as `foreach` or `where` is an alias of a cmdlet.
                        self.call_next = c == b'&';
                        self.after_pipe = c == b'|';
                        i + 1
                    }
                }
                b'(' | b'{' => self.open(i + 1),
                b')' | b'}' => {
                    self.current = self.stack.pop().flatten();
                    self.command_position = false;
                    i + 1
                }
                b'@' if matches!(self.src.get(i + 1), Some(b'(') | Some(b'{')) => self.open(i + 2),
                b'@' if matches!(self.src.get(i + 1), Some(b'"') | Some(b'\'')) => {
                    self.here_string(i)
                }
                b'$' => self.variable(i),
                b'\'' => {
                    let end = self.single_quoted(i + 1);
                    self.word(i, end);
                    end
                }
                b'"' => self.double_quoted(i, i + 1),
                b'[' if self.command_position || self.current.is_none() => {
                    // A type literal such as `[int]` or `[IO.File]::Exists(...)`.
                    let end = self.matching_bracket(i);
                    self.command_position = false;
                    end
                }
                b'=' | b',' | b'!' | b'+' | b'*' | b'/' | b'>' | b'<' => {
                    if c == b'=' {
                        self.command_position = true;
                        self.current = None;
                        self.assigning = true;
                    }
                    i + 1
                }
                _ if self.typographic_quote(i).is_some() => {
                    let (len, double) = self.typographic_quote(i).unwrap_or((1, false));
                    if double {
                        self.double_quoted(i, i + len)
                    } else {
                        let end = self.single_quoted(i + len);
                        self.word(i, end);
                        end
                    }
                }
                _ => {
                    let end = self.word_end(i);
                    self.word(i, end.max(i + 1));
                    end.max(i + 1)
                }
            };
        }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.base + start, self.base + end)
    }

    fn end_statement(&mut self) {
        self.current = None;
        self.command_position = true;
        self.assigning = false;
    }

    fn open(&mut self, next: usize) -> usize {
        self.after_pipe = false;
        self.stack.push(self.current);
        self.current = None;
        self.command_position = true;
        next
    }

    fn line_end(&self, i: usize) -> usize {
        self.src[i..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .map_or(self.src.len(), |p| i + p)
    }

    fn find(&self, from: usize, needle: &[u8]) -> Option<usize> {
        self.src
            .get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| from + p)
    }

    /// `‘ ’ ‚ ‛` count as single quotes and `“ ” „` as double quotes in PowerShell.
    fn typographic_quote(&self, i: usize) -> Option<(usize, bool)> {
        let c = self.text.get(i..)?.chars().next()?;
        match c {
            '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}' => Some((c.len_utf8(), false)),
            '\u{201c}' | '\u{201d}' | '\u{201e}' => Some((c.len_utf8(), true)),
            _ => None,
        }
    }

    fn is_single_quote(&self, i: usize) -> Option<usize> {
        if self.src.get(i) == Some(&b'\'') {
            return Some(1);
        }
        match self.typographic_quote(i) {
            Some((len, false)) => Some(len),
            _ => None,
        }
    }

    fn is_double_quote(&self, i: usize) -> Option<usize> {
        if self.src.get(i) == Some(&b'"') {
            return Some(1);
        }
        match self.typographic_quote(i) {
            Some((len, true)) => Some(len),
            _ => None,
        }
    }

    /// The end of a single-quoted string whose text starts at `i` (`''` is an escaped quote).
    fn single_quoted(&self, mut i: usize) -> usize {
        while i < self.src.len() {
            if let Some(len) = self.is_single_quote(i) {
                if let Some(len2) = self.is_single_quote(i + len) {
                    i += len + len2;
                    continue;
                }
                return i + len;
            }
            i += 1;
        }
        self.src.len()
    }

    /// Reads a double-quoted string starting at `open` (text at `i`), recording the variables
    /// it interpolates; returns its end.
    fn double_quoted(&mut self, open: usize, mut i: usize) -> usize {
        while i < self.src.len() {
            match self.src[i] {
                b'`' => i += 2,
                b'$' => i = self.string_variable(i),
                _ => {
                    if let Some(len) = self.is_double_quote(i) {
                        if let Some(len2) = self.is_double_quote(i + len) {
                            i += len + len2;
                            continue;
                        }
                        let end = i + len;
                        self.word(open, end);
                        return end;
                    }
                    i += 1;
                }
            }
        }
        self.word(open, self.src.len());
        self.src.len()
    }

    fn here_string(&mut self, i: usize) -> usize {
        let expandable = self.src[i + 1] == b'"';
        let close: &[u8] = if expandable { b"\n\"@" } else { b"\n'@" };
        let end = self.find(i + 2, close).map_or(self.src.len(), |e| e + 3);
        if expandable {
            let mut j = i + 2;
            while j < end {
                if self.src[j] == b'$' {
                    j = self.string_variable(j);
                } else if self.src[j] == b'`' {
                    j += 2;
                } else {
                    j += 1;
                }
            }
        }
        self.word(i, end.min(self.src.len()));
        end.min(self.src.len())
    }

    /// A `$` inside an expandable string: a variable or a `$( ... )` subexpression.
    fn string_variable(&mut self, i: usize) -> usize {
        if self.src.get(i + 1) == Some(&b'(') {
            let end = self.matching_paren(i + 1);
            let mut j = i + 2;
            while j < end {
                if self.src[j] == b'$' {
                    j = self.string_variable(j);
                } else {
                    j += 1;
                }
            }
            return end;
        }
        match self.variable_name(i) {
            Some((name, end)) => {
                self.out.vars.push(Var {
                    name,
                    span: self.span(i, end),
                    assigned: false,
                    in_string: true,
                    statement: false,
                });
                end
            }
            None => i + 1,
        }
    }

    fn matching_paren(&self, open: usize) -> usize {
        let mut depth = 0usize;
        let mut i = open;
        while i < self.src.len() {
            match self.src[i] {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return i + 1;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        self.src.len()
    }

    fn matching_bracket(&self, open: usize) -> usize {
        let mut depth = 0usize;
        for (k, &b) in self.src[open..].iter().enumerate() {
            match b {
                b'[' => depth += 1,
                b']' => {
                    depth -= 1;
                    if depth == 0 {
                        return open + k + 1;
                    }
                }
                b'\n' => return open + k,
                _ => {}
            }
        }
        self.src.len()
    }

    /// The name of the variable whose `$` is at `i`, and where it ends.
    fn variable_name(&self, i: usize) -> Option<(String, usize)> {
        let rest = self.text.get(i + 1..)?;
        if let Some(inner) = rest.strip_prefix('{') {
            let close = inner.find('}')?;
            let name = &inner[..close];
            let name = name.rsplit(':').next().unwrap_or(name);
            return Some((name.to_owned(), i + 2 + close + 1));
        }
        let len: usize = rest
            .char_indices()
            .take_while(|(_, c)| c.is_alphanumeric() || *c == '_' || *c == ':')
            .map(|(_, c)| c.len_utf8())
            .sum();
        let mut raw = &rest[..len];
        // `$x:` at the end of a word in a string is `$x` followed by a colon.
        raw = raw.trim_end_matches(':');
        if raw.is_empty() {
            return match rest.chars().next() {
                Some(c @ ('_' | '?' | '$' | '^')) => Some((c.to_string(), i + 2)),
                _ => None,
            };
        }
        // Environment variables keep their drive: `$env:Path` is not `$Path`.
        let name = match raw.split_once(':') {
            Some((scope, name)) if scope.eq_ignore_ascii_case("env") => format!("env:{name}"),
            _ => raw.rsplit(':').next().unwrap_or(raw).to_owned(),
        };
        Some((name, i + 1 + raw.len()))
    }

    fn variable(&mut self, i: usize) -> usize {
        if self.src.get(i + 1) == Some(&b'(') {
            return self.open(i + 2);
        }
        let Some((name, end)) = self.variable_name(i) else {
            return i + 1;
        };
        self.after_pipe = false;
        let statement = self.command_position && self.current.is_none() && !self.assigning;
        let assigned = std::mem::take(&mut self.assign_next_var) || self.assignment_follows(end);
        let text = self.text[i..end].to_owned();
        self.out.vars.push(Var {
            name,
            span: self.span(i, end),
            assigned,
            in_string: false,
            statement: statement && !assigned,
        });
        if let Some(c) = self.current {
            let span = self.span(i, end);
            self.out.commands[c].args.push(Word { text, span });
        }
        self.command_position = false;
        end
    }

    fn assignment_follows(&self, mut i: usize) -> bool {
        while matches!(self.src.get(i), Some(b' ') | Some(b'\t')) {
            i += 1;
        }
        let rest = &self.src[i.min(self.src.len())..];
        let op_len = if rest.starts_with(b"??=") {
            3
        } else if rest.len() >= 2 && b"+-*/%".contains(&rest[0]) && rest[1] == b'=' {
            2
        } else if rest.first() == Some(&b'=') && rest.get(1) != Some(&b'=') {
            1
        } else {
            return false;
        };
        op_len > 0
    }

    fn word_end(&self, i: usize) -> usize {
        let mut j = i;
        while j < self.src.len() {
            let b = self.src[j];
            if b == b'`' {
                j += 2;
                continue;
            }
            if b.is_ascii_whitespace() || b";|(){}\"'$,".contains(&b) || (b == b'=' && j > i) {
                break;
            }
            if self.typographic_quote(j).is_some() {
                break;
            }
            j += 1;
        }
        j.min(self.src.len())
    }

    fn word(&mut self, start: usize, end: usize) {
        let text = self.text.get(start..end).unwrap_or("").to_owned();
        let span = self.span(start, end);
        if std::mem::take(&mut self.skip_next_word) {
            self.command_position = false;
            return;
        }
        let first = text.chars().next().unwrap_or(' ');
        let called = std::mem::take(&mut self.call_next);
        let piped = std::mem::take(&mut self.after_pipe);
        let is_name = called
            || first.is_alphabetic()
            || matches!(first, '.' | '\\' | '/' | '%' | '?' | '_' | '<')
            || (first == '&' && text.len() > 1);
        if self.command_position && self.current.is_none() && is_name && text != "." {
            let lower = text.to_ascii_lowercase();
            if KEYWORDS.contains(&lower.as_str()) && !piped {
                match lower.as_str() {
                    "function" | "filter" | "workflow" => self.skip_next_word = true,
                    "foreach" | "param" => self.assign_next_var = true,
                    _ => {}
                }
                // After a keyword a command may follow (`return Get-Item x`, `else { ... }`).
                return;
            }
            self.out.commands.push(Command {
                name: text,
                span,
                args: Vec::new(),
            });
            self.current = Some(self.out.commands.len() - 1);
            self.command_position = false;
            return;
        }
        if text != "." {
            self.command_position = false;
        }
        if let Some(c) = self.current {
            self.out.commands[c].args.push(Word { text, span });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(raw: &str) -> Code {
        let mut placeholders = Vec::new();
        if let (Some(s), Some(e)) = (raw.find('<'), raw.find('>'))
            && e > s
            && !raw[s..e].contains('#')
        {
            placeholders.push(crate::code::Placeholder {
                text: raw[s..=e].to_owned(),
                span: Span::new(s, e + 1),
                in_string: false,
            });
        }
        Code::new(raw, Span::new(0, raw.len()), placeholders)
    }

    fn names(raw: &str) -> Vec<String> {
        scan(&code(raw))
            .commands
            .into_iter()
            .map(|c| c.name)
            .collect()
    }

    #[test]
    fn commands_are_words_in_command_position() {
        assert_eq!(
            names("Get-Service w3svc | Where-Object { $_.Status -eq 'Running' } | % { $_.Name }"),
            ["Get-Service", "Where-Object", "%"]
        );
        assert_eq!(names("net stop w3svc; net start w3svc"), ["net", "net"]);
        assert_eq!(
            names("$s = Get-Item x\n& .\\setup.exe /quiet"),
            ["Get-Item", ".\\setup.exe"]
        );
        assert_eq!(
            names("if ($x) { Stop-Service a } else { Start-Service a }"),
            ["Stop-Service", "Start-Service"]
        );
        assert_eq!(names("function Get-Thing { ls }"), ["ls"]);
        assert_eq!(
            names("Get-Service | foreach { $_ }\nforeach ($s in $x) { $s }"),
            ["Get-Service", "foreach"]
        );
        assert_eq!(
            names("Write-Output (Get-Date)"),
            ["Write-Output", "Get-Date"]
        );
    }

    #[test]
    fn strings_and_comments_hide_their_words() {
        assert_eq!(
            names("Write-Output 'gci; ls' # rm -r x\n<# del #> \"a; ls\""),
            ["Write-Output"]
        );
        assert_eq!(names("@'\nls\n'@\nGet-Date"), ["Get-Date"]);
        assert_eq!(
            names("Write-Output \u{2018}ls; gci\u{2019}"),
            ["Write-Output"]
        );
    }

    #[test]
    fn arguments_follow_their_command() {
        let s = scan(&code(
            "Remove-Item -Recurse -Force C:\\x | Out-Null\nnet stop w3svc",
        ));
        assert!(s.commands[0].has_switch("Recurse", 3));
        assert!(s.commands[0].has_arg("-force"));
        assert!(!s.commands[1].has_switch("Recurse", 3));
        assert!(s.commands[2].has_arg("stop"));
        let s = scan(&code(
            "Install-CsDatabase -SqlServerFqdn <SQL Server FQDN> -Verbose",
        ));
        assert_eq!(s.commands[0].args[1].text, "<SQL Server FQDN>");
        assert_eq!(s.commands[0].args.len(), 3);
    }

    #[test]
    fn variables_know_whether_they_are_set_read_or_interpolated() {
        let s = scan(&code(
            "$a = 1\n$b += $a\nforeach ($c in $b) { \"$c and ${d} and $($e)\" }\n$f\n$global:g = 2",
        ));
        let v: Vec<(&str, bool, bool, bool)> = s
            .vars
            .iter()
            .map(|v| (v.name.as_str(), v.assigned, v.in_string, v.statement))
            .collect();
        assert_eq!(
            v,
            [
                ("a", true, false, false),
                ("b", true, false, false),
                ("a", false, false, false),
                ("c", true, false, false),
                ("b", false, false, false),
                ("c", false, true, false),
                ("d", false, true, false),
                ("e", false, true, false),
                ("f", false, false, true),
                ("g", true, false, false),
            ]
        );
    }

    #[test]
    fn base_names_drop_paths_and_exe() {
        let s = scan(&code(
            "& 'C:\\Program Files\\Setup.EXE' /q\nmsiexec.exe /i x.msi",
        ));
        assert_eq!(s.commands[0].base_name(), "setup");
        assert_eq!(s.commands[1].base_name(), "msiexec");
    }
}
