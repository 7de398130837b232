//! What a new user reads before the first run: `--help` ending with examples and the exit codes, every
//! argument described, `audit --help` without what only a diff takes, and the shell completions and man pages
//! generated from the same clap definitions.

use clap::CommandFactory;
use recon::cli::Cli;

use crate::util::{path, recon, scratch};

const EXIT_CODES: &str = "Exit codes:
  0    reconciled: every category within its budget
  1    differences beyond a budget
  2    error: bad arguments or input, an unreachable database, an unreadable file (the message says where)
  130  interrupted (Ctrl-C)
  143  terminated (SIGTERM)
";

#[test]
fn help_ends_with_examples_and_the_exit_codes() {
    for command in [&["--help"][..], &["diff", "--help"], &["audit", "--help"], &["audit", "-h"]] {
        let run = recon(command);
        assert_eq!(run.code, 0, "{command:?}");
        let examples = run.stdout.find("\nExamples:\n").unwrap_or_else(|| panic!("{command:?}: {}", run.stdout));
        assert!(run.stdout.ends_with(EXIT_CODES), "{command:?} ends with the exit codes: {}", run.stdout);
        assert!(run.stdout[examples..].contains("\n  recon "), "{command:?}");
    }
    let history = recon(&["history", "--help"]).stdout;
    assert!(history.contains("  recon history nightly.db --open --table orders --format json\n"), "{history}");
}

/// Every argument and option of every command (`history accept`'s FILE was bare) says what it is.
#[test]
fn every_argument_of_every_command_is_described() {
    fn undescribed(command: &clap::Command, path: &str, out: &mut Vec<String>) {
        for arg in command.get_arguments().filter(|a| !a.is_hide_set()) {
            if arg.get_help().is_none() && arg.get_long_help().is_none() {
                out.push(format!("{path} {}", arg.get_id()));
            }
        }
        for sub in command.get_subcommands() {
            undescribed(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }
    let mut command = Cli::command();
    command.build();
    let mut missing = Vec::new();
    undescribed(&command, "recon", &mut missing);
    assert_eq!(missing, Vec::<String>::new());
}

/// `--keys`, `--source-query`, `--target-query` and `--name` name one table's rows or runs: an audit's help
/// leaves them out, and an audit given one says where it belongs instead of applying it to every table.
#[test]
fn audit_help_leaves_out_what_names_one_table_and_an_audit_refuses_it() {
    let diff = recon(&["diff", "--help"]).stdout;
    let audit = recon(&["audit", "--help"]).stdout;
    for option in ["--keys <FILE>", "--source-query <SQL>", "--target-query <SQL>", "--name <NAME>"] {
        assert!(diff.contains(option), "diff --help shows {option}");
        assert!(!audit.contains(option), "audit --help hides {option}: {audit}");
    }
    let refused = [
        ("--source-query", "--source-query: a query stands for one table: compare it with recon diff"),
        ("--target-query", "--target-query: a query stands for one table: compare it with recon diff"),
        ("--name", "--name: names a diff's runs in --history: an audit keeps each table's runs under its own name"),
        ("--keys", "--keys: a key list holds one table's keys: give it in that table's [[table]] entry"),
    ];
    for (option, message) in refused {
        let run = recon(&["audit", "sqlite://fixtures/shop/legacy.db", "fixtures/shop/exports/", option, "x", "-q"]);
        assert_eq!(run.code, 2, "{option}: {}", run.stderr);
        assert_eq!(run.stderr, format!("recon: error: {message}\n"));
    }
}

#[test]
fn completions_are_generated_for_each_shell_and_bash_loads_them() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let run = recon(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        for word in ["audit", "history", "max-mismatched", "csv-delimiter"] {
            assert!(run.stdout.contains(word), "{shell} completes {word}");
        }
    }
    let dir = scratch();
    let script = dir.path().join("recon.bash");
    std::fs::write(&script, recon(&["completions", "bash"]).stdout).unwrap();
    // Bash itself loads the script and registers the completion function for `recon`.
    let loaded = std::process::Command::new("bash")
        .args(["-c", &format!("source {} && complete -p recon", path(&script))])
        .output()
        .expect("bash runs");
    let registered = String::from_utf8_lossy(&loaded.stdout);
    assert!(loaded.status.success() && registered.contains("-F _recon recon"), "{registered}");
    assert_eq!(recon(&["completions", "tcsh"]).code, 2, "an unknown shell is an error");
}

#[test]
fn man_pages_are_generated_for_recon_and_each_command() {
    let page = recon(&["man"]);
    assert_eq!(page.code, 0, "{}", page.stderr);
    assert!(page.stdout.contains(".TH recon 1"), "{}", page.stdout);
    assert!(page.stdout.contains("Exit codes:"), "the page ends as --help does");
    let dir = scratch();
    let run = recon(&["man", "--dir", path(dir.path())]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut pages: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    pages.sort();
    let mut expected = vec![
        "recon-audit.1",
        "recon-completions.1",
        "recon-diff.1",
        "recon-history-accept.1",
        "recon-history-prune.1",
        "recon-history.1",
        "recon-man.1",
        "recon-profile.1",
        "recon-sample-size.1",
        "recon-verify.1",
        "recon.1",
    ];
    // The cluster's nodes are commands only where recon was built with them.
    if cfg!(feature = "cluster") {
        expected.extend(["recon-executor.1", "recon-scheduler.1"]);
        expected.sort();
    }
    assert_eq!(pages, expected);
    let diff = std::fs::read_to_string(dir.path().join("recon-diff.1")).unwrap();
    let title = format!(".TH recon-diff 1  \"diff {}\"", env!("CARGO_PKG_VERSION"));
    assert!(diff.contains(&title) && diff.contains("max\\-mismatched"), "{diff}");
    let missing = recon(&["man", "--dir", "/nonexistent/man1"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.starts_with("recon: error: /nonexistent/man1: "), "{}", missing.stderr);
}
