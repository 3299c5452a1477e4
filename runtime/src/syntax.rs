//! Rule TJ001 (powershell-syntax): every block of code parsed by PowerShell's own parser in one
//! hosted session, each parse error mapped back to the runbook's own line and column.
//!
//! The blocks reach PowerShell as data: one variable holds them, base64-encoded, and a fixed
//! script (`runtime/syntax.ps1`) parses each with `Parser::ParseInput`; nothing from a runbook
//! becomes code. A block is parsed as tejun runs it: laid out (trimmed, dedented, as
//! [`Code::text`]), because PowerShell wants a here-string's closing `'@` at the start of a
//! line, and with each document placeholder replaced by a variable reference of the same length
//! in bytes, because PowerShell would read `<SQL Server FQDN>` as a redirection. The parser
//! reports offsets in UTF-16 code units of that text; [`BlockText`] maps them back to byte
//! offsets in the file.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use tejun_grammar::Runbook;
use tejun_grammar::Span;
use tejun_grammar::ast::Value;
use tejun_grammar::code::{Code, layout};
use tejun_grammar::lint::{Context, Finding};

use crate::host::{Host, HostError, RunState, Stream};

/// The PowerShell side: parses the blocks it is given and prints their errors.
pub const SCRIPT: &str = include_str!("../syntax.ps1");

/// The variable holding the blocks, as `syntax.ps1` expects it.
const BLOCKS_VAR: &str = "TejunSyntaxBlocks";

/// The rule's code.
const CODE: &str = "TJ001";

/// Parse errors that depend on what is installed where the lint runs, not on the code: a type or
/// module that exists on the server the runbook targets (Lync's, say) is unknown on a CI machine.
const ENVIRONMENT_ERRORS: &[&str] = &[
    "TypeNotFound",
    "ModuleNotFoundDuringParse",
    "ErrorLoadingAssembly",
];

/// One error PowerShell's parser found in a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// The block's index in the list given to [`parse_blocks`].
    pub block: usize,
    /// Where the error starts: a byte offset in the block's text.
    pub start: usize,
    /// Where it ends (at least `start`): a byte offset in the block's text.
    pub end: usize,
    /// PowerShell's `ErrorId`, such as `MissingEndCurlyBrace`.
    pub id: String,
    /// PowerShell's message, which may span several lines.
    pub message: String,
}

/// Why the blocks could not be parsed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SyntaxCheckError {
    /// The PowerShell session failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Host(#[from] HostError),
    /// The parsing script failed or answered something unexpected.
    #[error("PowerShell could not parse the blocks: {reason}")]
    #[diagnostic(code(tejun::syntax::failed))]
    Failed {
        /// What went wrong.
        reason: String,
    },
    /// Parsing took longer than allowed.
    #[error("PowerShell did not finish parsing {blocks} blocks within {after:?}")]
    #[diagnostic(code(tejun::syntax::timed_out))]
    TimedOut {
        /// How many blocks there were.
        blocks: usize,
        /// The time allowed.
        after: Duration,
    },
}

/// Parses each block with PowerShell's parser in `host`, in one request. Offsets in the result
/// are byte offsets in the block's text; errors are in block order.
pub async fn parse_blocks(
    host: &mut Host,
    blocks: &[String],
    timeout: Duration,
) -> Result<Vec<SyntaxError>, SyntaxCheckError> {
    if blocks.is_empty() {
        return Ok(Vec::new());
    }
    let encoded: Vec<String> = blocks.iter().map(|b| STANDARD.encode(b)).collect();
    host.set_vars(&[(BLOCKS_VAR.to_owned(), Value::Str(encoded.join("\n")))])
        .await?;
    let mut lines = Vec::new();
    let outcome = host
        .run(SCRIPT, Some(timeout), |line| {
            if line.stream == Stream::Output {
                lines.push(line.text);
            }
        })
        .await?;
    if outcome.timed_out || matches!(outcome.state, RunState::Stopped | RunState::Killed) {
        return Err(SyntaxCheckError::TimedOut {
            blocks: blocks.len(),
            after: timeout,
        });
    }
    if outcome.state != RunState::Completed {
        let reason = outcome
            .failure
            .clone()
            .unwrap_or_else(|| format!("the script ended as {:?}", outcome.state));
        return Err(SyntaxCheckError::Failed { reason });
    }
    if let Some(error) = outcome.errors().next() {
        return Err(SyntaxCheckError::Failed {
            reason: error.text.clone(),
        });
    }
    read_output(&lines, blocks)
}

