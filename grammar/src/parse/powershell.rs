//! Where a PowerShell block ends, found by hand: the `ps_*` rules of `tejun.pest`, written out as
//! a scanner over bytes.
//!
//! Each function below is one rule and follows it exactly, ordered choices, repetitions and
//! backtracking included, so that it accepts what the rule accepts and stops where it stops. The
//! grammar stays the reference: `blanked.rs` lets pest parse a copy of the text with the blocks
//! found here blanked out, and falls back to pest on the text itself whenever the two could
//! disagree. Recursion follows the nesting of parentheses and braces; past [`MAX_DEPTH`] (quotes
//! can hide parentheses from `check_nesting`) the scan gives up and pest, with its stack guard,
//! reads the block instead.

use crate::span::Span;

/// How deep parentheses and braces may nest before the scan gives up on a block.
const MAX_DEPTH: usize = 256;

/// A document placeholder found in a block: its span and whether it sits inside a double-quoted
/// string (`ps_string_placeholder`) or in code (`ps_placeholder`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Found {
    pub span: Span,
    pub in_string: bool,
}

/// Scans the code of a block that starts at `start` (just after its `{`), as `ps_code` does.
/// Returns where the block's closing `}` is, or `None` when `ps_block` would fail there.
/// Placeholders are appended to `found` (nothing is appended on failure).
pub(super) fn block_end(src: &str, start: usize, found: &mut Vec<Found>) -> Option<usize> {
    let mark = found.len();
    let mut scanner = Scanner {
        src,
        b: src.as_bytes(),
        found,
        depth: 0,
        gave_up: false,
    };
    let end = scanner.parts(start);
    if !scanner.gave_up && scanner.b.get(end) == Some(&b'}') {
        Some(end)
    } else {
        found.truncate(mark);
        None
    }
}

struct Scanner<'a, 'f> {
    src: &'a str,
    b: &'a [u8],
    found: &'f mut Vec<Found>,
    /// How many `nested` calls are under way.
    depth: usize,
    /// Set past [`MAX_DEPTH`]: every rule then fails at once.
    gave_up: bool,
}

impl Scanner<'_, '_> {
    /// The length of the character at `p` (`ANY`), or `None` at the end of the text.
    fn any(&self, p: usize) -> Option<usize> {
        let first = *self.b.get(p)?;
        Some(match first {
            0x00..=0x7F => 1,
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            _ => 4,
        })
    }

    /// The character at `p`.
    fn char_at(&self, p: usize) -> Option<char> {
        self.src.get(p..)?.chars().next()
    }

    /// `ps_sq`: the length of a single quote at `p`, as PowerShell counts them.
    fn sq(&self, p: usize) -> Option<usize> {
        match self.b.get(p..p + 3) {
            _ if self.b.get(p) == Some(&b'\'') => Some(1),
            Some([0xE2, 0x80, 0x98..=0x9B]) => Some(3),
            _ => None,
        }
    }

    /// `ps_dq`: the length of a double quote at `p`, as PowerShell counts them.
    fn dq(&self, p: usize) -> Option<usize> {
        match self.b.get(p..p + 3) {
            _ if self.b.get(p) == Some(&b'"') => Some(1),
            Some([0xE2, 0x80, 0x9C..=0x9E]) => Some(3),
            _ => None,
        }
    }

    /// `ps_hws*`.
    fn hws(&self, mut p: usize) -> usize {
        while matches!(self.b.get(p), Some(b' ' | b'\t')) {
            p += 1;
        }
        p
    }

    /// `ps_nl`: the position after a line break at `p`.
    fn nl(&self, p: usize) -> Option<usize> {
        match self.b.get(p) {
            Some(b'\r') if self.b.get(p + 1) == Some(&b'\n') => Some(p + 2),
            Some(b'\r' | b'\n') => Some(p + 1),
            _ => None,
        }
    }

