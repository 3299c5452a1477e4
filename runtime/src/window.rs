//! Time windows during a run: announced when they open, warned about the moment their limit
//! passes (even while a command is still running), and summed up once when they close or the run
//! ends.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::event::RunEvent;
use crate::plan::PlanWindow;

/// The windows of one run session.
pub(crate) struct Windows<'a> {
    plan: &'a [PlanWindow],
    open: HashMap<String, Open>,
    /// One line per window that went over its limit or is still open: the run's summary.
    report: Vec<String>,
}

#[derive(Clone, Copy)]
struct Open {
    since: Instant,
    at: jiff::Timestamp,
    warned: bool,
}

impl<'a> Windows<'a> {
    pub(crate) fn new(plan: &'a [PlanWindow]) -> Windows<'a> {
        Windows {
            plan,
            open: HashMap::new(),
            report: Vec::new(),
        }
    }

    /// The windows `step` opens, as events announcing them.
    pub(crate) fn open(&mut self, step: &str) -> Vec<RunEvent> {
        let mut events = Vec::new();
        for w in self.plan.iter().filter(|w| w.from == step) {
            if self.open.contains_key(&w.name) {
                continue;
            }
            let at = jiff::Timestamp::now();
            let deadline = at
                .checked_add(jiff::SignedDuration::from_millis(
                    i64::try_from(w.limit_ms).unwrap_or(i64::MAX),
                ))
                .unwrap_or(at);
            self.open.insert(
                w.name.clone(),
                Open {
                    since: Instant::now(),
                    at,
                    warned: false,
                },
            );
            events.push(RunEvent::WindowStart {
                window: w.name.clone(),
                limit_ms: w.limit_ms,
                limit: duration(w.limit_ms),
                deadline: deadline.to_string(),
                message: w.warn.clone(),
            });
        }
        events
    }

    /// When the next warning is due, if a window is open and not yet warned about.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.plan
            .iter()
            .filter_map(|w| {
                let open = self.open.get(&w.name)?;
                (!open.warned).then(|| open.since + Duration::from_millis(w.limit_ms))
            })
            .min()
    }

    /// Warnings for the windows whose limit has passed since the last call.
    pub(crate) fn due(&mut self) -> Vec<RunEvent> {
        let mut events = Vec::new();
        for w in self.plan {
            let Some(open) = self.open.get_mut(&w.name) else {
                continue;
            };
            let elapsed = open.since.elapsed();
            if !open.warned && elapsed >= Duration::from_millis(w.limit_ms) {
                open.warned = true;
                events.push(RunEvent::WindowWarning {
                    window: w.name.clone(),
                    elapsed_ms: millis(elapsed),
                    limit_ms: w.limit_ms,
                    limit: duration(w.limit_ms),
                    message: w.warn.clone(),
                });
            }
        }
        events
    }

    /// The windows `step` closes, as events; a window that went over its limit is noted for the
    /// summary.
    pub(crate) fn close(&mut self, step: &str) -> Vec<RunEvent> {
        let mut events = Vec::new();
        for w in self.plan.iter().filter(|w| w.to == step) {
            let Some(open) = self.open.remove(&w.name) else {
                continue;
            };
            let elapsed = millis(open.since.elapsed());
            // Warned about means over, even when the close comes within the same millisecond.
            if open.warned || elapsed > w.limit_ms {
                self.report.push(format!(
                    "window `{}` was open {}, {} over its {} limit",
                    w.name,
                    seconds(elapsed),
                    seconds(elapsed.saturating_sub(w.limit_ms)),
                    duration(w.limit_ms)
                ));
            }
            events.push(RunEvent::WindowEnd {
                window: w.name.clone(),
                elapsed_ms: elapsed,
                limit_ms: w.limit_ms,
                limit: duration(w.limit_ms),
            });
        }
        events
    }