/// Reads what `syntax.ps1` printed: error lines, then `end N`.
fn read_output(lines: &[String], blocks: &[String]) -> Result<Vec<SyntaxError>, SyntaxCheckError> {
    let failed = |reason: String| SyntaxCheckError::Failed { reason };
    let mut errors = Vec::new();
    let mut parsed = None;
    for line in lines {
        let words: Vec<&str> = line.split('\t').collect();
        match words.as_slice() {
            ["error", block, start, end, id, message] => {
                let block: usize = block
                    .parse()
                    .ok()
                    .filter(|b| *b < blocks.len())
                    .ok_or_else(|| failed(format!("unexpected output `{line}`")))?;
                let (Ok(start), Ok(end)) = (start.parse::<usize>(), end.parse::<usize>()) else {
                    return Err(failed(format!("unexpected output `{line}`")));
                };
                let message = STANDARD
                    .decode(message)
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .ok_or_else(|| failed(format!("unexpected output `{line}`")))?;
                let text = &blocks[block];
                let start = byte_offset(text, start);
                errors.push(SyntaxError {
                    block,
                    start,
                    end: byte_offset(text, end).max(start),
                    id: (*id).to_owned(),
                    message,
                });
            }
            ["end", n] => parsed = n.parse::<usize>().ok(),
            // Output the script did not write cannot come from elsewhere in a session of its
            // own, but an empty line is harmless.
            [""] => {}
            _ => return Err(failed(format!("unexpected output `{line}`"))),
        }
    }
    match parsed {
        Some(n) if n == blocks.len() => Ok(errors),
        Some(n) => Err(failed(format!("parsed {n} of {} blocks", blocks.len()))),
        None => Err(failed("the output ended early".to_owned())),
    }
}

/// The byte offset in `text` of an offset in UTF-16 code units (what .NET strings count), clamped
/// to the text; an offset inside a surrogate pair maps to the start of its character.
fn byte_offset(text: &str, utf16: usize) -> usize {
    let mut units = 0;
    for (at, c) in text.char_indices() {
        units += c.len_utf16();
        if units > utf16 {
            return at;
        }
    }
    text.len()
}

/// A block's code as PowerShell is asked to parse it, with the way back to the file.
#[derive(Debug, Clone)]
pub struct BlockText {
    /// The code as tejun runs it ([`Code::text`]), document placeholders replaced by variable
    /// references of the same length in bytes.
    pub text: String,
    /// The file span of the code between the braces.
    span: Span,
    /// For each line of `text`: the byte offset where it starts in `text`, and in the file.
    lines: Vec<(usize, usize)>,
}

impl BlockText {
    /// Prepares `code` for the parser.
    pub fn new(code: &Code) -> BlockText {
        let raw = substitute(code);
        let text = layout(&raw);
        let lines = line_starts(&raw, &text, code.span.start);
        BlockText {
            text,
            span: code.span,
            lines,
        }
    }

    /// The file span of bytes `start..end` of [`BlockText::text`], kept inside the block.
    pub fn file_span(&self, start: usize, end: usize) -> Span {
        let start = self.file_offset(start);
        Span::new(start, self.file_offset(end).max(start))
    }

