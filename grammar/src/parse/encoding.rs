//! Bytes that are not a runbook's text: what they look like, and the text their problem is shown
//! against.

use std::fmt;

use super::ParseError;
use crate::span::Span;

/// What a file that is not UTF-8 text looks like, so the error can say what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-16, as Windows PowerShell's `>` and `Out-File` write it.
    Utf16 {
        /// Big-endian (most significant byte first).
        big_endian: bool,
        /// The file starts with a byte order mark.
        bom: bool,
    },
    /// Text in a legacy single- or double-byte encoding, such as Windows-1252 (Latin-1) or
    /// Shift_JIS: no NUL bytes, few control bytes, but not UTF-8.
    Legacy,
    /// Not text at all: NUL bytes or many control bytes.
    Binary,
}

impl fmt::Display for Encoding {
    /// The error message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Encoding::Utf16 { big_endian, bom } => write!(
                f,
                "the file is UTF-16 ({}, {} a byte order mark), not UTF-8",
                if *big_endian {
                    "big-endian"
                } else {
                    "little-endian"
                },
                if *bom { "with" } else { "without" }
            ),
            Encoding::Legacy => f.write_str(
                "the file is not UTF-8: it looks like text in a legacy encoding, such as \
                 Windows-1252 (Latin-1) or Shift_JIS",
            ),
            Encoding::Binary => f.write_str("the file is binary, not a runbook's text"),
        }
    }
}

impl Encoding {
    /// What to do instead.
    pub fn help(self) -> &'static str {
        match self {
            Encoding::Utf16 { .. } => {
                "save the runbook as UTF-8 (without a byte order mark is best); Windows \
                 PowerShell's `>` and `Out-File` write UTF-16, `Set-Content -Encoding utf8` does not"
            }
            Encoding::Legacy => "save the runbook as UTF-8 (without a byte order mark is best)",
            Encoding::Binary => "check the path: a runbook is a text file saved as UTF-8",
        }
    }
}

/// How much of the file's start [`sniff`] looks at.
const SAMPLE: usize = 8192;

/// How many characters of the bad line the shown text keeps after the first bad byte: enough to
/// recognise the file, not a screenful of binary.
const SHOWN_AFTER: usize = 40;

/// The text of `bytes`, or why they are not a runbook's text. A NUL byte is refused even in
/// valid UTF-8: text never has one, and ASCII saved as UTF-16 would otherwise read as UTF-8
/// with a NUL after every character.
pub(super) fn decode(bytes: &[u8]) -> Result<&str, ParseError> {
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.contains('\0') => Ok(text),
        _ => Err(not_text(bytes)),
    }
}

/// The text to show the problem of bytes [`decode`] refused against: the bytes before the first
/// bad one as they are, then the rest of that line (at most [`SHOWN_AFTER`] characters) with
/// each byte sequence that is not UTF-8 as U+FFFD. The error's span points into this text, so
/// its line and column are those of the file.
pub fn shown(bytes: &[u8]) -> String {
    let at = first_bad(bytes);
    let mut text = String::from_utf8_lossy(&bytes[..at]).into_owned();
    let rest = String::from_utf8_lossy(&bytes[at..]);
    text.extend(
        rest.chars()
            .take_while(|&c| c != '\n')
            .take(SHOWN_AFTER.max(1)),
    );
    text
}

/// The error for bytes [`decode`] refused, its span in [`shown`]'s text.
fn not_text(bytes: &[u8]) -> ParseError {
    let at = first_bad(bytes);
    let encoding = sniff(bytes);
    let (len, label) = match encoding {
        // The two bytes of the mark are each shown as U+FFFD.
        Encoding::Utf16 { bom: true, .. } => (6, "a UTF-16 byte order mark"),
        Encoding::Utf16 { .. } if bytes.get(at) == Some(&0) => {
            (1, "a zero byte: half of a UTF-16 character")
        }
        _ if bytes.get(at) == Some(&0) => (1, "a NUL byte, which text does not have"),
        _ => (
            char::REPLACEMENT_CHARACTER.len_utf8(),
            "this byte does not start a UTF-8 character",
        ),
    };
    ParseError::NotUtf8 {
        encoding,
        label,
        help: encoding.help(),
        span: Span::new(at, at + len),
    }
}

