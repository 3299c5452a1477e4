//! Cutting a byte stream into lines without ever holding more than a chunk of it: what the child
//! writes to its stdout and stderr (a native command may write a 100 MB line, or binary bytes with
//! no line break at all) and the messages on the control channel.

/// A line, or a part of one, cut from a byte stream.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Piece<'a> {
    /// The bytes, without the line break.
    pub(crate) bytes: &'a [u8],
    /// Whether the line goes on in the next piece: it was longer than the chunk size.
    pub(crate) partial: bool,
}

/// Cuts bytes into lines of at most `limit` bytes; a longer line comes in parts, each marked
/// `partial` but the last. A part ends before a UTF-8 sequence that the next bytes complete, so
/// decoding the parts one by one gives the same text as decoding the whole line.
pub(crate) struct LineSplitter {
    buf: Vec<u8>,
    limit: usize,
}

impl LineSplitter {
    pub(crate) fn new(limit: usize) -> LineSplitter {
        LineSplitter {
            buf: Vec::with_capacity(limit.min(64 * 1024)),
            limit: limit.max(8),
        }
    }

    /// Feeds bytes, calling `emit` for every complete line and every full part of a long line.
    pub(crate) fn feed(&mut self, mut data: &[u8], emit: &mut impl FnMut(Piece<'_>)) {
        while !data.is_empty() {
            let room = self.limit - self.buf.len();
            let window = &data[..data.len().min(room)];
            match window.iter().position(|&b| b == b'\n') {
                Some(end) if self.buf.is_empty() => {
                    // The common case: a whole line in the input, passed on without a copy.
                    emit(Piece {
                        bytes: strip_cr(&window[..end]),
                        partial: false,
                    });
                    data = &data[end + 1..];
                }
                Some(end) => {
                    self.buf.extend_from_slice(&window[..end]);
                    emit(Piece {
                        bytes: strip_cr(&self.buf),
                        partial: false,
                    });
                    self.buf.clear();
                    data = &data[end + 1..];
                }
                None => {
                    self.buf.extend_from_slice(window);
                    data = &data[window.len()..];
                    if self.buf.len() == self.limit {
                        self.emit_part(emit);
                    }
                }
            }
        }
    }

    /// The input paused in the middle of a line (a prompt, a progress message, the end of a
    /// command that wrote no line break): emits what has come of the line as a part. A character
    /// cut short waits for one more pause, then goes as it is.
    pub(crate) fn flush_partial(&mut self, emit: &mut impl FnMut(Piece<'_>)) {
        if self.emit_part(emit) == 0 && !self.buf.is_empty() {
            emit(Piece {
                bytes: &self.buf,
                partial: true,
            });
            self.buf.clear();
        }
    }

    /// Whether part of a line is waiting for the rest.
    pub(crate) fn is_pending(&self) -> bool {
        !self.buf.is_empty()
    }

    /// The input ended: emits what is left as a last line.
    pub(crate) fn finish(&mut self, emit: &mut impl FnMut(Piece<'_>)) {
        if !self.buf.is_empty() {
            emit(Piece {
                bytes: strip_cr(&self.buf),
                partial: false,
            });
            self.buf.clear();
        }
    }

    /// Emits the buffer as a part, keeping back a UTF-8 sequence cut short at its end (and a
    /// carriage return, which may be the first half of a CRLF); returns how many bytes went.
    fn emit_part(&mut self, emit: &mut impl FnMut(Piece<'_>)) -> usize {
        let mut cut = self.buf.len() - incomplete_tail(&self.buf);
        if self.buf[..cut].ends_with(b"\r") {
            cut -= 1;
        }
        if cut > 0 {
            emit(Piece {
                bytes: &self.buf[..cut],
                partial: true,
            });
            self.buf.drain(..cut);
        }
        cut
    }
}

/// How many bytes at the end of `bytes` start a UTF-8 sequence that is not complete yet.
fn incomplete_tail(bytes: &[u8]) -> usize {
    for back in 1..=bytes.len().min(3) {
        let b = bytes[bytes.len() - back];
        if b & 0b1100_0000 == 0b1000_0000 {
            continue; // a continuation byte: look further back for the lead byte
        }
        let needed = match b {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => return 0,
        };
        return if needed > back { back } else { 0 };
    }
    0
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(limit: usize, inputs: &[&[u8]]) -> Vec<(String, bool)> {
        let mut splitter = LineSplitter::new(limit);
        let mut out = Vec::new();
        let mut emit =
            |p: Piece<'_>| out.push((String::from_utf8_lossy(p.bytes).into_owned(), p.partial));
        for input in inputs {
            splitter.feed(input, &mut emit);
        }
        splitter.finish(&mut emit);
        out
    }

    #[test]
    fn lines_come_whole_whatever_the_reads() {
        assert_eq!(
            split(16, &[b"one\r\ntw", b"o\n", b"\nthree"]),
            [
                ("one".into(), false),
                ("two".into(), false),
                (String::new(), false),
                ("three".into(), false)
            ]
        );
    }

    #[test]
    fn a_long_line_comes_in_marked_parts_that_rejoin() {
        let line = "abcdefghij".repeat(5);
        let parts = split(16, &[line.as_bytes(), b"\nnext\n"]);
        assert_eq!(parts.len(), 5);
        assert!(
            parts[..3]
                .iter()
                .all(|(p, partial)| *partial && p.len() == 16)
        );
        assert_eq!(parts[3], ("ij".into(), false));
        let joined: String = parts[..4].iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(joined, line);
        assert_eq!(parts[4], ("next".into(), false));
    }

    #[test]
    fn a_part_never_cuts_a_character_in_two() {
        // 'é' is two bytes and '日' three: every cut at 5 bytes would land inside one.
        let line = "é日é日é日é日";
        let parts = split(5, &[line.as_bytes()]);
        assert!(
            parts.iter().all(|(p, _)| !p.contains('\u{fffd}')),
            "{parts:?}"
        );
        let joined: String = parts.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(joined, line);
    }

    #[test]
    fn a_pause_shows_a_line_as_far_as_it_got() {
        let mut splitter = LineSplitter::new(64);
        let mut out = Vec::new();
        let mut emit = |p: Piece<'_>| out.push((p.bytes.to_vec(), p.partial));
        splitter.feed("Working… é".as_bytes(), &mut emit);
        splitter.feed(&[0xE6, 0x97], &mut emit); // the first two bytes of '日'
        splitter.flush_partial(&mut emit);
        splitter.flush_partial(&mut emit);
        splitter.finish(&mut emit);
        assert_eq!(
            out,
            [
                ("Working… é".as_bytes().to_vec(), true),
                (vec![0xE6, 0x97], true)
            ]
        );
    }

    #[test]
    fn binary_bytes_decode_as_they_would_whole() {
        let mut bytes: Vec<u8> = (0..5000u32).map(|i| (i * 7919 % 251) as u8).collect();
        bytes.push(b'.');
        let parts = split(64, &[&bytes]);
        let joined: String = parts
            .iter()
            .map(|(p, partial)| {
                if *partial {
                    p.clone()
                } else {
                    format!("{p}\n")
                }
            })
            .collect();
        let whole: String = bytes
            .split(|&b| b == b'\n')
            .map(|l| format!("{}\n", String::from_utf8_lossy(strip_cr(l))))
            .collect();
        assert_eq!(joined, whole);
    }
}
