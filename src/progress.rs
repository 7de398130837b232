//! What recon says on stderr while it works: log lines through `tracing`, as text or one JSON object a line
//! (`--log-format`), and on a terminal live progress lines (`indicatif`): an audit's bar of tables done, and
//! one line per running table with rows and bytes read per side, rows per second and, where the rows are known
//! (files) or estimated (a database's catalog, marked `~`), the share read and the time left; a table read in
//! two passes says which pass it is in. Nothing here ever goes
//! to stdout, which belongs to the report; nothing is redrawn where stderr is not a terminal.

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
use crate::terminal::Tone;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// How many rows a side holds, as known before reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Total {
    /// Counted: Parquet footers, a CSV file's record ends.
    Exact(u64),
    /// A database catalog's estimate: statistics that may lag the table.
    Estimate(u64),
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

    /// Whether lines are drawn: worth asking a catalog for a total only then.
    pub fn visible(&self) -> bool {
        self.visible
    }

    /// A progress line for one table, showing both sides' rows as readers count them; `pass` names the pass of
    /// a table read twice (`pass 2/2, reading differing buckets again`).
    pub fn table(&self, name: &str, pass: Option<&str>, totals: Sides<Option<Total>>) -> TableProgress {
        let counters = Arc::new(Counters::default());
        let bar = self.visible.then(|| {
            let labels: Vec<&str> = [name, pass.unwrap_or_default()].into_iter().filter(|l| !l.is_empty()).collect();
            let bar = self.line(&labels.join(": "));
            // Until the first count, a quarter of a second in.
            bar.set_message("reading");
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
                        let read = Read {
                            rows: counters.rows[side].load(Ordering::Relaxed),
                            bytes: counters.bytes[side].load(Ordering::Relaxed),
                        };
                        side_status(side.name(), read, totals[side], elapsed)
                    });
                    bar.set_message(status.join(" | "));
                }
                bar.finish_and_clear();
            })
        });
        TableProgress { counters, done, ticker }
    }

    /// A live line for `name` whose owner writes it (a cluster run's stages); hidden where none is drawn.
    pub fn line(&self, name: &str) -> ProgressBar {
        if !self.visible {
            return ProgressBar::hidden();
        }
        let bar = self.multi.add(ProgressBar::new_spinner());
        // `wide_msg` cuts a line at the terminal's width: a wrapped line would tear the redraws.
        bar.set_style(
            ProgressStyle::with_template("recon: {prefix}{wide_msg}").unwrap_or(ProgressStyle::default_spinner()),
        );
        if !name.is_empty() {
            bar.set_prefix(format!("{name}: "));
        }
        bar
    }

    /// An audit's bar of finished tables out of `total`, above its tables' lines.
    pub fn tables(&self, total: u64) -> ProgressBar {
        if !self.visible {
            return ProgressBar::hidden();
        }
        let bar = self.multi.add(ProgressBar::new(total));
        let style = ProgressStyle::with_template("recon: audit [{bar:30}] {pos}/{len} tables done, {elapsed}");
        bar.set_style(style.map_or(ProgressStyle::default_bar(), |s| s.progress_chars("=> ")));
        // The time taken moves while a long table keeps the count still.
        bar.enable_steady_tick(Duration::from_secs(1));
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

/// Rows and bytes (of Arrow data) read so far per side, shared with the readers.
#[derive(Debug, Default)]
pub struct Counters {
    rows: Sides<AtomicU64>,
    bytes: Sides<AtomicU64>,
}

impl Counters {
    pub fn add(&self, side: Side, rows: u64, bytes: u64) {
        self.rows[side].fetch_add(rows, Ordering::Relaxed);
        self.bytes[side].fetch_add(bytes, Ordering::Relaxed);
    }
}

/// What one side has read so far.
#[derive(Debug, Clone, Copy)]
struct Read {
    rows: u64,
    bytes: u64,
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

/// One side's part of a table's line: `source 1.23 M/~3.53 M rows, 96.0 MiB (~35%, 612.0 k rows/s, ETA ~4s)`.
/// An estimate's total, share and time left are marked `~`, and dropped once the rows read pass it.
fn side_status(name: &str, read: Read, total: Option<Total>, elapsed: f64) -> String {
    let Read { rows, bytes } = read;
    let bytes = bytes_text(bytes);
    let rate = rows as f64 / elapsed;
    let (total, about) = match total {
        Some(Total::Exact(total)) => (total, ""),
        Some(Total::Estimate(total)) => (total, "~"),
        None => (0, ""),
    };
    let read = count_text(rows);
    if total == 0 || rows > total {
        return format!("{name} {read} rows, {bytes} ({})", rate_text(rate));
    }
    let percent = 100.0 * rows as f64 / total as f64;
    let left = if rate > 0.0 { duration_text(total.saturating_sub(rows) as f64 / rate) } else { "?".to_string() };
    let total = count_text(total);
    format!("{name} {read}/{about}{total} rows, {bytes} ({about}{percent:.0}%, {}, ETA {about}{left})", rate_text(rate))
}

/// Bytes read in the unit that fits: `512 B`, `96.0 KiB`, `1.5 MiB`, `3.20 GiB`.
fn bytes_text(bytes: u64) -> String {
    let b = bytes as f64;
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..0x10_0000 => format!("{:.1} KiB", b / 1024.0),
        0x10_0000..0x4000_0000 => format!("{:.1} MiB", b / f64::from(1 << 20)),
        _ => format!("{:.2} GiB", b / f64::from(1 << 30)),
    }
}

/// Rows as a moving count reads: exact below ten thousand, then `57.3 k`, `1.50 M`.
fn count_text(rows: u64) -> String {
    match rows {
        0..10_000 => rows.to_string(),
        10_000..1_000_000 => format!("{:.1} k", rows as f64 / 1e3),
        _ => format!("{:.2} M", rows as f64 / 1e6),
    }
}

/// Rows per second in the unit that fits: `850 rows/s`, `12.5 k rows/s`, `1.4 M rows/s`.
fn rate_text(rate: f64) -> String {
    if rate < 1e3 {
        format!("{rate:.0} rows/s")
    } else if rate < 1e6 {
        format!("{:.1} k rows/s", rate / 1e3)
    } else {
        format!("{:.1} M rows/s", rate / 1e6)
    }
}

/// A time left as a person reads it: `42s`, `3m05s`, `2h07m`.
fn duration_text(seconds: f64) -> String {
    let s = seconds.ceil() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}

/// Sends recon's log events to stderr in `format`: errors always, the rest unless `quiet`; `color` paints the
/// word `error`. Other crates' events (drivers, DataFusion) are left out: what they log is for their own
/// debugging.
pub fn init_logging(format: LogFormat, quiet: bool, color: bool, progress: &Progress) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let level = if quiet { Level::ERROR } else { Level::INFO };
    // Ballista (`--cluster`, `recon scheduler`, `recon executor`) logs through `log`: its warnings and errors
    // become recon's lines.
    #[cfg(feature = "cluster")]
    let _ = tracing_log::LogTracer::init();
    let filter = tracing_subscriber::filter::Targets::new()
        .with_target("recon", level)
        .with_target("ballista", if quiet { Level::ERROR } else { Level::WARN });
    let layer = tracing_subscriber::fmt::layer()
        .event_format(Lines { format, color, started: Instant::now() })
        .with_writer(Stderr(progress.clone()));
    // A second call (tests build several sessions in one process) keeps the first subscriber.
    let _ = tracing_subscriber::registry().with(filter).with(layer).try_init();
}

