//! What the terminal shows of a report: tables that fit the width given, a few examples of each category, under
//! each failing table of an audit why it differs, what a budget that was set allows, the verdict last; colour
//! only on a terminal or when asked (`--color`, `NO_COLOR`).

use std::process::Command;

use crate::util::{path, recon, recon_with, root, scratch, with, ORDERS};

const SHOP: [&str; 3] = ["audit", "sqlite://fixtures/shop/legacy.db", "fixtures/shop/exports/"];

/// The last line that is not blank.
fn last_line(text: &str) -> &str {
    text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_default()
}

/// The widest line of the tables drawn in `text`, in characters.
fn widest_table_line(text: &str) -> usize {
    text.lines().filter(|l| l.starts_with(['┌', '│', '╞', '├', '└'])).map(|l| l.chars().count()).max().unwrap_or(0)
}

#[test]
fn tables_fit_the_columns_given_and_the_verdict_stays_last() {
    for args in [ORDERS.to_vec(), SHOP.to_vec()] {
        let run = recon_with(&args, &[("COLUMNS", "80")]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(widest_table_line(&run.stdout) <= 80, "{}", run.stdout);
        assert!(last_line(&run.stdout).starts_with("NOT RECONCILED: "), "{}", run.stdout);
    }
    // The audit's overview is about 130 columns wide with a column per count; at 80 the counts that are not
    // zero share one cell.
    let wide = recon(&SHOP);
    assert!(widest_table_line(&wide.stdout) > 120, "{}", wide.stdout);
    assert!(wide.stdout.contains("┆ mismatched ┆ duplicates ┆"), "{}", wide.stdout);
    let narrow = recon_with(&SHOP, &[("COLUMNS", "80")]);
    assert!(narrow.stdout.contains("┆ differences  ┆"), "{}", narrow.stdout);
    assert!(narrow.stdout.contains("┆ mismatched 1 ┆"), "{}", narrow.stdout);
    assert!(narrow.stdout.contains("┆ missing in ┆"), "{}", narrow.stdout);
}

#[test]
fn an_audit_says_under_each_failing_table_why_it_differs() {
    let run = recon(&SHOP);
    let out = &run.stdout;
    let customers = out.find("── customers: mismatched 1 > 0 allowed").expect(out);
    let orders = out.find("── orders: missing_in_target 1 > 0 allowed").expect(out);
    // The overview first, then each failing table in name order: its examples and its differing columns.
    assert!(out.find("│ order_lines ").expect(out) < customers && customers < orders, "{out}");
    let customers_section = &out[customers..out.find("── events:").expect(out)];
    assert!(customers_section.contains("┆ id=4 ┆ email  ┆ c4@example.com ┆ c4@example.org ┆ other │"), "{out}");
    assert!(customers_section.contains("│ email  ┆ 1               ┆ other 1 │"), "{out}");
    assert!(out[orders..].contains("│ missing in target ┆ id=13 ┆"), "{out}");
    assert!(last_line(out).starts_with("NOT RECONCILED: "), "{out}");
    // A table within its budgets gets no section.
    let within = recon(&with(&SHOP, &["--max-mismatched", "1"]));
    assert!(!within.stdout.contains("── customers"), "{}", within.stdout);
    assert!(within.stdout.contains("── orders: "), "{}", within.stdout);
}

#[test]
fn the_terminal_shows_five_examples_a_category_and_says_where_the_rest_are() {
    let dir = scratch();
    let (source, target) = (dir.path().join("source.csv"), dir.path().join("target.csv"));
    std::fs::write(&source, "id,v\n1,a\n2,a\n3,a\n4,a\n5,a\n6,a\n7,a\n8,a\n").unwrap();
    std::fs::write(&target, "id,v\n100,a\n").unwrap();
    let args = ["diff", path(&source), path(&target), "--key", "id", "-q"];
    let run = recon(&args);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout.matches("│ missing in target ┆").count(), 5, "{}", run.stdout);
    assert_eq!(run.stdout.matches("│ extra in target   ┆").count(), 1, "{}", run.stdout);
    assert!(run.stdout.contains("(3 more examples in the JSON report: --format json, --output FILE)"));
    let json = recon(&with(&args, &["--format", "json"])).json();
    assert_eq!(json["examples"]["missing_in_target"].as_array().unwrap().len(), 8);
}

