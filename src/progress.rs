//! What recon says on stderr while it works: log lines, as text or JSON (`--log-format`), and on a terminal
//! a live line with rows read per side, rows per second and, where the row count is known, the time left.
//! Nothing here ever goes to stdout, which belongs to the report.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Where log lines go and in which form.
#[derive(Debug, Clone, Copy)]
pub struct Log {
    pub format: LogFormat,
    pub quiet: bool,
    started: Instant,
}

impl Log {
    pub fn new(format: LogFormat, quiet: bool) -> Log {
        Log { format, quiet, started: Instant::now() }
    }

    pub fn info(&self, message: &str) {
        if !self.quiet {
            self.line("info", message);
        }
    }

    /// Errors are printed even when quiet.
    pub fn error(&self, message: &str) {
        self.line("error", message);
    }

    fn line(&self, level: &str, message: &str) {
        let text = match self.format {
            LogFormat::Text if level == "error" => format!("recon: error: {message}"),
            LogFormat::Text => format!("recon: {message}"),
            LogFormat::Json => serde_json::json!({
                "level": level,
                "elapsed_s": (self.started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
                "message": message,
            })
            .to_string(),
        };
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }
}

/// Rows read so far per side, shared with the readers.
#[derive(Debug, Default)]
pub struct Counters {
    pub rows: [AtomicU64; 2],
}

impl Counters {
    pub fn add(&self, side: usize, rows: u64) {
        self.rows[side].fetch_add(rows, Ordering::Relaxed);
    }
}

/// A live progress line, redrawn four times a second while a phase runs; drawn only on a terminal with
/// text logs and not quiet. Dropping it clears the line.
pub struct Meter {
    done: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Meter {
    pub fn start(log: &Log, counters: Arc<Counters>, totals: [Option<u64>; 2]) -> Meter {
        let done = Arc::new(AtomicBool::new(false));
        let live = !log.quiet && log.format == LogFormat::Text && std::io::stderr().is_terminal();
        let thread = live.then(|| {
            let done = done.clone();
            std::thread::spawn(move || {
                let started = Instant::now();
                while !done.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(250));
                    let elapsed = started.elapsed().as_secs_f64().max(1e-3);
                    let sides: Vec<String> = ["source", "target"]
                        .iter()
                        .enumerate()
                        .map(|(side, name)| {
                            let rows = counters.rows[side].load(Ordering::Relaxed);
                            side_status(name, rows, totals[side], elapsed)
                        })
                        .collect();
                    let _ = write!(std::io::stderr().lock(), "\r\x1b[2Krecon: {}", sides.join(" | "));
                }
                let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
            })
        });
        Meter { done, thread }
    }
}

impl Drop for Meter {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_total_gives_a_share_and_the_time_left() {
        assert_eq!(side_status("source", 500, Some(1000), 1.0), "source 500/1000 rows (50%, 0.0 M rows/s, ETA 1s)");
        assert_eq!(side_status("target", 2_000_000, None, 2.0), "target 2000000 rows (1.0 M rows/s)");
    }
}
