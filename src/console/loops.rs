//! Loops: announced when the run reaches them, with their items, so that an empty list shows
//! as a loop that runs zero times rather than as steps that silently never appear.

use tejun_runtime::event::RunEvent;

use crate::style::{Paint, Tone};

/// The lines for a loop event; `None` for other events.
pub(super) fn render(event: &RunEvent, paint: Paint) -> Option<Vec<String>> {
    let RunEvent::LoopStart {
        var, over, items, ..
    } = event
    else {
        return None;
    };
    let what = match items.len() {
        0 => format!("`{over}` is empty: the loop's steps run zero times"),
        1 => format!("1 item: {}", items[0]),
        n => format!("{n} items: {}", items.join(", ")),
    };
    Some(vec![
        String::new(),
        paint.paint(Tone::Heading, &format!("foreach ${var} in {over}: {what}")),
    ])
}