    /// The length of a character of `ps_word` at `p`, or `None`.
    fn word_char(&self, p: usize) -> Option<usize> {
        let c = *self.b.get(p)?;
        if c < 0x80 {
            return matches!(
                c,
                b'%'..=b'&' | b'*'..=b':' | b'='..=b'?' | b'A'..=b'_' | b'a'..=b'z' | b'!' | b'|' | b'~' | 0x7F
            )
            .then_some(1);
        }
        // Every other character but the typographic quotes U+2018 to U+201E.
        if self.sq(p).is_some() || self.dq(p).is_some() {
            None
        } else {
            self.any(p)
        }
    }

    /// `ps_part*`: where the repetition stops.
    fn parts(&mut self, mut p: usize) -> usize {
        while let Some(next) = self.part(p) {
            p = next;
        }
        p
    }

    /// `ps_part`: the alternatives in the grammar's order.
    fn part(&mut self, p: usize) -> Option<usize> {
        if self.gave_up {
            return None;
        }
        let c = *self.b.get(p)?;
        if self.word_char(p).is_some() {
            return Some(self.word(p));
        }
        match c {
            b'\t'..=b'\r' | b' ' => {
                let mut q = p + 1;
                while matches!(self.b.get(q), Some(b'\t'..=b'\r' | b' ')) {
                    q += 1;
                }
                return Some(q);
            }
            b'<' => {
                if self.b.get(p + 1) == Some(&b'#')
                    && let Some(end) = self.block_comment(p)
                {
                    return Some(end);
                }
                if let Some(end) = self.placeholder(p, false) {
                    return Some(end);
                }
            }
            b'#' => return Some(self.line_comment(p)),
            b'@' => {
                if let Some(end) = self.here(p, false) {
                    return Some(end);
                }
                if let Some(end) = self.here(p, true) {
                    return Some(end);
                }
            }
            b'$' => {
                if self.b.get(p + 1) == Some(&b'{')
                    && let Some(end) = self.braced_var(p)
                {
                    return Some(end);
                }
            }
            b'(' => return self.nested(p, b')'),
            b'{' => return self.nested(p, b'}'),
            b'`' => return self.any(p + 1).map(|n| p + 1 + n),
            b')' | b'}' => return None,
            _ => {}
        }
        if self.sq(p).is_some() {
            return self.sq_string(p);
        }
        if self.dq(p).is_some() {
            return self.dq_string(p);
        }
        // `ps_other`: a character that opens or closes nothing.
        self.any(p).map(|n| p + n)
    }

    /// `ps_word`: word characters, and `#` followed by more of them.
    fn word(&self, mut p: usize) -> usize {
        loop {
            while let Some(n) = self.word_char(p) {
                p += n;
            }
            if self.b.get(p) == Some(&b'#') {
                p += 1;
            } else {
                return p;
            }
        }
    }

    /// `ps_block_comment`: `<#` to the first `#>` after it.
    fn block_comment(&self, p: usize) -> Option<usize> {
        let from = p + 2;
        self.b[from..]
            .windows(2)
            .position(|w| w == b"#>")
            .map(|i| from + i + 2)
    }

    /// `ps_line_comment`: `#` up to the line break.
    fn line_comment(&self, p: usize) -> usize {
        self.b[p..]
            .iter()
            .position(|&c| c == b'\r' || c == b'\n')
            .map_or(self.b.len(), |i| p + i)
    }

    /// `ps_here_sq` (`expandable` false) or `ps_here_dq` (true), starting at the `@`.
    fn here(&mut self, p: usize, expandable: bool) -> Option<usize> {
        let quote = |s: &Self, q: usize| if expandable { s.dq(q) } else { s.sq(q) };
        let open = quote(self, p + 1)?;
        let mut q = self.nl(self.hws(p + 1 + open))?;
        let mark = self.found.len();
        loop {
            // The closing line: spaces, a quote and `@`.
            let at = self.hws(q);
            if let Some(n) = quote(self, at)
                && self.b.get(at + n) == Some(&b'@')
            {
                return Some(at + n + 1);
            }
            // Any other line, which must end with a line break.
            loop {
                match self.b.get(q) {
                    None => {
                        self.found.truncate(mark);
                        return None;
                    }
                    Some(b'\r' | b'\n') => break,
                    Some(b'<') if expandable => match self.placeholder(q, true) {
                        Some(end) => q = end,
                        None => q += 1,
                    },
                    Some(_) => q += self.any(q).unwrap_or(1),
                }
            }
            q = self.nl(q).expect("a line break");
        }
    }

