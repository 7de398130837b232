//! The `recon` binary: parse the command line, run it, write the report where asked, and turn the outcome
//! into an exit code (0 reconciled, 1 differences beyond a budget, 2 error). Errors are printed here, once,
//! masked like everything recon shows: the command line's own mistakes, recon's errors and its panics.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Parser;

use recon::audit::Audited;
use recon::cli::{AuditArgs, Cli, Command, DiffArgs, HistoryAction, HistoryArgs, OutputArgs, OutputFormat, VerifyArgs};
use recon::error::{Error, Result};
use recon::history::History;
use recon::progress::{init_logging, LogFormat, Progress};
use recon::report;
use recon::report::documents::{self, Documents};
use recon::report::integrity::Sealing;
use recon::report::redact::Redactor;
use recon::report::repair;
use recon::report::signature::{PublicKey, Signer};
use recon::report::table::{self, Screen};
use recon::report::view::{self, Rendering};
use recon::secrets::mask;
use recon::session::Session;
use recon::terminal::ColorChoice;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (mimalloc.h, v3), which libmimalloc-sys does not name.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() {
    // mimalloc returns freed memory to the kernel 10 ms after it is freed, and recon frees and reallocates
    // decoded pages all the time: on lineitem SF1 it gave back 600 MB that then had to be faulted in and
    // zeroed again (2.05 against 1.73 s, median of 8 runs, on these VMs). A short-lived process keeps it.
    // SAFETY: sets a plain integer option; mimalloc reads options at each purge, from any thread.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    exit_on_panic();
    let cli = Cli::try_parse().unwrap_or_else(|error| {
        // clap quotes the argument it could not place, which may be a location holding a password.
        if !error.use_stderr() {
            error.exit();
        }
        eprint!("{}", mask(&error.render().to_string()));
        std::process::exit(error.exit_code());
    });
    let (format, quiet, color) = match &cli.command {
        Command::Diff(args) | Command::Profile(args) => (args.log.log_format, args.log.quiet, args.output.color),
        Command::Audit(args) => (args.log.log_format, args.log.quiet, args.output.color),
        Command::SampleSize(_)
        | Command::History(_)
        | Command::Verify(_)
        | Command::Completions { .. }
        | Command::Man { .. } => (LogFormat::Text, false, ColorChoice::Auto),
        #[cfg(feature = "cluster")]
        Command::Scheduler(_) | Command::Executor(_) => (LogFormat::Text, false, ColorChoice::Auto),
    };
    let progress = Progress::new(format, quiet);
    init_logging(format, quiet, color.enabled(std::io::stderr().is_terminal()), &progress);
    let outcome = match cli.command {
        Command::Diff(args) if args.options.profile.profile_only == Some(true) => profile(args, progress),
        Command::Diff(args) => diff(args, progress),
        Command::Profile(args) => profile(args, progress),
        Command::Audit(args) => audit(args, progress),
        Command::SampleSize(args) => sample_size(&args),
        Command::History(args) => history(args),
        Command::Verify(args) => verify(&args),
        Command::Completions { shell } => print(&recon::cli::help::completions(shell)).map(|()| 0),
        Command::Man { dir } => man(dir.as_deref()),
        #[cfg(feature = "cluster")]
        Command::Scheduler(args) => {
            args.role().and_then(|role| recon::engine::cluster::roles::scheduler(&role)).map(|()| 0)
        }
        #[cfg(feature = "cluster")]
        Command::Executor(args) => {
            args.role().and_then(|role| recon::engine::cluster::roles::executor(&role)).map(|()| 0)
        }
    };
    let code = outcome.unwrap_or_else(|error| {
        tracing::error!("{}", mask(&error.to_string()));
        2
    });
    std::process::exit(code);
}

/// A panic is a bug in recon, but its message may quote an argument: it is printed masked, and the process
/// ends with exit code 2 like any other error (instead of Rust's 101 and an unmasked message).
fn exit_on_panic() {
    std::panic::set_hook(Box::new(|info| {
        let place = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        let payload = info.payload();
        let text =
            payload.downcast_ref::<&str>().copied().or_else(|| payload.downcast_ref::<String>().map(String::as_str));
        let message = mask(text.unwrap_or("no message"));
        eprintln!("recon: error: internal error{place}: {message}");
        std::process::exit(2);
    }));
}

