//! `--markdown FILE`: a summary for a pull-request comment or a CI job summary — the verdict first, then every
//! table's status and counts (tables that need attention first), with a drift option how findings stand
//! against earlier runs, the most differing columns with why they differ, the options that reconcile them
//! (ready to paste) and a few examples. It stays under [`Rendering::markdown_limit`] bytes (64 KiB, a
//! comment's limit, by default): whole rows of the tables overview are left out from its end, and the summary
//! then ends with "N more tables"; sections go, last first, only when not even one row would fit.

use std::io::Write;
use std::path::Path;

use super::audit::{AuditReport, TableEntry};
use super::view::{self, Counts, Rendering};
use super::words::{self, COUNT_HEADS};
use super::write_atomically;
use crate::error::Result;
use crate::finding::Category;

/// Tables whose runs over time are shown.
const OVER_TIME_ROWS: usize = 20;
/// Tables whose suggested options are shown.
const SUGGESTION_TABLES: usize = 10;
/// Schema checks listed.
const SCHEMA_CHECK_ROWS: usize = 20;
/// Examples shown, as table rows (a mismatch shows a row per differing column).
const EXAMPLE_ROWS: usize = 10;
/// Differing columns listed.
const TOP_COLUMNS: usize = 10;
/// Characters of a value, a name or a message shown before it is cut with `…`: a cell stays readable.
const CELL_CHARS: usize = 80;
/// Characters of a location shown.
const LOCATION_CHARS: usize = 200;

pub fn write(path: &Path, audit: &AuditReport, rendering: &Rendering) -> Result<()> {
    let text = render(audit, rendering);
    write_atomically(path, |file| file.write_all(text.as_bytes()))
}

/// The summary, shorter than `rendering.markdown_limit` bytes.
pub fn render(audit: &AuditReport, rendering: &Rendering) -> String {
    let head = head(audit, rendering);
    let tables = view::failing_first(audit);
    let rows: Vec<String> = tables.iter().map(|t| table_row(t, audit)).collect();
    let mut sections =
        vec![over_time(audit), top_columns(audit), suggestions(audit), schema_checks(audit), examples(audit)];
    sections.retain(|s| !s.is_empty());
    fit(&head, &overview_head(audit), &rows, &mut sections, rendering.markdown_limit)
}

/// Lays the parts out within `limit`: as many overview rows as fit, then the sections; when rows are left
/// out, the closing line counts them. Sections go, last first, only when not even one row would fit.
fn fit(head: &str, overview: &str, rows: &[String], sections: &mut Vec<String>, limit: usize) -> String {
    let more = |left: usize| match left {
        0 => String::new(),
        n => format!(
            "\n**{n} more {}** are not listed above: the summary stays under {} KiB. The JSON and HTML reports \
             list every table.\n\n{n} more tables\n",
            words::plural(n as u64, "table", "tables"),
            limit / 1024
        ),
    };
    loop {
        let fixed = head.len() + overview.len() + sections.iter().map(|s| s.len() + 1).sum::<usize>();
        let whole = fixed + rows.iter().map(String::len).sum::<usize>();
        let (mut size, mut shown) = (fixed, rows.len());
        if whole >= limit {
            shown = 0;
            for (i, row) in rows.iter().enumerate() {
                if size + row.len() + more(rows.len() - (i + 1)).len() >= limit {
                    break;
                }
                size += row.len();
                shown = i + 1;
            }
        }
        if shown > 0 || rows.is_empty() || sections.is_empty() {
            let mut out = String::with_capacity(limit.min(size + 512));
            out += head;
            out += overview;
            rows[..shown].iter().for_each(|r| out += r);
            for section in sections.iter() {
                out += "\n";
                out += section;
            }
            out += &more(rows.len() - shown);
            if out.len() < limit {
                return out;
            }
            // Not even the verdict and the count fit: say only those.
            let bare = format!("{}\n{}", head.lines().next().unwrap_or_default(), more(rows.len()));
            if bare.len() < limit {
                return bare;
            }
            return bare.chars().take(limit.saturating_sub(1) / 4).collect();
        }
        sections.pop();
    }
}

