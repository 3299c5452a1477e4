//! Time windows: announced when they open, warned about when their limit passes, summed up when
//! they close. Durations read as the runbook writes them (`30m`).

use tejun_runtime::event::RunEvent;
use tejun_runtime::window::{local_time, seconds};

use crate::style::{Paint, Tone};

/// The lines for a window event; `None` for other events.
pub(super) fn render(event: &RunEvent, paint: Paint) -> Option<Vec<String>> {
    let line = match event {
        RunEvent::WindowStart {
            window,
            limit,
            deadline,
            message,
            ..
        } => {
            let warns = message
                .as_deref()
                .map_or(String::new(), |m| format!("; then: {m}"));
            format!(
                "  window {window} opens: limit {limit}, until {}{warns}",
                local_time(deadline)
            )
        }
        RunEvent::WindowWarning {
            window,
            limit,
            message,
            ..
        } => paint.paint(
            Tone::Warn,
            &format!(
                "  ! window {window}: its {limit} limit has passed{}",
                message
                    .as_deref()
                    .map_or(String::new(), |m| format!(": {m}"))
            ),
        ),
        RunEvent::WindowEnd {
            window,
            elapsed_ms,
            limit_ms,
            limit,
        } => {
            let open = seconds(*elapsed_ms);
            if elapsed_ms > limit_ms {
                paint.paint(
                    Tone::Warn,
                    &format!(
                        "  window {window} closed after {open}: {} over its {limit} limit",
                        seconds(elapsed_ms - limit_ms)
                    ),
                )
            } else {
                format!(
                    "  window {window} closed after {open}, within its {limit} limit ({} to spare)",
                    seconds(limit_ms - elapsed_ms)
                )
            }
        }
        _ => return None,
    };
    Some(vec![line])
}
