//! How much each step printed, from `transcript.log` (`[step] stream: text`, `stream+` for a part
//! of a long line). The journal keeps only the last lines of each command; the transcript has
//! every line, so the report gives the size of what it leaves out and links to the file.
//!
//! The file is read as a stream, a line at a time, and only counted: a transcript of hundreds of
//! megabytes costs a pass over it, not its size in memory.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

/// What the transcript holds per step label (`finally` for the cleanup).
#[derive(Debug, Default, Clone)]
pub(crate) struct Printed {
    /// Lines (parts of long lines counted as lines) and bytes of text, by step.
    pub by_step: HashMap<String, Amount>,
    /// The whole file's size, in bytes.
    pub total_bytes: u64,
}

/// Lines and bytes.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Amount {
    /// Lines, parts of long lines included.
    pub lines: u64,
    /// Bytes of text printed.
    pub bytes: u64,
}

const STREAMS: [&str; 8] = [
    "output",
    "error",
    "warning",
    "verbose",
    "debug",
    "information",
    "stdout",
    "stderr",
];

/// Counts the transcript; `None` when it cannot be read (a run that never printed may have none).
pub(crate) fn count(path: &Path) -> Option<Printed> {
    let file = std::fs::File::open(path).ok()?;
    let mut reader = std::io::BufReader::new(file);
    let mut printed = Printed::default();
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(n) => printed.total_bytes += n as u64,
        }
        let text = String::from_utf8_lossy(&line);
        if let Some((step, bytes)) = split(text.trim_end_matches(['\n', '\r'])) {
            let amount = printed.by_step.entry(step.to_owned()).or_default();
            amount.lines += 1;
            amount.bytes += bytes as u64;
        }
    }
    Some(printed)
}

/// `[step] stream: text` → the step and the text's length. The step may hold brackets and
/// spaces (a loop's item), so the label ends at the first `] ` followed by a stream's name.
fn split(line: &str) -> Option<(&str, usize)> {
    let rest = line.strip_prefix('[')?;
    let mut from = 0;
    while let Some(at) = rest[from..].find("] ") {
        let end = from + at;
        let after = &rest[end + 2..];
        for stream in STREAMS {
            if let Some(tail) = after.strip_prefix(stream) {
                let tail = tail.strip_prefix('+').unwrap_or(tail);
                if let Some(text) = tail.strip_prefix(": ") {
                    return Some((&rest[..end], text.len()));
                }
            }
        }
        from = end + 2;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_with_brackets_and_a_part_of_a_long_line_are_read() {
        assert_eq!(split("[s] output: hello"), Some(("s", 5)));
        assert_eq!(
            split("[patch[fe 01]] stderr+: ab"),
            Some(("patch[fe 01]", 2))
        );
        assert_eq!(split("[finally] error: "), Some(("finally", 0)));
        assert_eq!(split("no label"), None);
    }
}