fn head(audit: &AuditReport, rendering: &Rendering) -> String {
    let (words, why) = view::verdict_words(audit);
    let mark = if audit.verdict.pass { "✅" } else { "❌" };
    let mut out = format!("## {mark} recon: {words}\n\n");
    out += &format!(
        "{} · exit code {} · {} · recon {}\n\n",
        escape(&why),
        audit.verdict.exit_code,
        rendering.started.format("%Y-%m-%d %H:%M:%S UTC"),
        escape(&audit.tool.version)
    );
    let side =
        |c: &super::audit::Collection| format!("{} ({})", escape(&cut(&c.location, LOCATION_CHARS)), escape(&c.kind));
    out += &format!("Source: {} → target: {}\n\n", side(&audit.source), side(&audit.target));
    if view::redacted(audit) {
        out += "Values in examples are redacted: each is shown as a keyed hash, equal values alike.\n\n";
    }
    // A diff's few violations are listed; an audit's per-table ones are in its overview, its own here.
    let listed: Vec<String> = audit
        .verdict
        .violations
        .iter()
        .filter(|v| v.table.is_none() || view::is_diff(audit))
        .map(|v| format!("- {}\n", escape(&words::violation_text(v))))
        .collect();
    if !listed.is_empty() {
        out += &listed.concat();
        out += "\n";
    }
    if !view::is_diff(audit) {
        let s = &audit.summary;
        out += &format!(
            "{} tables: {} passed, {} failed, {} errors, {} skipped, {} missing in target, {} extra in target\n\n",
            s.tables, s.passed, s.failed, s.errors, s.skipped, s.missing_tables, s.extra_tables
        );
    }
    out
}

fn overview_head(audit: &AuditReport) -> String {
    let title = if view::is_diff(audit) { "### Counts\n\n" } else { "### Tables\n\n" };
    let heads: Vec<&str> = ["table", "status"].into_iter().chain(COUNT_HEADS).collect();
    let rule: Vec<&str> = heads.iter().enumerate().map(|(i, _)| if i < 2 { "---" } else { "--:" }).collect();
    format!("{title}| {} |\n|{}|\n", heads.join(" | "), rule.join("|"))
}

fn table_row(entry: &TableEntry, audit: &AuditReport) -> String {
    let broken = view::violations(entry, audit);
    let mark = match view::status_tone(entry, audit) {
        "ok" => "✅",
        "bad" => "❌",
        "warn" => "⚠️",
        _ => "➖",
    };
    let mut status = format!("{mark} {}", words::status_text(entry.status));
    if let Some(error) = &entry.error {
        status += &format!(": {}", cut(error, CELL_CHARS));
    } else if entry.report.is_some() && !broken.is_empty() && !view::is_diff(audit) {
        // An audit's compared table says which checks it broke; a diff's are listed under the verdict, and
        // the budget on tables on one side only is the audit's.
        let checks: Vec<String> = broken.iter().map(|v| format!("{} {} > {}", v.check, v.actual, v.allowed)).collect();
        status += &format!(": {}", checks.join(", "));
    }
    let cells: Vec<String> =
        [cut(&entry.name, CELL_CHARS), status].iter().map(|c| escape(c)).chain(Counts::of(entry).cells()).collect();
    format!("| {} |\n", cells.join(" | "))
}

fn top_columns(audit: &AuditReport) -> String {
    let columns = view::differing_columns(audit);
    if columns.is_empty() {
        return String::new();
    }
    let diff = view::is_diff(audit);
    let mut out = String::from("### Most differing columns\n\n");
    out += if diff {
        "| column | mismatched keys | causes |\n|---|--:|---|\n"
    } else {
        "| table | column | mismatched keys | causes |\n|---|---|--:|---|\n"
    };
    for c in columns.iter().take(TOP_COLUMNS) {
        let table = if diff { String::new() } else { format!(" {} |", escape(&cut(c.table, CELL_CHARS))) };
        let causes = escape(&words::causes(c.report, c.column));
        out += &format!("|{table} {} | {} | {causes} |\n", escape(&cut(c.column, CELL_CHARS)), c.mismatched);
    }
    if columns.len() > TOP_COLUMNS {
        out += &format!("\n{} more differing columns.\n", columns.len() - TOP_COLUMNS);
    }
    out
}