/// `recon diff`: compares, writes the report where asked, and returns the verdict's exit code.
fn diff(args: DiffArgs, progress: Progress) -> Result<i32> {
    let started = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
    let (session, table) = args.specs()?;
    check_outputs(&args.output, None)?;
    let signer = signer(&args.output)?;
    let session = Session::new(&session, progress)?;
    exit_on_signal(&session, Stopped::Run("diff"));
    let mut outcome = recon::diff(&table, &session)?;
    let mut written = Written::default();
    if let Some(dir) = &args.output.diff_out {
        written.record(dir, outcome.write_diff_out(dir));
    }
    if let (Some(path), Some(repair)) = (&args.output.repair_sql, &outcome.repair) {
        let report = &outcome.report;
        let sides = [&report.source, &report.target].map(|side| format!("{} ({})", side.location, side.kind));
        let made = made(&sides[0], &sides[1], started);
        let part = repair::diff_part(report, repair);
        written.record(path, part.and_then(|part| repair::write(path, &made, &[part], false)));
    }
    // Before any writer: no output can show what --redact removes.
    if args.output.redact {
        Redactor::random()?.report(&mut outcome.report);
    }
    let report = &outcome.report;
    let sealing = sealing(&args.output, report, signer.as_ref())?;
    let rendering = Rendering { integrity: sealing.as_ref().map(Sealing::shown), ..Rendering::new(started) };
    for (path, result) in documents::write(&view::single(report), &documents_of(&args.output), &rendering) {
        written.record(&path, result);
    }
    written.report(args.output.output.as_deref(), sealing);
    let text = match args.output.format {
        OutputFormat::Json => report.to_json()? + "\n",
        OutputFormat::Table => table::render(report, &Screen::stdout(args.output.color)),
    };
    written.finish(&text, report.verdict.exit_code)
}

/// `recon profile` (and `recon diff --profile-only`): both sides profiled, the profile report written where
/// asked; exit 1 when a statistic differs.
fn profile(args: DiffArgs, progress: Progress) -> Result<i32> {
    let started = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
    let (session, table, profile) = args.profile_specs()?;
    check_outputs(&args.output, None)?;
    let signer = signer(&args.output)?;
    let session = Session::new(&session, progress)?;
    exit_on_signal(&session, Stopped::Run("profile"));
    let mut report = recon::engine::profile(&table, &profile, &session)?;
    if args.output.redact {
        Redactor::random()?.profile(&mut report.profile);
    }
    let mut written = Written::default();
    let sealing = sealing(&args.output, &report, signer.as_ref())?;
    let rendering = Rendering { integrity: sealing.as_ref().map(Sealing::shown), ..Rendering::new(started) };
    for (path, result) in report::profile::documents::write(&report, &documents_of(&args.output), &rendering) {
        written.record(&path, result);
    }
    written.report(args.output.output.as_deref(), sealing);
    let text = match args.output.format {
        OutputFormat::Json => report.to_json()? + "\n",
        OutputFormat::Table => report::profile::table::render(&report, &Screen::stdout(args.output.color)),
    };
    written.finish(&text, report.verdict.exit_code)
}

/// `recon audit`: every table compared, the audit report written where asked; the verdict's exit code (2 when
/// a table could not be compared).
fn audit(args: AuditArgs, progress: Progress) -> Result<i32> {
    let started = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
    let (session, spec) = args.specs()?;
    let state = spec.state.as_deref().map(|dir| (spec.settings.setting("state"), dir));
    check_outputs(&args.output, state)?;
    let signer = signer(&args.output)?;
    let session = Session::new(&session, progress)?;
    exit_on_signal(&session, Stopped::Audit(spec.state.clone()));
    let Audited { mut report, unwritten, repairs } = recon::audit::run(&spec, &session)?;
    let mut written = Written::default();
    if let Some(dir) = &args.output.diff_out {
        written.files.push(dir.clone());
    }
    written.failed.extend(unwritten);
    if let Some(path) = &args.output.repair_sql {
        let sides = [&report.source, &report.target].map(|side| format!("{} ({})", side.location, side.kind));
        let made = made(&sides[0], &sides[1], started);
        written.record(path, repair::write(path, &made, &repair::audit_parts(&report, &repairs), true));
    }
    // After --state's reports are read back, before any writer: no output shows what --redact removes.
    if args.output.redact {
        Redactor::random()?.audit(&mut report);
    }
    let sealing = sealing(&args.output, &report, signer.as_ref())?;
    let rendering = Rendering { integrity: sealing.as_ref().map(Sealing::shown), ..Rendering::new(started) };
    for (path, result) in documents::write(&report, &documents_of(&args.output), &rendering) {
        written.record(&path, result);
    }
    written.report(args.output.output.as_deref(), sealing);
    let text = match args.output.format {
        OutputFormat::Json => report.to_json()? + "\n",
        OutputFormat::Table => table::render_audit(&report, &Screen::stdout(args.output.color)),
    };
    written.finish(&text, report.verdict.exit_code)
}