    /// `ps_sq_string`: a doubled quote is a quote.
    fn sq_string(&self, p: usize) -> Option<usize> {
        let mut q = p + self.sq(p)?;
        loop {
            if let Some(n) = self.sq(q) {
                match self.sq(q + n) {
                    Some(m) => q += n + m,
                    None => return Some(q + n),
                }
            } else {
                q += self.any(q)?;
            }
        }
    }

    /// `ps_dq_string`: doubled quotes, backtick escapes, placeholders, `$( ... )` and `${...}`.
    fn dq_string(&mut self, p: usize) -> Option<usize> {
        let mark = self.found.len();
        let mut q = p + self.dq(p)?;
        loop {
            let Some(&c) = self.b.get(q).filter(|_| !self.gave_up) else {
                self.found.truncate(mark);
                return None;
            };
            if let Some(n) = self.dq(q) {
                match self.dq(q + n) {
                    Some(m) => q += n + m,
                    None => return Some(q + n),
                }
                continue;
            }
            let next = match c {
                b'`' => self.any(q + 1).map(|n| q + 1 + n),
                b'<' => self.placeholder(q, true),
                b'$' if self.b.get(q + 1) == Some(&b'(') => self.nested(q + 1, b')'),
                b'$' if self.b.get(q + 1) == Some(&b'{') => self.braced_var(q),
                _ => None,
            };
            q = match next {
                Some(end) => end,
                None => q + self.any(q).unwrap_or(1),
            };
        }
    }

    /// `ps_placeholder` or `ps_string_placeholder`: `<`, a letter, then letters, digits, spaces,
    /// `_`, `.`, `-` and `/`, and `>`.
    fn placeholder(&mut self, p: usize, in_string: bool) -> Option<usize> {
        let first = self.char_at(p + 1)?;
        if !pest::unicode::LETTER(first) {
            return None;
        }
        let mut q = p + 1 + first.len_utf8();
        loop {
            match self.b.get(q)? {
                b'>' => break,
                b' ' | b'_' | b'.' | b'-' | b'/' => q += 1,
                _ => {
                    let c = self.char_at(q)?;
                    if pest::unicode::LETTER(c) || pest::unicode::NUMBER(c) {
                        q += c.len_utf8();
                    } else {
                        return None;
                    }
                }
            }
        }
        self.found.push(Found {
            span: Span::new(p, q + 1),
            in_string,
        });
        Some(q + 1)
    }

    /// `ps_braced_var`: `${`, anything with backtick escapes, `}`.
    fn braced_var(&self, p: usize) -> Option<usize> {
        let mut q = p + 2;
        loop {
            match self.b.get(q)? {
                b'}' => return Some(q + 1),
                b'`' => q += 1 + self.any(q + 1)?,
                _ => q += self.any(q)?,
            }
        }
    }

    /// `ps_paren`, `ps_brace` and `ps_subexpr` (from its `(`): the opening character, parts, and
    /// `close`.
    fn nested(&mut self, p: usize, close: u8) -> Option<usize> {
        if self.depth >= MAX_DEPTH {
            self.gave_up = true;
        }
        if self.gave_up {
            return None;
        }
        let mark = self.found.len();
        self.depth += 1;
        let end = self.parts(p + 1);
        self.depth -= 1;
        if !self.gave_up && self.b.get(end) == Some(&close) {
            Some(end + 1)
        } else {
            self.found.truncate(mark);
            None
        }
    }
}