/// Each table's suggested options in a code block, ready to paste, with what each was proved to do.
fn suggestions(audit: &AuditReport) -> String {
    let mut out = String::new();
    let tables = view::failing_first(audit).into_iter().filter_map(|t| {
        let suggestions = t.report.as_ref()?.suggestions.as_ref().filter(|s| !s.is_empty())?;
        Some((t, suggestions))
    });
    let tables: Vec<_> = tables.collect();
    for (table, suggestions) in tables.iter().take(SUGGESTION_TABLES) {
        let lines = super::config_entry::entry(suggestions).unwrap_or_else(|| {
            suggestions.iter().map(|s| format!("{}    # {}\n", s.option, words::effect(s))).collect()
        });
        if !out.is_empty() {
            out += "\n";
        }
        if !view::is_diff(audit) {
            out += &format!("{}:\n\n", escape(&cut(&table.name, CELL_CHARS)));
        }
        let fence = "`".repeat(longest_run(&lines, '`').max(2) + 1);
        out += &format!("{fence}\n{lines}{fence}\n");
    }
    if tables.len() > SUGGESTION_TABLES {
        out += &format!(
            "\n{} more tables have suggestions: the JSON and HTML reports list them.\n",
            tables.len() - SUGGESTION_TABLES
        );
    }
    if out.is_empty() {
        return out;
    }
    let apply = match view::is_diff(audit) {
        true => "add it to the command to reconcile them".to_string(),
        false => super::config_entry::PASTE.to_string(),
    };
    format!("### Suggested options\n\nEach was tried on the mismatched rows; {apply}.\n\n{out}")
}