/// What a run stopped by a signal had finished, and how to resume it.
enum Stopped {
    /// A diff or a profile (named): it wrote nothing, and runs again from the start.
    Run(&'static str),
    /// An audit, with the directory its `--state` keeps finished tables in, if any.
    Audit(Option<PathBuf>),
}

impl Stopped {
    fn resume(&self) -> String {
        match self {
            Stopped::Run(command) => format!("no output was written; run the {command} again"),
            Stopped::Audit(None) => "no table's result was kept; rerun with --state DIR to keep finished tables".into(),
            Stopped::Audit(Some(dir)) => {
                let kept = std::fs::read_dir(dir).map_or(0, |entries| {
                    entries.flatten().filter(|e| e.path().extension().is_some_and(|x| x == "json")).count()
                });
                format!("{kept} finished tables are kept in {}; rerun with the same --state to resume", dir.display())
            }
        }
    }
}

/// Ctrl-C (SIGINT) or SIGTERM ends a diff, a profile or an audit at once, with exit code 130 or 143 and one line saying
/// what was finished. Writes in progress end first, so every file is whole or absent, and spill files are removed: what `--state` holds
/// (each table's file written atomically) lets a rerun resume, losing only the tables that were running.
fn exit_on_signal(session: &Session, stopped: Stopped) {
    let started = std::time::Instant::now();
    let spill = session.spill_dir.clone();
    session.runtime().spawn(async move {
        let Ok(mut terminate) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) else {
            return;
        };
        let (name, code) = tokio::select! {
            Ok(()) = tokio::signal::ctrl_c() => ("interrupted (Ctrl-C)", 130),
            Some(()) = terminate.recv() => ("terminated (SIGTERM)", 143),
            else => return,
        };
        report::stop_writing();
        // Exiting runs no destructor: the run's spill directory goes now, whatever is still writing into it.
        let _ = std::fs::remove_dir_all(&spill);
        tracing::error!("{name} after {:.1?}: {}", started.elapsed(), stopped.resume());
        std::process::exit(code);
    });
}

/// What a repair script says it was made from: both sides, when the run began, and its command line (masked).
fn made<'a>(source: &'a str, target: &'a str, started: chrono::DateTime<chrono::Utc>) -> repair::Made<'a> {
    let shell_word = |arg: String| match arg.chars().all(|c| c.is_ascii_alphanumeric() || "-_=,./:@#%+".contains(c)) {
        true => arg,
        false => format!("'{}'", arg.replace('\'', r"'\''")),
    };
    let args: Vec<String> = std::env::args().skip(1).map(|a| shell_word(mask(&a))).collect();
    repair::Made { source, target, started, command: format!("recon {}", args.join(" ")) }
}

/// Where `--html`, `--junit` and `--markdown` go.
fn documents_of(output: &OutputArgs) -> Documents {
    Documents { html: output.html.clone(), junit: output.junit.clone(), markdown: output.markdown.clone() }
}

/// The key of `--sign-key`, read before a row is: a run of an hour must not end in "not a key".
fn signer(output: &OutputArgs) -> Result<Option<Signer>> {
    output.sign_key.as_deref().map(Signer::read).transpose()
}

/// The report `--output` writes, its digest taken before any document shows it.
fn sealing<'a>(
    output: &OutputArgs,
    report: &impl serde::Serialize,
    signer: Option<&'a Signer>,
) -> Result<Option<Sealing<'a>>> {
    output.output.as_ref().map(|_| Sealing::new(report, signer)).transpose()
}

/// Checks every output path before a row is read: a run of an hour must not end in "no such directory".
fn check_outputs(output: &OutputArgs, state: Option<(String, &Path)>) -> Result<()> {
    if let Some(path) = &output.output {
        report::check_file("--output", path)?;
    }
    for (flag, path) in documents_of(output).paths() {
        report::check_file(flag, path)?;
    }
    if let Some(dir) = &output.diff_out {
        report::check_directory("--diff-out", dir)?;
    }
    if let Some(path) = &output.repair_sql {
        report::check_file("--repair-sql", path)?;
    }
    if let Some((setting, dir)) = state {
        report::check_directory(&setting, dir)?;
    }
    Ok(())
}

/// The files a run wrote, and the errors of those it could not write.
#[derive(Default)]
struct Written {
    files: Vec<PathBuf>,
    failed: Vec<Error>,
}

impl Written {
    fn record(&mut self, path: &Path, result: Result<()>) {
        match result {
            Ok(()) => self.files.push(path.to_path_buf()),
            Err(error) => self.failed.push(error),
        }
    }

    /// Writes the JSON report of `--output` last: its integrity block names every file written before it.
    fn report(&mut self, path: Option<&Path>, sealing: Option<Sealing>) {
        if let (Some(path), Some(sealing)) = (path, sealing) {
            let result = sealing.write(path, &self.files);
            self.record(path, result);
        }
    }

