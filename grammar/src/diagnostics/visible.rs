//! Text made safe to print: characters that a terminal (or a CI log, or an editor) would act on
//! instead of showing are replaced by visible ones.
//!
//! Each is replaced by exactly one character, so a column counted in characters is the same in
//! the replaced text as in the file: the caret under a snippet stays where `file:line:col` says,
//! which an escape such as `\x1b` (four characters for one) would break.

use std::borrow::Cow;

/// `text` with every control character replaced by one visible character: C0 controls by their
/// Unicode control pictures (`\x1b` → `␛`, `\0` → `␀`), DEL by `␡`, and the controls that have
/// no picture (C1 controls, bidirectional overrides, line and paragraph separators) by U+FFFD.
/// Line feeds and tabs are kept, and a carriage return before a line feed: they lay text out
/// the same everywhere. A lone carriage return is replaced: terminals return to the start of
/// the line (hiding what came before), while tejun, like most editors, does not end a line there.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text
        .char_indices()
        .any(|(i, c)| picture(c, text[i + c.len_utf8()..].starts_with('\n')).is_some())
    {
        return Cow::Borrowed(text);
    }
    Cow::Owned(Visible::new(text).text)
}

/// The character shown for `c`, or `None` when `c` shows as itself. `before_lf` says whether a
/// line feed follows.
fn picture(c: char, before_lf: bool) -> Option<char> {
    match c {
        '\n' | '\t' => None,
        '\r' if before_lf => None,
        '\0'..='\x1f' => char::from_u32(0x2400 + c as u32),
        '\x7f' => Some('\u{2421}'),
        '\u{80}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}' => Some(char::REPLACEMENT_CHARACTER),
        _ => None,
    }
}

/// A text made [`visible`], with the byte offsets of the original mapped onto it.
#[derive(Debug, Clone)]
pub(crate) struct Visible {
    /// The replaced text.
    pub text: String,
    /// For each replaced character: its offset in the original and how many bytes longer the
    /// replaced text is from there on, in order.
    moves: Vec<(usize, usize)>,
}

impl Visible {
    /// `text` made visible.
    pub fn new(text: &str) -> Visible {
        let mut out = String::with_capacity(text.len());
        let mut moves = Vec::new();
        let mut longer = 0usize;
        for (i, c) in text.char_indices() {
            let next = i + c.len_utf8();
            match picture(c, text[next..].starts_with('\n')) {
                Some(p) => {
                    out.push(p);
                    longer += p.len_utf8();
                    longer -= c.len_utf8();
                    moves.push((i, longer));
                }
                None => out.push(c),
            }
        }
        Visible { text: out, moves }
    }

    /// Where byte `offset` of the original (a character boundary) is in the replaced text.
    pub fn offset(&self, offset: usize) -> usize {
        let before = self.moves.partition_point(|&(at, _)| at < offset);
        match before {
            0 => offset,
            n => offset + self.moves[n - 1].1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_one_visible_character_each() {
        assert_eq!(visible("a\x1b[2Jb\0\x07\x7f"), "a␛[2Jb␀␇␡");
        assert_eq!(visible("x\u{9b}y\u{202e}z"), "x\u{FFFD}y\u{FFFD}z");
        assert_eq!(visible("a\r\nb\rc\td\n"), "a\r\nb␍c\td\n");
        assert!(matches!(visible("plain 日本\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn offsets_follow_the_replacements() {
        let src = "a\x1bb\u{85}c\nd";
        let shown = Visible::new(src);
        for (i, c) in src.char_indices() {
            let j = shown.offset(i);
            let want = picture(c, false).unwrap_or(c);
            assert_eq!(shown.text[j..].chars().next(), Some(want), "at {i}");
        }
        assert_eq!(shown.offset(src.len()), shown.text.len());
    }
}
