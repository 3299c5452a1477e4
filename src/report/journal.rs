//! A run's journal read for a report: every whole line that is a JSON object, and what was left
//! out and why. A damaged journal is the common case after a kill (the last line cut short), so
//! nothing here fails on its content; only a journal that cannot be read at all is an error.

use std::path::Path;

/// The entries of a journal, oldest first, and the lines that could not be read.
#[derive(Debug, Default)]
pub(crate) struct Entries {
    /// The events, each with its `at`.
    pub entries: Vec<serde_json::Value>,
    /// Lines left out.
    pub skipped: Vec<Skipped>,
}

/// A journal line left out of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Skipped {
    /// Its line number, from 1.
    pub line: usize,
    /// How long it is, in bytes.
    pub bytes: usize,
    /// Whether it is the last line without a line break: cut short when tejun was killed or the
    /// disk filled up.
    pub cut: bool,
}

/// Reads `journal.jsonl`; `Err` only when the file cannot be read.
pub(crate) fn read(path: &Path) -> std::io::Result<Entries> {
    Ok(parse(&std::fs::read(path)?))
}

/// The entries of a journal's bytes.
pub(crate) fn parse(bytes: &[u8]) -> Entries {
    let mut out = Entries::default();
    let ends_whole = bytes.ends_with(b"\n");
    let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    let count = lines.len();
    for (i, line) in lines.into_iter().enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<serde_json::Value>(line) {
            Ok(value) if value.is_object() => out.entries.push(value),
            _ => out.skipped.push(Skipped {
                line: i + 1,
                bytes: line.len(),
                cut: i + 1 == count && !ends_whole,
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_last_line_cut_short_is_left_out_and_said_so() {
        let e = parse(b"{\"event\":\"run_start\"}\n{\"event\":\"step_st");
        assert_eq!(e.entries.len(), 1);
        assert_eq!(
            e.skipped,
            [Skipped {
                line: 2,
                bytes: 17,
                cut: true
            }]
        );
    }

    #[test]
    fn a_damaged_line_in_the_middle_is_left_out_and_the_rest_is_read() {
        let e = parse(b"{\"event\":\"a\"}\n\xff\xfe garbage\n[1]\n\n{\"event\":\"b\"}\n");
        assert_eq!(e.entries.len(), 2);
        assert_eq!(e.skipped.len(), 2);
        assert!(e.skipped.iter().all(|s| !s.cut));
    }
}
