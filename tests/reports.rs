//! The reports for people and CI (`--html`, `--junit`, `--markdown`, `--redact`) written by the binary: JUnit
//! parsed back, HTML self-contained and rendered by headless Chromium into a picture that is not blank, every
//! output free of passwords and, redacted, of every example value.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{path, recon, scratch, with, Run, CUSTOMERS, ORDERS};

/// The documents of one run, read back.
struct Documents {
    run: Run,
    html: String,
    junit: String,
    markdown: String,
    json: String,
}

impl Documents {
    /// Every output of the run, by name.
    fn outputs(&self) -> [(&'static str, &str); 5] {
        [
            ("stdout", &self.run.stdout),
            ("--output", &self.json),
            ("HTML", &self.html),
            ("JUnit", &self.junit),
            ("Markdown", &self.markdown),
        ]
    }
}

fn documents(args: &[&str], dir: &Path) -> Documents {
    let file = |name: &str| dir.join(name);
    let (html, junit, markdown, json) =
        (file("report.html"), file("report.xml"), file("report.md"), file("report.json"));
    let more = ["--html", path(&html), "--junit", path(&junit), "--markdown", path(&markdown), "--output", path(&json)];
    let run = recon(&with(args, &more));
    assert!(run.code < 2, "{}", run.stderr);
    let read = |p: &PathBuf| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    Documents { html: read(&html), junit: read(&junit), markdown: read(&markdown), json: read(&json), run }
}

/// The testcases of a JUnit document: (name, what it holds besides output: failure, error, skipped or "").
fn testcases(junit: &str) -> Vec<(String, String, Option<String>)> {
    let doc = roxmltree::Document::parse(junit).expect("JUnit is XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root.children().filter(|n| n.has_tag_name("testsuite")).collect();
    assert_eq!(suites.len(), 1, "one testsuite");
    assert_eq!(suites[0].attribute("name"), Some("recon"));
    suites[0]
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .map(|case| {
            let outcome = case.children().find(|n| ["failure", "error", "skipped"].contains(&n.tag_name().name()));
            let kind = outcome.map_or(String::new(), |n| n.tag_name().name().to_string());
            let message = outcome.and_then(|n| n.attribute("message")).map(str::to_string);
            (case.attribute("name").expect("testcase name").to_string(), kind, message)
        })
        .collect()
}

#[test]
fn reports_junit_has_one_failing_testcase_for_a_diff_over_budget() {
    let dir = scratch();
    let docs = documents(&ORDERS, dir.path());
    assert_eq!(docs.run.code, 1);
    let cases = testcases(&docs.junit);
    assert_eq!(cases.len(), 1, "{}", docs.junit);
    let (name, kind, message) = &cases[0];
    assert_eq!(name, "fixtures/orders/legacy.parquet → fixtures/orders/new/");
    assert_eq!(kind, "failure");
    let message = message.as_deref().unwrap_or_default();
    for check in ["missing_in_target 2 > 0", "extra_in_target 2 > 0", "mismatched 3 > 0", "null_keys_target 1 > 0"] {
        assert!(message.contains(check), "{check} in {message}");
    }
    let doc = roxmltree::Document::parse(&docs.junit).unwrap();
    let case = doc.descendants().find(|n| n.has_tag_name("testcase")).unwrap();
    assert!(case.attribute("time").unwrap().parse::<f64>().unwrap() > 0.0, "timed from stats.seconds.total");
}

#[test]
fn reports_junit_passes_a_reconciled_diff() {
    let dir = scratch();
    let same = "fixtures/orders/legacy.parquet";
    let docs = documents(&["diff", same, same, "--key", "order_id", "--max-duplicates", "10"], dir.path());
    assert_eq!(docs.run.code, 0, "{}", docs.run.stdout);
    assert_eq!(testcases(&docs.junit), [(format!("{same} → {same}"), String::new(), None)]);
    assert!(docs.markdown.starts_with("## ✅ recon: RECONCILED"), "{}", docs.markdown);
    assert!(docs.html.contains("RECONCILED") && !docs.html.contains("NOT RECONCILED"));
}

#[test]
fn reports_markdown_leads_with_the_verdict_and_escapes_values() {
    let dir = scratch();
    let docs = documents(&CUSTOMERS, dir.path());
    let md = &docs.markdown;
    assert!(md.starts_with("## ❌ recon: NOT RECONCILED\n"), "{md}");
    assert!(md.len() < 64 * 1024);
    assert!(md.contains("| region=EU, customer\\_no=1 | name | Ann | \"Ann \" |"), "{md}");
    assert!(md.contains("| Email | 1 |"), "most differing columns: {md}");
    assert!(!md.contains("more tables"));
}

/// What an HTML document may not hold to stay self-contained: anything that fetches or runs.
pub(crate) fn external_references(html: &str) -> Vec<String> {
    let lower = html.to_lowercase();
    let mut found: Vec<String> =
        ["http", "src=", "@import", "url(", "<script", "<link", "<iframe", "<object", "<embed", "//"]
            .into_iter()
            .filter(|needle| lower.contains(needle))
            .map(str::to_string)
            .collect();
    let hrefs = lower.match_indices("href=").filter(|(at, _)| !lower[at + 5..].starts_with("\"#"));
    found.extend(hrefs.map(|(at, _)| lower[at..(at + 40).min(lower.len())].to_string()));
    found
}

#[test]
fn reports_html_is_self_contained() {
    for args in [&ORDERS[..], &CUSTOMERS[..]] {
        let dir = scratch();
        let docs = documents(args, dir.path());
        assert_eq!(external_references(&docs.html), Vec::<String>::new());
        for part in ["<svg", "<del>", "<ins>", "@page", "size: A4", "@media print", "fingerprint"] {
            assert!(docs.html.contains(part), "{part}");
        }
    }
}

#[test]
fn reports_html_marks_the_differing_characters() {
    let dir = scratch();
    let docs = documents(&ORDERS, dir.path());
    // "gift wrap" against "gift-wrap": the space (made visible) and the hyphen are marked, nothing else.
    assert!(docs.html.contains(r#"gift<del><span class="ws">·</span></del>wrap"#), "{}", docs.html);
    assert!(docs.html.contains("gift<ins>-</ins>wrap"));
    assert!(docs.html.contains("1<del>7</del>.000") && docs.html.contains("1<ins>8</ins>.000"));
    assert!(docs.html.contains(r#"<span class="null">NULL</span>"#) && docs.html.contains("empty string"));
}

/// Runs Debian's headless Chromium on a local HTML file and returns the screenshot's path, or `None` when
/// Chromium is not installed (a failure under CI, where `.ci/run` installs it).
pub(crate) fn screenshot(html: &Path, dir: &Path) -> Option<PathBuf> {
    let png = dir.join("screenshot.png");
    let profile = dir.join("chromium-profile");
    let spawned = Command::new("chromium")
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"])
        .args(["--disable-background-networking", "--disable-component-update", "--disable-sync"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--window-size=1280,2000", &format!("--screenshot={}", png.display())])
        .arg(format!("file://{}", html.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => panic!("chromium must run under CI: {e}"),
        Err(e) => {
            eprintln!("chromium could not run ({e}): HTML screenshot not checked (apt-get install chromium)");
            return None;
        }
    };
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().ok();
            panic!("chromium took over 90 s on {}", html.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "chromium: {status}");
    Some(png)
}

/// Distinct colours and the share of pixels that are not white, in a PNG.
pub(crate) fn colours(png: &Path) -> (usize, f64) {
    let file = std::io::BufReader::new(std::fs::File::open(png).expect("screenshot"));
    let mut reader = png::Decoder::new(file).read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a size")];
    let frame = reader.next_frame(&mut pixels).expect("a frame");
    let channels = frame.color_type.samples();
    assert_eq!(frame.bit_depth, png::BitDepth::Eight);
    let rgb: Vec<&[u8]> = pixels[..frame.buffer_size()].chunks(channels).map(|p| &p[..3.min(channels)]).collect();
    let distinct: std::collections::HashSet<&[u8]> = rgb.iter().copied().collect();
    let inked = rgb.iter().filter(|p| p.iter().any(|c| *c < 240)).count();
    (distinct.len(), inked as f64 / rgb.len() as f64)
}

#[test]
fn reports_html_of_the_fixtures_renders_in_chromium() {
    for args in [&ORDERS[..], &CUSTOMERS[..]] {
        let dir = scratch();
        let docs = documents(args, dir.path());
        assert!(!docs.html.is_empty());
        let html = dir.path().join("report.html").canonicalize().unwrap();
        let started = Instant::now();
        let Some(png) = screenshot(&html, dir.path()) else { return };
        eprintln!("chromium rendered {} in {:.1} s", args[1], started.elapsed().as_secs_f64());
        let (distinct, inked) = colours(&png);
        // Text in several colours, status badges, a red verdict box, bars: far from a blank page.
        assert!(distinct > 200, "{distinct} colours");
        assert!(inked > 0.05, "{:.1}% of pixels inked", inked * 100.0);
    }
}

/// Every example value (source and target of each mismatched column) of a JSON report, less NULL and "".
fn example_values(report: &Value) -> Vec<String> {
    let mismatched = report["examples"]["mismatched"].as_array().cloned().unwrap_or_default();
    let values = mismatched.iter().flat_map(|e| e["columns"].as_object().cloned().unwrap_or_default());
    let mut found: Vec<String> = values
        .flat_map(|(_, pair)| [pair["source"].clone(), pair["target"].clone()])
        .filter_map(|v| v.as_str().map(str::to_string))
        .filter(|v| !v.is_empty())
        .collect();
    found.sort();
    found.dedup();
    found
}

/// The text a reader sees in an output: tags dropped, entities and Markdown escapes undone, whitespace marks
/// turned back into whitespace, so that a value split by character marks or escaped is still found.
fn visible_text(output: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in output.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let entities = [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#x27;", "'"), ("&#x2f;", "/"), ("&amp;", "&")];
    let text = entities.iter().fold(text, |t, (entity, c)| t.replace(entity, c));
    let text = text.replace('·', " ").replace('⇥', "\t").replace('↵', "\n");
    let mut plain = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => plain.extend(chars.next()),
            c => plain.push(c),
        }
    }
    plain
}

#[test]
fn reports_redacted_hold_no_example_value_anywhere() {
    for args in [&ORDERS[..], &CUSTOMERS[..]] {
        let dir = scratch();
        let plain_docs = documents(&with(args, &["--format", "json"]), dir.path());
        let plain = plain_docs.run.json();
        let values = example_values(&plain);
        assert!(values.len() >= 4, "{values:?}");
        // The check sees the values where they are shown.
        for value in &values {
            for (name, text) in [("HTML", &plain_docs.html), ("Markdown", &plain_docs.markdown)] {
                assert!(visible_text(text).contains(value.as_str()), "{name} does not show {value:?}");
            }
        }
        let dir = scratch();
        let docs = documents(&with(args, &["--redact", "--format", "json"]), dir.path());
        let table = recon(&with(args, &["--redact"]));
        for (name, text) in docs.outputs().into_iter().chain([("table", table.stdout.as_str())]) {
            let seen = visible_text(text);
            for value in &values {
                assert!(!text.contains(value.as_str()) && !seen.contains(value.as_str()), "{name} shows {value:?}");
            }
        }
        let redacted: Value = serde_json::from_str(&docs.json).unwrap();
        assert_eq!(redacted["redacted"], true);
        // Keys, counts and column names stay; values are short hashes, NULL stays NULL.
        assert_eq!(redacted["examples"]["missing_in_target"], plain["examples"]["missing_in_target"]);
        assert_eq!(redacted["summary"], plain["summary"]);
        let first = &redacted["examples"]["mismatched"][0];
        assert_eq!(first["key"], plain["examples"]["mismatched"][0]["key"]);
        for (_, pair) in first["columns"].as_object().unwrap() {
            let hash = pair["source"].as_str().unwrap();
            assert!(hash.len() == 9 && hash.starts_with('#'), "{hash}");
        }
        assert!(plain.get("redacted").is_none(), "unredacted reports say nothing of it");
    }
}

#[test]
fn reports_redacted_keyless_rows_hide_their_values_too() {
    let dir = scratch();
    let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    std::fs::write(&a, "id,name\n1,Alice Smith\n2,Bob Jones\n").unwrap();
    std::fs::write(&b, "id,name\n1,Alice Smith\n2,Bob Johns\n").unwrap();
    let run = recon(&["diff", path(&a), path(&b), "--keyless", "--redact", "--format", "json", "-q"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stdout.contains("Bob"), "{}", run.stdout);
    let report = run.json();
    let key = &report["examples"]["missing_in_target"][0]["key"];
    assert!(key["name"].as_str().unwrap().starts_with('#'), "{key}");
    assert!(key["id"].as_str().unwrap().starts_with('#'), "{key}");
}

#[test]
fn reports_into_a_missing_directory_are_an_error_naming_the_path() {
    for flag in ["--html", "--junit", "--markdown"] {
        let dir = scratch();
        let file = dir.path().join("no/such/dir/report");
        let run = recon(&with(&ORDERS, &[flag, path(&file), "-q"]));
        assert_eq!(run.code, 2, "{flag}");
        assert!(run.stderr.contains("no/such/dir/report"), "{flag}: {}", run.stderr);
        assert!(!file.exists());
    }
}

#[test]
#[cfg_attr(not(recon_postgres), ignore = "needs PostgreSQL: set RECON_TEST_POSTGRES_URL")]
fn reports_never_show_a_password() {
    let url = crate::util::db::server("RECON_TEST_POSTGRES_URL");
    let _serial = crate::util::db::serial();
    crate::util::db::postgres(
        &url,
        [
            "DROP TABLE IF EXISTS recon_reports_secret",
            "CREATE TABLE recon_reports_secret (id int PRIMARY KEY, name text)",
            "INSERT INTO recon_reports_secret VALUES (1, 'a'), (2, 'b')",
        ],
    );
    // The server trusts local connections: any password is accepted, and none may be shown.
    let secret = "s3cr3t-Pa55";
    let (scheme, rest) = url.split_once("://").unwrap();
    let (user, host) = rest.split_once('@').unwrap();
    let user = user.split(':').next().unwrap();
    let source = format!("{scheme}://{user}:{secret}@{host}#recon_reports_secret");
    let dir = scratch();
    let target = dir.path().join("target.csv");
    std::fs::write(&target, "id,name\n1,a\n2,c\n").unwrap();
    let docs = documents(&["diff", &source, path(&target), "--key", "id", "--format", "json"], dir.path());
    assert_eq!(docs.run.code, 1, "{}", docs.run.stderr);
    let table = recon(&["diff", &source, path(&target), "--key", "id"]);
    let more = [("stderr", docs.run.stderr.as_str()), ("table", &table.stdout), ("table's stderr", &table.stderr)];
    for (name, text) in docs.outputs().into_iter().chain(more) {
        assert!(!text.contains(secret), "{name} shows the password");
    }
    assert!(docs.html.contains(&format!("{user}:***@")), "the masked location is shown");
}

/// A source of 12,500 rows with long text, and a target that lost its last 1,200.
fn long_pair(dir: &Path) -> (PathBuf, PathBuf) {
    let rows = |n: u32| -> String {
        (1..=n).map(|i| format!("{i},a long description of item number {i} with many words in it,{i}.5\n")).collect()
    };
    let (source, target) = (dir.join("source.csv"), dir.join("target.csv"));
    std::fs::write(&source, format!("id,description,amount\n{}", rows(12_500))).unwrap();
    std::fs::write(&target, format!("id,description,amount\n{}", rows(11_300))).unwrap();
    (source, target)
}

/// Documents read as a person reads them: counts with thousands separators, category words that never break
/// (long keyless rows squeezed them mid-word), no column left empty, and `>` as itself in Markdown (`&gt;`
/// shows raw wherever Markdown is not rendered).
#[test]
fn reports_read_well_thousands_whole_words_no_empty_columns_and_plain_comparisons() {
    let dir = scratch();
    let (source, target) = long_pair(dir.path());
    let keyed = documents(&["diff", path(&source), path(&target), "--key", "id"], dir.path());
    let html = &keyed.html;
    assert!(html.contains("(csv, 12,500 rows)") && html.contains("(csv, 11,300 rows)"), "{html}");
    let counted = "<td class=\"word\">missing_in_target</td><td class=\"n over\">1,200</td>";
    assert!(html.contains(counted), "{html}");
    assert!(html.contains("missing_in_target 1,200 &gt; 0 allowed"), "the verdict's violation: {html}");
    assert!(html.contains("td.word { overflow-wrap: normal; white-space: nowrap; }"), "words never break");
    // Keys missing in the target carry no row counts: the other findings show category and key only.
    let others = "<h3>Other findings</h3>\n  <table>\n    <thead><tr><th>category</th><th>key</th></tr></thead>";
    assert!(html.contains(others), "{html}");
    let md = &keyed.markdown;
    assert!(md.contains("| 12,500 | 11,300 | 11,300 | 1,200 | 0 | 0 | 0 | 0 |"), "{md}");
    assert!(md.contains("- missing\\_in\\_target 1,200 > 0 allowed\n") && !md.contains("&gt;"), "{md}");
    assert!(md.contains("| finding | key |\n|---|---|\n| missing\\_in\\_target | id=11301 |\n"), "{md}");

    let keyless = documents(&["diff", path(&source), path(&target), "--keyless"], dir.path());
    let others =
        "<thead><tr><th>category</th><th>key</th><th class=\"n\">source</th><th class=\"n\">target</th></tr></thead>";
    assert!(keyless.html.contains(others), "keyless rows are counted: {}", keyless.html);
    assert!(keyless.html.contains("<tr><td class=\"word\">missing_in_target</td><td class=\"mono\">id=11301, "));
    let row =
        "| missing\\_in\\_target | id=11301, description=a long description of item number 11301 with many words \
               in… | 1 row | 0 rows |";
    assert!(keyless.markdown.contains(row), "{}", keyless.markdown);
}