    /// Says on stderr which files were written, prints the report, then what could not be written: the
    /// verdict is never lost to a file, but a run that lost one exits 2.
    fn finish(self, text: &str, exit_code: i32) -> Result<i32> {
        if !self.files.is_empty() {
            let files: Vec<String> = self.files.iter().map(|f| f.display().to_string()).collect();
            tracing::info!("wrote {}", files.join(", "));
        }
        print(text)?;
        for error in &self.failed {
            tracing::error!("{error} (not written; the verdict above stands)");
        }
        Ok(if self.failed.is_empty() { exit_code } else { 2 })
    }
}

/// `recon sample-size`: the keys a sample needs, on stdout; what they prove, on stderr.
fn sample_size(args: &recon::cli::SampleSizeArgs) -> Result<i32> {
    let (budget, confidence) = args.resolve()?;
    let n = recon::sample_size(budget, confidence);
    print(&format!("{n}\n"))?;
    eprintln!(
        "recon: a sample of {n} keys with no difference found proves a rate below {} at {}% confidence",
        args.budget.trim(),
        confidence * 100.0
    );
    Ok(0)
}

/// `recon history`: a history file's trend, or accepting its open findings, or pruning old runs.
fn history(args: HistoryArgs) -> Result<i32> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("cannot start the async runtime: {e}")))?;
    let open = |file: &std::path::Path| History::open(file, false, runtime.handle());
    match args.action {
        Some(HistoryAction::Accept { file, table }) => {
            let mut history = open(&file)?;
            let accepted = history.accept(table.as_deref())?;
            history.close()?;
            for (table, findings) in accepted {
                print(&format!("{table}: baseline of {findings} open findings\n"))?;
            }
        }
        Some(HistoryAction::Prune { file, keep }) => {
            if keep == 0 {
                return Err(Error::setting(
                    "--keep",
                    "must be 1 or more: the latest run says where the next one starts",
                ));
            }
            let mut history = open(&file)?;
            let (runs, findings) = history.prune(keep)?;
            history.close()?;
            print(&format!("pruned {runs} runs and {findings} closed findings\n"))?;
        }
        None => {
            let file = args.file.ok_or_else(|| Error::setting("FILE", "name the history file"))?;
            if let Some(out) = &args.html {
                report::check_file("--html", out)?;
            }
            let mut history = open(&file)?;
            if let Some(out) = &args.html {
                let trend =
                    history.trend(args.table.as_deref(), args.last.unwrap_or(recon::history::html::EVERY_RUN))?;
                let open = history.open_list(args.table.as_deref())?;
                history.close()?;
                recon::history::html::write(out, &trend, &open, chrono::Utc::now())?;
                tracing::info!("wrote {}", out.display());
                return Ok(0);
            }
            let text = if args.open {
                let list = history.open_list(args.table.as_deref())?;
                match args.format {
                    OutputFormat::Json => pretty_json(&list)?,
                    OutputFormat::Table => recon::history::listing::render(&list),
                }
            } else {
                let trend = history.trend(args.table.as_deref(), args.last.unwrap_or(10))?;
                match args.format {
                    OutputFormat::Json => pretty_json(&trend)?,
                    OutputFormat::Table => recon::history::trend::render(&trend),
                }
            };
            history.close()?;
            print(&text)?;
        }
    }
    Ok(0)
}

/// `recon verify`: each check on stdout; 0 when the report and its files are as written, 1 when not.
fn verify(args: &VerifyArgs) -> Result<i32> {
    let trusted = match &args.public_key {
        Some(file) => Some((file.as_path(), PublicKey::read(file)?)),
        None => None,
    };
    let verification = report::verify::verify(&args.report, trusted.as_ref().map(|(file, key)| (*file, key)))?;
    print(&verification.render())?;
    Ok(verification.exit_code())
}

/// `value` as indented JSON, ending with a newline.
fn pretty_json(value: &impl serde::Serialize) -> Result<String> {
    Ok(serde_json::to_string_pretty(value).map_err(|e| Error::internal(e.to_string()))? + "\n")
}

/// `recon man`: recon(1) on stdout, or every page into a directory.
fn man(dir: Option<&std::path::Path>) -> Result<i32> {
    match dir {
        Some(dir) => {
            recon::cli::help::man_pages(dir)?;
            eprintln!("recon: wrote recon.1 and a page per command into {}", dir.display());
        }
        None => {
            let mut page = Vec::new();
            recon::cli::help::man_page(&mut page)?;
            print(&String::from_utf8_lossy(&page))?;
        }
    }
    Ok(0)
}

/// Writes to stdout; a reader that went away (`| head`) is not an error.
fn print(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|_| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::io("stdout", e)),
        _ => Ok(()),
    }
}