/// The form of a log line: `recon: message` (`recon: error: message`), or a JSON object with `level`,
/// `elapsed_s` and `message`.
struct Lines {
    format: LogFormat,
    color: bool,
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
            LogFormat::Text if error => {
                writeln!(writer, "recon: {} {}", Tone::Bad.paint("error:", self.color), message.0)
            }
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
        let exact = Some(Total::Exact(1000));
        let read = |rows: u64, bytes: u64| Read { rows, bytes };
        assert_eq!(
            side_status("source", read(500, 64_000), exact, 1.0),
            "source 500/1000 rows, 62.5 KiB (50%, 500 rows/s, ETA 1s)"
        );
        assert_eq!(
            side_status("target", read(2_000_000, 3 << 29), None, 2.0),
            "target 2.00 M rows, 1.50 GiB (1.0 M rows/s)"
        );
        assert_eq!(side_status("target", read(57_300, 900), None, 1.0), "target 57.3 k rows, 900 B (57.3 k rows/s)");
    }

    #[test]
    fn an_estimate_is_marked_and_dropped_once_passed() {
        let estimate = Some(Total::Estimate(3_530_752));
        assert_eq!(
            side_status("source", Read { rows: 1_000_000, bytes: 96 << 20 }, estimate, 4.0),
            "source 1.00 M/~3.53 M rows, 96.0 MiB (~28%, 250.0 k rows/s, ETA ~11s)"
        );
        assert_eq!(
            side_status("source", Read { rows: 3_600_000, bytes: 1 << 30 }, estimate, 6.0),
            "source 3.60 M rows, 1.00 GiB (600.0 k rows/s)"
        );
        assert_eq!(
            side_status("target", Read { rows: 0, bytes: 0 }, Some(Total::Estimate(10)), 1.0),
            "target 0/~10 rows, 0 B (~0%, 0 rows/s, ETA ~?)"
        );
    }

    #[test]
    fn rates_and_times_take_the_unit_that_fits() {
        assert_eq!(rate_text(12.4), "12 rows/s");
        assert_eq!(rate_text(12_500.0), "12.5 k rows/s");
        assert_eq!(rate_text(1_400_000.0), "1.4 M rows/s");
        assert_eq!(duration_text(41.2), "42s");
        assert_eq!(duration_text(185.0), "3m05s");
        assert_eq!(duration_text(7620.0), "2h07m");
    }
}