    fn file_offset(&self, at: usize) -> usize {
        let (text_start, file_start) = self
            .lines
            .iter()
            .rev()
            .find(|(text_start, _)| *text_start <= at)
            .copied()
            .unwrap_or((0, self.span.start));
        // Not `clamp`, which panics on a reversed range.
        (file_start + (at - text_start))
            .min(self.span.end)
            .max(self.span.start)
    }
}

/// The block's text between the braces, each placeholder outside a string replaced by `$` and
/// underscores (`<SQL Server FQDN>` -> `$________________`): a variable reference of the same
/// length, so every other byte keeps its offset. A placeholder inside a string is only text
/// to the parser and stays as written.
fn substitute(code: &Code) -> String {
    let mut raw = code.raw.clone();
    for placeholder in code.placeholders.iter().filter(|p| !p.in_string) {
        // Spans come from the parser; a span outside the block is skipped, never sliced.
        let range = placeholder
            .span
            .start
            .checked_sub(code.span.start)
            .zip(placeholder.span.end.checked_sub(code.span.start))
            .filter(|(start, end)| raw.get(*start..*end).is_some())
            .map(|(start, end)| start..end);
        if let Some(range) = range
            && range.len() >= 2
        {
            let variable = format!("${}", "_".repeat(range.len() - 1));
            raw.replace_range(range, &variable);
        }
    }
    raw
}

/// Where each line of `text` (= `layout(raw)`) starts, in `text` and in the file, where `raw`
/// starts at file offset `base`. Laying out only drops whole lines at the ends, a prefix of each
/// line (trailing blanks of a one-line block too) and carriage returns, so each line of `text`
/// is a suffix of the line of `raw` it comes from, apart from trailing blanks.
fn line_starts(raw: &str, text: &str, base: usize) -> Vec<(usize, usize)> {
    if !raw.contains(['\n', '\r']) {
        let shift = raw.len() - raw.trim_start().len();
        return vec![(0, base + shift)];
    }
    // The lines of `raw` as `layout` splits them (CRLF, CR and LF all end a line): where each
    // starts and how long it is without its line break.
    let mut raw_lines = Vec::new();
    let bytes = raw.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\n' || bytes[i] == b'\r' {
            raw_lines.push((start, i - start));
            i += if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                2
            } else {
                1
            };
            start = i;
        } else {
            i += 1;
        }
    }
    raw_lines.push((start, bytes.len() - start));

    let first = &raw[..raw_lines[0].1];
    // The first line stays only when it holds code; the others follow in order.
    let mut sources = raw_lines.iter().enumerate();
    if first.trim().is_empty() {
        sources.next();
    }
    let mut out = Vec::new();
    let mut text_start = 0;
    for (line, (index, &(raw_start, raw_len))) in text.split('\n').zip(sources) {
        let shift = if index == 0 {
            raw_len - first.trim_start().len()
        } else {
            raw_len.saturating_sub(line.len())
        };
        out.push((text_start, base + raw_start + shift));
        text_start += line.len() + 1;
    }
    out
}

/// Runs rule TJ001 over checked runbooks, given as `(source, runbook)`: all their blocks in one
/// request to `host`. Returns the findings of each runbook, in the order given.
pub async fn lint(
    host: &mut Host,
    runbooks: &[(&str, &Runbook)],
    timeout: Duration,
) -> Result<Vec<Vec<Finding>>, SyntaxCheckError> {
    let prepared = Prepared::new(runbooks);
    let errors = parse_blocks(host, prepared.blocks(), timeout).await?;
    Ok(prepared.findings(errors))
}

/// The blocks of checked runbooks as PowerShell is asked to parse them, each with the runbook it
/// comes from: what [`lint`] does before and after PowerShell, for a caller that talks to
/// PowerShell itself (`tejun lint` starts it while it is still reading the files).
///
/// Each distinct text is parsed once: the parser's errors depend on the text alone, and the same
/// command often comes back in many blocks and many runbooks.
pub struct Prepared {
    /// Each block's runbook (its index in the list given), text, and the index of its text in
    /// `distinct`.
    texts: Vec<(usize, BlockText, usize)>,
    /// The texts to parse, each once, in order of first use.
    distinct: Vec<String>,
    /// How many runbooks there are.
    runbooks: usize,
}

