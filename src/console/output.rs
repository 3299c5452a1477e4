//! What commands print, one line at a time, marked by the stream it came from.

use tejun_runtime::host::{Stream, StreamLine};

use super::INDENT;
use crate::style::{Paint, Tone};

/// One line of a command's output, indented under the command.
pub(super) fn render(line: &StreamLine, paint: Paint) -> String {
    let (mark, tone) = match line.stream {
        Stream::Output | Stream::Stdout => ("|", Tone::Dim),
        Stream::Error | Stream::Stderr => ("!", Tone::Bad),
        Stream::Warning => ("warning:", Tone::Warn),
        Stream::Verbose => ("verbose:", Tone::Dim),
        Stream::Debug => ("debug:", Tone::Dim),
        Stream::Information => ("i", Tone::Dim),
    };
    // A part of a line too long to hold whole: the line goes on in the next part.
    let mark = if line.partial {
        paint.paint(tone, &format!("{mark}+"))
    } else {
        paint.paint(tone, mark)
    };
    format!("{INDENT}{mark} {}", line.text)
}