    /// The summary: every window that went over its limit, and every window the run leaves open
    /// (the service it guards may still be down).
    pub(crate) fn report(&self) -> Vec<String> {
        let mut lines = self.report.clone();
        for w in self.plan {
            if let Some(open) = self.open.get(&w.name) {
                let elapsed = millis(open.since.elapsed());
                let local = local(open.at);
                let state = if open.warned || elapsed > w.limit_ms {
                    format!(
                        "{} over its {} limit",
                        seconds(elapsed.saturating_sub(w.limit_ms)),
                        duration(w.limit_ms)
                    )
                } else {
                    format!(
                        "{} of its {} limit left",
                        seconds(w.limit_ms - elapsed),
                        duration(w.limit_ms)
                    )
                };
                lines.push(format!(
                    "window `{}` is still open (since {local}, step `{}` closes it): {state}",
                    w.name, w.to
                ));
            }
        }
        lines
    }
}

/// A length of time the way a runbook writes it: `30m`, `1h30m`, `1m30s`, `500ms`, `0s`.
pub fn duration(ms: u64) -> String {
    let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    let (s, ms) = (rest / 1000, rest % 1000);
    let mut out = String::new();
    for (n, unit) in [(h, "h"), (m, "m"), (s, "s"), (ms, "ms")] {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    if out.is_empty() {
        out.push_str("0s");
    }
    out
}

/// A length of time rounded to whole seconds, written as a runbook writes it: `19s`, `2m5s`.
pub fn seconds(ms: u64) -> String {
    duration(ms.saturating_add(500) / 1000 * 1000)
}

/// An RFC 3339 time as the local wall-clock time, with the date when it is not today.
pub fn local_time(rfc3339: &str) -> String {
    match rfc3339.parse::<jiff::Timestamp>() {
        Ok(at) => local(at),
        Err(_) => rfc3339.to_owned(),
    }
}

fn local(at: jiff::Timestamp) -> String {
    let tz = jiff::tz::TimeZone::system();
    let local = at.to_zoned_datetime(tz.clone());
    let today = jiff::Timestamp::now().to_zoned_datetime(tz).date();
    if local.date() == today {
        local.strftime("%H:%M:%S").to_string()
    } else {
        local.strftime("%Y-%m-%d %H:%M:%S").to_string()
    }
}

/// A duration in whole milliseconds, as events carry it.
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_a_runbook_writes_them() {
        assert_eq!(duration(1_800_000), "30m");
        assert_eq!(duration(5_400_000), "1h30m");
        assert_eq!(duration(90_000), "1m30s");
        assert_eq!(duration(500), "500ms");
        assert_eq!(duration(0), "0s");
        assert_eq!(seconds(19_400), "19s");
    }

    fn window(limit_ms: u64) -> PlanWindow {
        PlanWindow {
            name: "outage".into(),
            from: "a".into(),
            to: "b".into(),
            limit_ms,
            warn: Some("users notice".into()),
        }
    }

    #[test]
    fn a_window_is_announced_warned_once_and_summed_up_when_it_closes() {
        let plan = [window(50)];
        let mut w = Windows::new(&plan);
        let opened = w.open("a");
        assert!(matches!(&opened[..], [RunEvent::WindowStart { limit, .. }] if limit == "50ms"));
        assert!(w.open("a").is_empty(), "already open");
        assert!(w.due().is_empty(), "not yet");
        let deadline = w.next_deadline().expect("a warning is due later");
        std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
        // A sleep may end a little before the deadline (Windows rounds to its timer's tick), so
        // a caller asks again until the deadline has passed, as the sink's watch does.
        let mut due = w.due();
        while due.is_empty() && Instant::now() < deadline + Duration::from_secs(1) {
            std::thread::sleep(Duration::from_millis(1));
            due = w.due();
        }
        assert_eq!(due.len(), 1);
        assert!(w.due().is_empty(), "warned once");
        assert_eq!(w.next_deadline(), None);
        assert_eq!(w.report().len(), 1, "still open");
        assert_eq!(w.close("b").len(), 1);
        let report = w.report();
        assert_eq!(report.len(), 1);
        assert!(
            report[0].starts_with("window `outage` was open"),
            "{report:?}"
        );
        assert!(report[0].ends_with("over its 50ms limit"), "{report:?}");
    }
}