/// The offset of the first NUL byte or byte sequence that is not UTF-8; the bytes before it are
/// UTF-8 text.
fn first_bad(bytes: &[u8]) -> usize {
    let invalid = std::str::from_utf8(bytes).map_or_else(|e| e.valid_up_to(), |_| bytes.len());
    bytes[..invalid]
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(invalid)
}

/// Guesses what bytes that are not UTF-8 text are, from a byte order mark or the bytes at the
/// start of the file.
fn sniff(bytes: &[u8]) -> Encoding {
    match bytes {
        [0xFF, 0xFE, ..] => {
            return Encoding::Utf16 {
                big_endian: false,
                bom: true,
            };
        }
        [0xFE, 0xFF, ..] => {
            return Encoding::Utf16 {
                big_endian: true,
                bom: true,
            };
        }
        _ => {}
    }
    let sample = &bytes[..bytes.len().min(SAMPLE)];
    let nuls_at = |parity: usize| {
        sample
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (nuls_at(0), nuls_at(1));
    if even + odd > 0 {
        // UTF-16 text is mostly ASCII (a runbook's keywords at least): one byte of each pair is
        // zero, the other is not.
        let pairs = sample.len() / 2;
        let one_sided =
            |zeros: usize, other: usize| zeros >= 4 && zeros * 4 >= pairs && other * 20 <= zeros;
        return if one_sided(odd, even) {
            Encoding::Utf16 {
                big_endian: false,
                bom: false,
            }
        } else if one_sided(even, odd) {
            Encoding::Utf16 {
                big_endian: true,
                bom: false,
            }
        } else {
            Encoding::Binary
        };
    }
    let controls = sample
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C))
        .count();
    if controls * 64 > sample.len() {
        Encoding::Binary
    } else {
        Encoding::Legacy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoding(bytes: &[u8]) -> Encoding {
        match decode(bytes) {
            Err(ParseError::NotUtf8 { encoding, .. }) => encoding,
            other => panic!("expected not_utf8, got {other:?}"),
        }
    }

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        text.encode_utf16()
            .flat_map(|u| {
                if big_endian {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            })
            .collect()
    }

    #[test]
    fn utf16_is_told_apart_by_its_mark_or_its_zero_bytes() {
        let text = "runbook r {\n  step s \"手順\" { manual \"x\" }\n}\n";
        for big_endian in [false, true] {
            let bare = utf16(text, big_endian);
            let mark = utf16("\u{FEFF}", big_endian);
            assert_eq!(
                encoding(&bare),
                Encoding::Utf16 {
                    big_endian,
                    bom: false
                }
            );
            assert_eq!(
                encoding(&[mark, bare].concat()),
                Encoding::Utf16 {
                    big_endian,
                    bom: true
                }
            );
        }
    }

    #[test]
    fn latin1_text_is_legacy_and_binary_is_binary() {
        assert_eq!(encoding(b"runbook caf\xe9 {\n}\n"), Encoding::Legacy);
        assert_eq!(encoding(b"\x7fELF\x02\x01\x01\0\0\0"), Encoding::Binary);
        assert_eq!(encoding(b"\x01\x02\x03\xff\x04\x05"), Encoding::Binary);
        assert_eq!(encoding(b"runbook r {\0}"), Encoding::Binary);
    }

    #[test]
    fn the_span_is_the_first_bad_character_of_the_shown_text() {
        for bytes in [
            &b"runbook caf\xe9 {\n}\n"[..],
            b"\x7fELF\x02\x01\x01\0\0\0",
            b"ab\xff\xfe\0",
            b"\xff\xfer\0u\0",
            b"r\0u\0n\0",
        ] {
            let Err(ParseError::NotUtf8 { span, .. }) = decode(bytes) else {
                panic!("{bytes:?} was accepted")
            };
            let text = shown(bytes);
            let marked = text
                .get(span.start..span.end)
                .unwrap_or_else(|| panic!("{span:?} is not a character of {text:?} ({bytes:?})"));
            assert!(
                marked
                    .chars()
                    .all(|c| c == '\0' || c == char::REPLACEMENT_CHARACTER),
                "{bytes:?}: {marked:?}"
            );
        }
    }

    #[test]
    fn the_shown_text_stops_at_the_end_of_the_bad_line() {
        let bytes = [b"ok\n\xe9", &[b'x'; 500][..], b"\nnext line\n"].concat();
        assert_eq!(shown(&bytes).chars().count(), 3 + SHOWN_AFTER);
        assert_eq!(shown(b"caf\xe9 au lait\nnext"), "caf\u{FFFD} au lait");
    }
}