/// The longest run of `c` in `text`: a code fence must be longer than any inside it.
fn longest_run(text: &str, c: char) -> usize {
    let (mut longest, mut run) = (0, 0);
    for ch in text.chars() {
        run = if ch == c { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// The tables run with a drift option: their findings against earlier runs.
fn over_time(audit: &AuditReport) -> String {
    let diff = view::is_diff(audit);
    let rows: Vec<String> = audit
        .tables
        .iter()
        .filter_map(|t| Some((t, t.report.as_ref()?.drift.as_ref()?)))
        .map(|(t, drift)| {
            let table = if diff { String::new() } else { format!(" {} |", escape(&cut(&t.name, CELL_CHARS))) };
            let notes = escape(&words::notes(drift).join("; "));
            format!(
                "|{table} {} | {} | {notes} |\n",
                drift.scope.name(),
                words::status_cells(&drift.findings).join(" | ")
            )
        })
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    let more = match rows.len().saturating_sub(OVER_TIME_ROWS) {
        0 => String::new(),
        n => format!("\n{n} more tables were run over time: the JSON and HTML reports list them.\n"),
    };
    let heads = "scope | new | persisting | resolved | transient | unstable | notes |";
    let rule = "---|--:|--:|--:|--:|--:|---|";
    let head = if diff { format!("| {heads}\n|{rule}\n") } else { format!("| table | {heads}\n|---|{rule}\n") };
    format!("### Over time\n\n{head}{}{more}", rows[..rows.len().min(OVER_TIME_ROWS)].concat())
}

/// The audit's schema checks, those the config accepts marked so.
fn schema_checks(audit: &AuditReport) -> String {
    if audit.schema_checks.is_empty() {
        return String::new();
    }
    let mut out = String::from("### Schema checks\n\n| table | check | column | detail | |\n|---|---|---|---|---|\n");
    for c in audit.schema_checks.iter().take(SCHEMA_CHECK_ROWS) {
        let cells = [c.table.as_str(), c.check.name(), c.column.as_deref().unwrap_or_default(), &c.detail]
            .map(|t| escape(&cut(t, CELL_CHARS)));
        let accepted = if c.accepted { "accepted" } else { "" };
        out += &format!("| {} | {accepted} |\n", cells.join(" | "));
    }
    if audit.schema_checks.len() > SCHEMA_CHECK_ROWS {
        let more = audit.schema_checks.len() - SCHEMA_CHECK_ROWS;
        out += &format!("\n{more} more schema checks: the JSON and HTML reports list them.\n");
    }
    out
}

/// A few examples: mismatched values with their cause, then the other findings by key (with each side's rows
/// where they were counted: keyless rows, duplicates), each in a table of its own so no column stays empty.
fn examples(audit: &AuditReport) -> String {
    let diff = view::is_diff(audit);
    let (mut mismatched, mut others) = (Vec::new(), Vec::new());
    let reports = view::failing_first(audit).into_iter().filter_map(|t| t.report.as_ref().map(|r| (t, r)));
    for (table, report) in reports {
        let prefix = if diff { String::new() } else { format!(" {} |", escape(&cut(&table.name, CELL_CHARS))) };
        let cell = |value: &serde_json::Value| escape(&cut(&words::text(value), CELL_CHARS));
        for example in report.examples.get(Category::Mismatched).into_iter().flatten() {
            for c in &example.columns {
                let column = escape(&words::example_column(c));
                let (source, target) = (cell(&c.values.source), cell(&c.values.target));
                let cause = escape(&words::example_cause(c));
                let key = cell(&example.key);
                mismatched.push(format!("|{prefix} {key} | {column} | {source} | {target} | {cause} |\n"));
            }
        }
        for (category, examples) in report.examples.iter().filter(|(c, _)| *c != Category::Mismatched) {
            for example in examples {
                let counts = [example.source_count, example.target_count].map(|n| n.map(words::rows));
                others.push((format!("|{prefix} {} | {}", escape(category.name()), cell(&example.key)), counts));
            }
        }
        if mismatched.len() + others.len() >= EXAMPLE_ROWS {
            break;
        }
    }
    mismatched.truncate(EXAMPLE_ROWS);
    others.truncate(EXAMPLE_ROWS - mismatched.len());
    if mismatched.is_empty() && others.is_empty() {
        return String::new();
    }
    let table = if diff { "" } else { "table | " };
    let rule = if diff { "" } else { "---|" };
    let mut out = String::from("### Examples\n\n");
    if !mismatched.is_empty() {
        out += &format!("| {table}key | column | source | target | cause |\n|{rule}---|---|---|---|---|\n");
        out += &mismatched.concat();
    }
    if !others.is_empty() {
        let counted = others.iter().any(|(_, counts)| counts.iter().any(Option::is_some));
        if !mismatched.is_empty() {
            out += "\n";
        }
        out += &if counted {
            format!("| {table}finding | key | source | target |\n|{rule}---|---|--:|--:|\n")
        } else {
            format!("| {table}finding | key |\n|{rule}---|---|\n")
        };
        for (row, [source, target]) in &others {
            out += row;
            if counted {
                out += &format!(" | {} | {}", source.as_deref().unwrap_or("–"), target.as_deref().unwrap_or("–"));
            }
            out += " |\n";
        }
    }
    out
}

/// At most `n` characters of `text`, cut with `…`.
fn cut(text: &str, n: usize) -> String {
    match text.char_indices().nth(n) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// Text that Markdown shows as written, and that still reads well as plain text: metacharacters escaped with
/// a backslash, `<` and `&` only where they could start a tag or an entity, `>` only where it could start a
/// quote (entities such as `&gt;` show raw where Markdown is not rendered); line breaks and tabs made visible
/// (a table cell is one line).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied().unwrap_or(' ');
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '<' if next.is_ascii_alphabetic() || matches!(next, '/' | '!' | '?') => out += "\\<",
            '&' if next.is_ascii_alphanumeric() || next == '#' => out += "\\&",
            '>' if out.is_empty() => out += "\\>",
            '\n' => out.push('↵'),
            '\r' => out.push('␍'),
            '\t' => out.push('⇥'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::TableStatus;
    use crate::report::audit::{AuditBudgets, AuditStats, Collection};
    use crate::spec::Budget;

    #[test]
    fn metacharacters_are_escaped() {
        assert_eq!(escape("a|b `c` <script>&"), "a\\|b \\`c\\` \\<script>&");
        // Plain comparisons stay plain (an entity would show raw where Markdown is not rendered).
        assert_eq!(escape("mismatched 3 > 0, 1 < 2 & more"), "mismatched 3 > 0, 1 < 2 & more");
        assert_eq!(escape("> quoted &amp; </b>"), "\\> quoted \\&amp; \\</b>");
        assert_eq!(escape("two\nlines"), "two↵lines");
        assert_eq!(cut("abcdef", 3), "abc…");
        assert_eq!(cut("abc", 3), "abc");
    }

    /// An audit of `n` tables on the source only (no report needed to fill the overview).
    fn audit(n: usize) -> AuditReport {
        let collection = |location: &str| Collection { location: location.into(), kind: "postgres".into() };
        // A third could not be compared (their messages make longer rows), the rest are on the source only.
        let error = "could not connect to the server at 10.0.0.1:5432: connection refused after 30 s";
        let tables = (0..n)
            .map(|i| match i % 3 {
                0 => TableEntry::uncompared(&format!("schema_{i:04}.t"), TableStatus::Error, Some(error.into())),
                _ => TableEntry::uncompared(
                    &format!("schema_{i:04}.customer_order_line_items_{i}"),
                    TableStatus::MissingInTarget,
                    None,
                ),
            })
            .collect();
        let budgets = AuditBudgets {
            missing_tables: Budget::Count(0),
            extra_tables: Budget::Count(0),
            schema_checks: Budget::Count(0),
        };
        AuditReport::new(
            [collection("postgres://app:***@db/shop#public"), collection("postgres://app:***@new/shop#public")],
            tables,
            Vec::new(),
            &budgets,
            AuditStats::default(),
        )
    }

    fn rendering(limit: usize) -> Rendering {
        Rendering { markdown_limit: limit, ..Rendering::new(chrono::DateTime::UNIX_EPOCH) }
    }

    #[test]
    fn a_500_table_audit_is_cut_under_the_limit_and_counts_what_it_left_out() {
        let audit = audit(500);
        let text = render(&audit, &rendering(view::MARKDOWN_LIMIT));
        assert!(text.len() < 64 * 1024, "{} bytes", text.len());
        let shown = text.lines().filter(|l| l.starts_with("| schema\\_")).count();
        assert!(shown > 100 && shown < 500, "{shown} rows");
        let last = text.lines().last().unwrap();
        assert_eq!(last, format!("{} more tables", 500 - shown));
        // Cut whole rows: every overview row is complete.
        let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("| schema\\_")).collect();
        assert!(rows.iter().all(|l| l.ends_with(" |") && l.matches(" | ").count() == 9));
        // Tables that could not be compared come first: every one of them is shown.
        assert!(rows[..167].iter().all(|l| l.contains("⚠️ error: could not connect")), "{}", rows[166]);
        // Fits as tightly as whole rows allow: one more row would not have.
        let row = text.lines().find(|l| l.starts_with("| schema\\_")).unwrap().len() + 1;
        assert!(text.len() + row >= 64 * 1024 - 16, "{} bytes", text.len());
    }

    #[test]
    fn a_small_audit_is_whole() {
        let text = render(&audit(3), &rendering(64 * 1024));
        assert_eq!(text.lines().filter(|l| l.starts_with("| schema\\_")).count(), 3);
        assert!(!text.contains("more tables"));
        assert!(text.starts_with("## ❌ recon: NOT RECONCILED"));
        assert!(text.contains("1 table could not be compared; 1 check over budget · exit code 2"), "{text}");
        assert!(text.contains("- missing\\_tables 2 > 0 allowed\n"), "{text}");
    }

    #[test]
    fn every_limit_is_kept() {
        let audit = audit(50);
        for limit in [300, 1000, 2000, 4096] {
            let text = render(&audit, &rendering(limit));
            assert!(text.len() < limit, "{limit}: {} bytes", text.len());
            assert!(text.trim_end().ends_with("more tables"), "{limit}: {text}");
        }
        let whole = render(&audit, &rendering(64 * 1024));
        let just = render(&audit, &rendering(whole.len() + 1));
        assert_eq!(just, whole, "a limit one byte above the whole summary cuts nothing");
        let cut = render(&audit, &rendering(whole.len()));
        let left: usize = cut.lines().last().and_then(|l| l.strip_suffix(" more tables")).unwrap().parse().unwrap();
        let shown = cut.lines().filter(|l| l.starts_with("| schema\\_")).count();
        assert_eq!((shown + left, cut.len() < whole.len()), (50, true), "{cut}");
    }
}
