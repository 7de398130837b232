//! What recon says on stderr while it works: log lines through `tracing`, as text or one JSON object a line
//! (`--log-format`), and on a terminal live progress lines (`indicatif`): one per running table, with rows
//! read per side, rows per second and, where the row count is known, the time left. Nothing here ever goes
//! to stdout, which belongs to the report.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::ValueEnum;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::{format::Writer, FmtContext, FormatEvent, FormatFields, MakeWriter};
use tracing_subscriber::registry::LookupSpan;

use crate::side::{Side, Sides};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The live lines on a terminal; invisible (and free) elsewhere, with `--quiet` or with JSON logs.
#[derive(Clone)]
pub struct Progress {
    multi: MultiProgress,
    visible: bool,
}

impl Progress {
    pub fn new(format: LogFormat, quiet: bool) -> Progress {
        let visible = !quiet && format == LogFormat::Text && std::io::stderr().is_terminal();
        let target = if visible { ProgressDrawTarget::stderr_with_hz(4) } else { ProgressDrawTarget::hidden() };
        Progress { multi: MultiProgress::with_draw_target(target), visible }
    }

    /// A progress line for one table, showing both sides' rows as readers count them.
    pub fn table(&self, name: &str, totals: Sides<Option<u64>>) -> TableProgress {
        let counters = Arc::new(Counters::default());
        let bar = self.visible.then(|| {
            let bar = self.multi.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template("recon: {prefix}{msg}").unwrap_or(ProgressStyle::default_spinner()),
            );
            bar.set_prefix(if name.is_empty() { String::new() } else { format!("{name}: ") });
            bar
        });
        let done = Arc::new(AtomicBool::new(false));
        let ticker = bar.clone().map(|bar| {
            let (counters, done) = (counters.clone(), done.clone());
            std::thread::spawn(move || {
                let started = Instant::now();
                while !done.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(250));
                    let elapsed = started.elapsed().as_secs_f64().max(1e-3);
                    let status = Side::BOTH.map(|side| {
                        side_status(side.name(), counters.rows[side].load(Ordering::Relaxed), totals[side], elapsed)
                    });
                    bar.set_message(status.join(" | "));
                }
                bar.finish_and_clear();
            })
        });
        TableProgress { counters, done, ticker }
    }

    /// A line counting finished tables out of `total`.
    pub fn tables(&self, total: u64) -> ProgressBar {
        if !self.visible {
            return ProgressBar::hidden();
        }
        let bar = self.multi.add(ProgressBar::new(total));
        let style = ProgressStyle::with_template("recon: {pos}/{len} tables [{elapsed}]");
        bar.set_style(style.unwrap_or(ProgressStyle::default_bar()));
        bar
    }

    /// Runs `write` with the live lines cleared, so a log line never tears them.
    fn suspend<R>(&self, write: impl FnOnce() -> R) -> R {
        if self.visible {
            self.multi.suspend(write)
        } else {
            write()
        }
    }
}

/// Rows read so far per side, shared with the readers.
#[derive(Debug, Default)]
pub struct Counters {
    rows: Sides<AtomicU64>,
}

impl Counters {
    pub fn add(&self, side: Side, rows: u64) {
        self.rows[side].fetch_add(rows, Ordering::Relaxed);
    }
}

/// One table's live line; dropping it clears the line.
pub struct TableProgress {
    pub counters: Arc<Counters>,
    done: Arc<AtomicBool>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

impl Drop for TableProgress {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(ticker) = self.ticker.take() {
            let _ = ticker.join();
        }
    }
}

fn side_status(name: &str, rows: u64, total: Option<u64>, elapsed: f64) -> String {
    let rate = rows as f64 / elapsed;
    match total {
        Some(total) if total > 0 => {
            let left = if rate > 0.0 { total.saturating_sub(rows) as f64 / rate } else { f64::INFINITY };
            let percent = 100.0 * rows as f64 / total as f64;
            format!("{name} {rows}/{total} rows ({percent:.0}%, {:.1} M rows/s, ETA {left:.0}s)", rate / 1e6)
        }
        _ => format!("{name} {rows} rows ({:.1} M rows/s)", rate / 1e6),
    }
}

/// Sends recon's log events to stderr in `format`: errors always, the rest unless `quiet`. Other crates'
/// events (drivers, DataFusion) are left out: what they log is for their own debugging.
pub fn init_logging(format: LogFormat, quiet: bool, progress: &Progress) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let level = if quiet { Level::ERROR } else { Level::INFO };
    let filter = tracing_subscriber::filter::Targets::new().with_target("recon", level);
    let layer = tracing_subscriber::fmt::layer()
        .event_format(Lines { format, started: Instant::now() })
        .with_writer(Stderr(progress.clone()));
    // A second call (tests build several sessions in one process) keeps the first subscriber.
    let _ = tracing_subscriber::registry().with(filter).with(layer).try_init();
}

/// The form of a log line: `recon: message` (`recon: error: message`), or a JSON object with `level`,
/// `elapsed_s` and `message`.
struct Lines {
    format: LogFormat,
    started: Instant,
}

impl<S, N> FormatEvent<S, N> for Lines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, _: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> std::fmt::Result {
        let mut message = Message(String::new());
        event.record(&mut message);
        let message = Message(crate::secrets::mask(&message.0));
        let error = *event.metadata().level() == Level::ERROR;
        match self.format {
            LogFormat::Text if error => writeln!(writer, "recon: error: {}", message.0),
            LogFormat::Text => writeln!(writer, "recon: {}", message.0),
            LogFormat::Json => {
                let line = serde_json::json!({
                    "level": event.metadata().level().as_str().to_ascii_lowercase(),
                    "elapsed_s": (self.started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
                    "message": message.0,
                });
                writeln!(writer, "{line}")
            }
        }
    }
}

/// An event's `message` field (what `info!("…")` says).
struct Message(String);

impl tracing::field::Visit for Message {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "message" {
            self.0 = value.to_string();
        }
    }
}

/// stderr, written with the live lines cleared.
struct Stderr(Progress);

struct Line<'a> {
    progress: &'a Progress,
    buffer: Vec<u8>,
}

impl<'a> MakeWriter<'a> for Stderr {
    type Writer = Line<'a>;

    fn make_writer(&'a self) -> Line<'a> {
        Line { progress: &self.0, buffer: Vec::new() }
    }
}

impl Write for Line<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A whole line at once, so lines of threads never interleave.
impl Drop for Line<'_> {
    fn drop(&mut self) {
        let buffer = std::mem::take(&mut self.buffer);
        self.progress.suspend(|| {
            let _ = std::io::stderr().lock().write_all(&buffer);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_total_gives_a_share_and_the_time_left() {
        assert_eq!(side_status("source", 500, Some(1000), 1.0), "source 500/1000 rows (50%, 0.0 M rows/s, ETA 1s)");
        assert_eq!(side_status("target", 2_000_000, None, 2.0), "target 2000000 rows (1.0 M rows/s)");
    }
}