impl Prepared {
    /// Prepares every block of `runbooks`, given as `(source, runbook)`.
    pub fn new(runbooks: &[(&str, &Runbook)]) -> Prepared {
        let mut texts = Vec::new();
        let mut distinct = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (file, (src, runbook)) in runbooks.iter().enumerate() {
            let cx = Context::new(runbook, src);
            for block in cx.blocks() {
                let text = BlockText::new(block.code);
                let index = *seen.entry(text.text.clone()).or_insert_with(|| {
                    distinct.push(text.text.clone());
                    distinct.len() - 1
                });
                texts.push((file, text, index));
            }
        }
        Prepared {
            texts,
            distinct,
            runbooks: runbooks.len(),
        }
    }

    /// The texts to give [`parse_blocks`]: each distinct one once.
    pub fn blocks(&self) -> &[String] {
        &self.distinct
    }

    /// The findings of each runbook, in the order given, from what [`parse_blocks`] returned for
    /// [`Prepared::blocks`]: each block's errors, block by block.
    pub fn findings(&self, errors: Vec<SyntaxError>) -> Vec<Vec<Finding>> {
        let mut by_text: Vec<Vec<SyntaxError>> = vec![Vec::new(); self.distinct.len()];
        for error in errors {
            if ENVIRONMENT_ERRORS.contains(&error.id.as_str()) {
                continue;
            }
            if let Some(list) = by_text.get_mut(error.block) {
                list.push(error);
            }
        }
        let mut findings = vec![Vec::new(); self.runbooks];
        for (file, text, index) in &self.texts {
            findings[*file].extend(by_text[*index].iter().map(|error| finding(text, error)));
        }
        findings
    }
}

/// The finding for one parse error: PowerShell's first line as the message, its further lines
/// (such as "The correct form is: ...") and what to write instead as the help.
fn finding(text: &BlockText, error: &SyntaxError) -> Finding {
    let mut lines = error
        .message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("a syntax error");
    let mut help: Vec<String> = lines.map(str::to_owned).collect();
    help.push(advice(&error.id).to_owned());
    Finding::new(
        CODE,
        text.file_span(error.start, error.end),
        format!("PowerShell cannot parse this: {first}"),
        error.id.clone(),
        help.join("\n"),
    )
}