#[test]
fn a_budget_set_and_met_shows_what_it_allows_in_the_terminal_and_html() {
    let dir = scratch();
    let html = dir.path().join("report.html");
    let budgets = ["--max-missing", "5", "--max-extra", "1%", "--html", path(&html)];
    let run = recon(&with(&ORDERS, &budgets));
    assert_eq!(run.code, 1, "{}", run.stderr);
    let row = |category: &str| {
        let line = run.stdout.lines().find(|l| l.starts_with(&format!("│ {category} "))).expect(&run.stdout);
        line.split('┆').map(|cell| cell.trim_matches(['│', ' '])).collect::<Vec<_>>()
    };
    assert_eq!(row("missing_in_target"), ["missing_in_target", "2", "5"]);
    // 1% of 41 rows allows none: over budget, the count allowed is shown and marked.
    assert_eq!(row("extra_in_target"), ["extra_in_target", "2", "0 ✗"]);
    assert_eq!(row("null_keys_source"), ["null_keys_source", "0", ""]);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains(r#"<td class="word">missing_in_target</td><td class="n">2</td><td class="n">5</td>"#),
        "{page}"
    );
    let json = recon(&with(&ORDERS, &["--max-missing", "5", "--max-extra", "1%", "--format", "json"])).json();
    assert_eq!(json["budgets"], serde_json::json!({"missing_in_target": 5, "extra_in_target": "1%"}));
}

#[test]
fn colour_only_when_asked_through_a_pipe() {
    let piped = recon(&ORDERS);
    assert!(!piped.stdout.contains('\x1b') && !piped.stderr.contains('\x1b'), "{}", piped.stdout);
    // `always` is the user's word against NO_COLOR, as in ripgrep and cargo.
    let always = recon_with(&with(&ORDERS, &["--color", "always"]), &[("NO_COLOR", "1")]);
    assert!(always.stdout.contains("\x1b[1;31mNOT RECONCILED\x1b[0m: "), "{}", always.stdout);
    let error = recon(&["diff", "nope.parquet", "nope.parquet", "--key", "k", "--color", "always"]);
    assert!(error.stderr.starts_with("recon: \x1b[1;31merror:\x1b[0m "), "{}", error.stderr);
}

/// `recon ARGS` on a pseudo-terminal (util-linux `script`), with these environment variables: what the
/// terminal showed, stdout and stderr together.
fn on_a_terminal(args: &[&str], env: &[(&str, &str)]) -> String {
    let words: Vec<String> =
        std::iter::once(env!("CARGO_BIN_EXE_recon")).chain(args.iter().copied()).map(|a| format!("'{a}'")).collect();
    let output = Command::new("script")
        .args(["-qec", &words.join(" "), "/dev/null"])
        .current_dir(root())
        .env_remove("COLUMNS")
        .env_remove("NO_COLOR")
        .envs(env.iter().copied())
        .output()
        .expect("util-linux script runs recon on a pseudo-terminal");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn on_a_terminal_colour_is_on_unless_no_color_is_set() {
    let shown = on_a_terminal(&ORDERS, &[]);
    assert!(shown.contains("\x1b[1;31mNOT RECONCILED\x1b[0m: "), "{shown}");
    let plain = on_a_terminal(&ORDERS, &[("NO_COLOR", "1")]);
    assert!(plain.contains("NOT RECONCILED: ") && !plain.contains("\x1b[1;31m"), "{plain}");
    let never = on_a_terminal(&with(&ORDERS, &["--color", "never"]), &[]);
    assert!(never.contains("NOT RECONCILED: ") && !never.contains("\x1b[1;31m"), "{never}");
}

#[test]
fn an_audit_numbers_its_tables_in_its_log_lines() {
    let run = recon(&SHOP);
    for n in 1..=4 {
        assert!(run.stderr.contains(&format!("recon: [{n}/4] ")), "{}", run.stderr);
    }
    assert!(run.stderr.contains(": fail in "), "{}", run.stderr);
    // No live line is drawn where stderr is no terminal.
    assert!(!run.stderr.contains('\r') && !run.stderr.contains('\x1b'), "{}", run.stderr);
}