/// What to write instead, for the errors a runbook author meets most.
fn advice(id: &str) -> &'static str {
    match id {
        "ExpectedValueExpression" => {
            "write the value the operator applies to after it; the block is sent to PowerShell exactly as written"
        }
        "MissingEndCurlyBrace"
        | "MissingEndParenthesisInExpression"
        | "MissingEndSquareBracket" => {
            "close what is opened here inside the block; the block is sent to PowerShell exactly as written"
        }
        "WhitespaceBeforeHereStringFooter" => {
            "start the line of the closing `'@` or `\"@` at the block's indentation: tejun removes the indentation the block's lines share, and PowerShell wants the closing mark at the start of a line"
        }
        "RedirectionNotSupported" => {
            "PowerShell reserves `<`; a document placeholder is `<` and a letter up to `>`, such as `<SQL Server FQDN>`, filled by a parameter that declares it with `placeholder`"
        }
        _ => "fix the PowerShell syntax; the block is sent to PowerShell exactly as written",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tejun_grammar::code::Placeholder;

    fn code(raw: &str, base: usize) -> Code {
        let mut placeholders = Vec::new();
        let mut from = 0;
        while let Some(s) = raw[from..].find('<').map(|s| s + from) {
            let Some(e) = raw[s..].find('>').map(|e| e + s + 1) else {
                break;
            };
            placeholders.push(Placeholder {
                text: raw[s..e].to_owned(),
                span: Span::new(base + s, base + e),
                in_string: false,
            });
            from = e;
        }
        Code::new(raw, Span::new(base, base + raw.len()), placeholders)
    }

    /// Every byte of the text maps to the same byte of the substituted block in the file.
    fn assert_maps_back(raw: &str) {
        let base = 7;
        let code = code(raw, base);
        let block = BlockText::new(&code);
        let substituted = substitute(&code);
        assert_eq!(block.text, layout(&substituted), "{raw:?}");
        for (at, c) in block.text.char_indices() {
            if c == '\n' {
                continue;
            }
            let file = block.file_span(at, at).start - base;
            assert_eq!(
                substituted[file..].chars().next(),
                Some(c),
                "{raw:?}: byte {at} of {:?} maps to {file}",
                block.text
            );
        }
    }

    #[test]
    fn offsets_map_back_through_the_layout() {
        assert_maps_back("  Get-Item x  ");
        assert_maps_back("Get-Item x");
        assert_maps_back(" Get-Foo |\n      Select-Object Name\n  ");
        assert_maps_back(
            "\n      $x = @'\n      text\n        more\n      '@\n      Write-Output $x\n    ",
        );
        assert_maps_back("\r\n  a\r\n\r\n  b\r\n");
        assert_maps_back("\r  a\r   b\r");
        assert_maps_back("\n\t\tWrite-Output '日本語' <SQL Server FQDN>\n\t\t  $y = 1\n");
        assert_maps_back("\n    \n");
        assert_maps_back("");
    }

    #[test]
    fn placeholders_become_same_length_variables() {
        let code = code(
            " Install-CsDatabase -SqlServerFqdn <SQL Server FQDN> -Verbose ",
            0,
        );
        assert_eq!(
            BlockText::new(&code).text,
            "Install-CsDatabase -SqlServerFqdn $________________ -Verbose"
        );
    }

    #[test]
    fn the_end_of_the_text_maps_to_the_end_of_its_last_line() {
        let raw = " $x = ";
        let block = BlockText::new(&code(raw, 100));
        assert_eq!(block.text, "$x =");
        assert_eq!(block.file_span(4, 4), Span::at(105));
        // Past the end (a confused offset) stays inside the block.
        assert_eq!(block.file_span(40, 50), Span::at(106));
    }

    #[test]
    fn utf16_offsets_become_byte_offsets() {
        let text = "'日本😀' x";
        assert_eq!(byte_offset(text, 0), 0);
        assert_eq!(byte_offset(text, 1), 1);
        assert_eq!(byte_offset(text, 3), 7);
        // 😀 is two UTF-16 code units; its second maps to its start.
        assert_eq!(byte_offset(text, 4), 7);
        assert_eq!(byte_offset(text, 5), 11);
        assert_eq!(byte_offset(text, 7), 13);
        assert_eq!(byte_offset(text, 99), text.len());
    }

    /// `syntax.ps1` against the real parser: UTF-16 offsets, empty blocks, messages over
    /// several lines, and blocks that only look like code.
    #[tokio::test(flavor = "multi_thread")]
    async fn the_script_reports_each_blocks_errors_at_byte_offsets() {
        // `TEJUN_TEST_SHELL` names another shell (the Windows build under wine: tests/windows/).
        let shell = std::env::var("TEJUN_TEST_SHELL").unwrap_or_else(|_| "pwsh".into());
        if let Err(e) = crate::host::find_shell(&shell) {
            panic!(
                "{e}: this test needs a real PowerShell 7. Install it with \
                 `dotnet tool install --global PowerShell --version 7.6.9`"
            );
        }
        let config = crate::host::HostConfig {
            shell,
            startup_timeout: Duration::from_secs(120),
            ..crate::host::HostConfig::default()
        };
        let mut host = Host::start(&config).await.expect("pwsh starts");
        let blocks: Vec<String> = [
            "Write-Output '日本😀'; $x =",
            "",
            "foreach ($a in) { }",
            "Write-Output 'fine'\n\t\"$(Get-Date)\"",
            "'$x = ; exit 3'",
            "1 -eq",
        ]
        .map(str::to_owned)
        .to_vec();
        let errors = parse_blocks(&mut host, &blocks, Duration::from_secs(60))
            .await
            .unwrap();
        host.shutdown().await;
        let found: Vec<(usize, usize, usize, &str)> = errors
            .iter()
            .map(|e| (e.block, e.start, e.end, e.id.as_str()))
            .collect();
        let end0 = blocks[0].len();
        assert_eq!(
            found,
            [
                (0, end0, end0, "ExpectedValueExpression"),
                (2, 14, 14, "MissingForeachExpression"),
                (2, 14, 15, "UnexpectedToken"),
                (5, 5, 5, "ExpectedValueExpression"),
            ]
        );
        assert!(errors[1].message.contains("\nThe correct form is:"));
    }

    #[test]
    fn a_text_met_in_many_blocks_is_parsed_once_and_reported_in_each() {
        let src = |n: usize| {
            format!(
                "runbook r{n} {{\n  step s \"S\" {{\n    run {{ $x = }}\n    run {{ Get-Date }}\n    run {{ $x = }}\n  }}\n}}\n"
            )
        };
        let sources = [src(1), src(22)];
        let runbooks: Vec<Runbook> = sources
            .iter()
            .map(|s| tejun_grammar::compile(s).expect("compiles"))
            .collect();
        let pairs: Vec<(&str, &Runbook)> = sources
            .iter()
            .map(String::as_str)
            .zip(runbooks.iter())
            .collect();
        let prepared = Prepared::new(&pairs);
        assert_eq!(prepared.blocks(), ["$x =", "Get-Date"]);
        let error = SyntaxError {
            block: 0,
            start: 3,
            end: 4,
            id: "ExpectedValueExpression".into(),
            message: "You must provide a value expression following the '=' operator.".into(),
        };
        let findings = prepared.findings(vec![error]);
        for (src, found) in sources.iter().zip(&findings) {
            let at: Vec<usize> = src.match_indices("$x =").map(|(i, _)| i + 3).collect();
            let spans: Vec<usize> = found.iter().map(|f| f.span.start).collect();
            assert_eq!(spans, at, "{src}");
        }
    }

    #[test]
    fn output_is_read_strictly() {
        let blocks = vec!["$x =".to_owned(), "ok".to_owned()];
        let msg = STANDARD.encode("Missing.\nThe correct form is: x");
        let lines = vec![
            format!("error\t0\t4\t4\tExpectedValueExpression\t{msg}"),
            "end\t2".into(),
        ];
        let errors = read_output(&lines, &blocks).unwrap();
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].start, errors[0].end), (4, 4));
        assert_eq!(errors[0].message, "Missing.\nThe correct form is: x");
        assert!(read_output(&lines[..1], &blocks).is_err());
        assert!(read_output(&["end\t1".into()], &blocks).is_err());
        assert!(read_output(&["error\t5\t0\t0\tX\t".into(), "end\t2".into()], &blocks).is_err());
        assert!(read_output(&["garbage".into()], &blocks).is_err());
    }

    #[test]
    fn help_carries_powershells_hint_and_what_to_write() {
        let block = BlockText::new(&code(" foreach ($a in) { } ", 0));
        let f = finding(
            &block,
            &SyntaxError {
                block: 0,
                start: 14,
                end: 14,
                id: "MissingForeachExpression".into(),
                message: "Missing expression in foreach loop.\nThe correct form is: foreach ($a in $b) {...}".into(),
            },
        );
        assert_eq!(
            f.message,
            "PowerShell cannot parse this: Missing expression in foreach loop."
        );
        assert_eq!(f.label, "MissingForeachExpression");
        assert!(
            f.help
                .starts_with("The correct form is: foreach ($a in $b) {...}\n")
        );
        assert_eq!(f.span, Span::at(15));
    }
}
