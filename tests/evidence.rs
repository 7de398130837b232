//! Evidence (DESIGN.md, "Evidence and repair"): a report's integrity block and its signature checked by
//! `recon verify` — every file kind, one flipped byte at a time, a re-indented report, a moved folder, another
//! key, a report edited and re-digested without the key, what openssl computes from the documented message —
//! key files that cannot be used, and the history page of thirty runs looked at in Chromium.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::reports::{colours, external_references, screenshot};
use crate::util::{path, recon, scratch, with, Run, ORDERS};

const SIGNER: &str = "fixtures/keys/signer.pem";
const SIGNER_PUB: &str = "fixtures/keys/signer.pub.pem";
const OTHER_PUB: &str = "fixtures/keys/other.pub.pem";

/// The orders fixture compared with every output into `dir` (the report `report.json`), and `extra` options.
fn evidence(dir: &Path, extra: &[&str]) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let file = |name: &str| path(&dir.join(name)).to_string();
    let (json, html, junit, markdown, diffs) =
        (file("report.json"), file("report.html"), file("report.xml"), file("report.md"), file("diffs"));
    let outputs =
        ["--output", &json, "--html", &html, "--junit", &junit, "--markdown", &markdown, "--diff-out", &diffs];
    let run = recon(&with(&with(&ORDERS, &outputs), &[&["-q"], extra].concat()));
    assert_eq!(run.code, 1, "{}", run.stderr);
    dir.join("report.json")
}

fn verify(report: &Path, more: &[&str]) -> Run {
    recon(&with(&["verify", path(report)], more))
}

fn integrity(report: &Path) -> Value {
    let json: Value = serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    json["integrity"].clone()
}

/// Flips the lowest bit of the byte at `at`.
fn flip(file: &Path, at: usize) {
    let mut bytes = std::fs::read(file).unwrap();
    bytes[at] ^= 1;
    std::fs::write(file, bytes).unwrap();
}

/// Where `needle` begins in the file.
fn offset(file: &Path, needle: &str) -> usize {
    std::fs::read_to_string(file).unwrap().find(needle).unwrap_or_else(|| panic!("{needle} in {}", file.display()))
}

fn sha256(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_report_and_every_file_it_names_pass_verify_and_one_flipped_byte_in_any_fails_it() {
    let dir = scratch();
    let report = evidence(&dir.path().join("evidence"), &[]);
    let run = verify(&report, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.ends_with("verified: the report and the 9 files it names are as recon wrote them\n"),
        "{}",
        run.stdout
    );
    let block = integrity(&report);
    let names: Vec<&String> = block["files"].as_object().unwrap().keys().collect();
    assert_eq!(
        names,
        [
            "diffs/duplicate_keys.parquet",
            "diffs/extra_in_target.parquet",
            "diffs/mismatched.parquet",
            "diffs/missing_in_target.parquet",
            "diffs/null_keys_source.parquet",
            "diffs/null_keys_target.parquet",
            "report.html",
            "report.md",
            "report.xml",
        ]
    );
    let html = std::fs::read_to_string(report.with_file_name("report.html")).unwrap();
    let digest = block["sha256"].as_str().unwrap();
    assert!(html.contains(&format!("SHA-256 {digest}")), "the HTML shows the report's digest");

    // Each file kind: one flipped byte is named, and flipped back it verifies again.
    for name in &names {
        let file = report.with_file_name(name);
        let at = std::fs::metadata(&file).unwrap().len() as usize / 2;
        flip(&file, at);
        let run = verify(&report, &[]);
        assert_eq!(run.code, 1, "{name}: {}", run.stdout);
        assert!(run.stdout.contains(&format!("DIFFERS  {name}: changed: its SHA-256 is ")), "{}", run.stdout);
        assert!(run.stdout.ends_with("NOT VERIFIED: 1 of 11 checks failed\n"), "{}", run.stdout);
        flip(&file, at);
        assert_eq!(verify(&report, &[]).code, 0);
    }

    // The report: a byte of a value (`legacy` → `megacy`), then a byte of its own digest.
    let shown = path(&report).to_string();
    for (needle, skip) in [("legacy.parquet", 0), (digest, 1)] {
        let at = offset(&report, needle) + skip;
        flip(&report, at);
        let run = verify(&report, &[]);
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert!(
            run.stdout.contains(&format!("DIFFERS  {shown}: its contents changed: their SHA-256 is ")),
            "{}",
            run.stdout
        );
        assert!(run.stdout.contains(&format!("ok       {shown}: byte-identical to recon's serialization\n")));
        flip(&report, at);
    }

    // Re-indented, the same contents are no longer what recon wrote.
    let original = std::fs::read_to_string(&report).unwrap();
    let value: Value = serde_json::from_str(&original).unwrap();
    std::fs::write(&report, serde_json::to_string(&value).unwrap()).unwrap();
    let run = verify(&report, &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let differs = format!(
        "DIFFERS  {shown}: not byte-identical to recon's serialization of what it holds (re-indented or edited?): \
         first difference at line 1, column 2\n"
    );
    assert!(run.stdout.contains(&differs), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!("ok       {shown}: contents as written, SHA-256 {digest}\n")),
        "{}",
        run.stdout
    );
    std::fs::write(&report, original).unwrap();

    // Files are named from the report's directory: the folder moved whole still verifies.
    let moved = dir.path().join("archive/2026");
    std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
    std::fs::rename(report.parent().unwrap(), &moved).unwrap();
    assert_eq!(verify(&moved.join("report.json"), &[]).code, 0);
}

/// A repair script is an output like the others: the report names it, `verify` checks it.
#[test]
fn a_repair_script_is_named_in_the_report_and_verified() {
    let dir = scratch();
    let target = dir.path().join("legacy.db");
    std::fs::copy("fixtures/shop/legacy.db", &target).unwrap();
    let (script, report) = (dir.path().join("fix.sql"), dir.path().join("report.json"));
    let target = format!("sqlite://{}#customers", path(&target));
    let args = ["diff", "fixtures/shop/exports/customers.csv", &target, "--key", "id", "-q"];
    let run = recon(&with(&args, &["--repair-sql", path(&script), "--output", path(&report)]));
    assert_eq!(run.code, 1, "{}", run.stderr);
    let files = integrity(&report)["files"].clone();
    assert_eq!(files, serde_json::json!({"fix.sql": sha256(&std::fs::read(&script).unwrap())}));
    let run = verify(&report, &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("the report and the 1 file it names are as recon wrote them"), "{}", run.stdout);
    flip(&script, offset(&script, "UPDATE"));
    let run = verify(&report, &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("DIFFERS  fix.sql"), "{}", run.stdout);
}

#[test]
fn an_audit_report_names_each_table_s_diff_out_files_and_verifies() {
    let dir = scratch();
    let (json, diffs) = (dir.path().join("audit.json"), dir.path().join("diffs"));
    let args = ["audit", "sqlite://fixtures/shop/legacy.db", "fixtures/shop/exports/", "-q"];
    let run = recon(&with(&args, &["--output", path(&json), "--diff-out", path(&diffs), "--jobs", "2"]));
    assert_eq!(run.code, 1, "{}", run.stderr);
    let files = integrity(&json)["files"].as_object().unwrap().clone();
    assert!(files.keys().any(|name| name.starts_with("diffs/orders/")), "{files:?}");
    assert!(files.keys().all(|name| name.starts_with("diffs/") && name.ends_with(".parquet")), "{files:?}");
    let run = verify(&json, &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn a_signature_holds_against_its_own_key_only_and_not_after_an_edit() {
    let dir = scratch();
    let report = evidence(dir.path(), &["--sign-key", SIGNER]);
    let trusted = verify(&report, &["--public-key", SIGNER_PUB]);
    assert_eq!(trusted.code, 0, "{}{}", trusted.stdout, trusted.stderr);
    let line = trusted.stdout.lines().find(|l| l.starts_with("ok       signature: ")).unwrap().to_string();
    assert!(line.contains(&format!("Ed25519, made by the key in {SIGNER_PUB} (SHA256:")), "{line}");
    let fingerprint = line.rsplit_once('(').unwrap().1.trim_end_matches(')');
    let html = std::fs::read_to_string(report.with_file_name("report.html")).unwrap();
    assert!(html.contains(&format!("Ed25519 key {fingerprint}")), "the HTML names the signer");
    let untrusted = verify(&report, &[]);
    assert_eq!(untrusted.code, 0);
    assert!(untrusted.stdout.contains("give --public-key FILE to check it is one you trust"), "{}", untrusted.stdout);

    let other = verify(&report, &["--public-key", OTHER_PUB]);
    assert_eq!(other.code, 1, "{}", other.stdout);
    let made =
        format!("DIFFERS  signature: made with another key ({fingerprint}), not the key in {OTHER_PUB} (SHA256:");
    assert!(other.stdout.contains(&made), "{}", other.stdout);

    // Edited and digested again without the key: every digest holds, the signature does not.
    let mut json: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let block = json.as_object_mut().unwrap().shift_remove("integrity").unwrap();
    json["summary"]["mismatched"] = Value::from(0);
    let mut block = block;
    block["sha256"] = Value::from(sha256(&serde_json::to_vec(&json).unwrap()));
    json["integrity"] = block;
    std::fs::write(&report, serde_json::to_string_pretty(&json).unwrap() + "\n").unwrap();
    for key in [&[][..], &["--public-key", SIGNER_PUB]] {
        let run = verify(&report, key);
        assert_eq!(run.code, 1, "{}", run.stdout);
        let broken = "DIFFERS  signature: does not match the report's digests: they changed after signing\n";
        assert!(run.stdout.contains(broken), "{}", run.stdout);
        assert!(run.stdout.ends_with("NOT VERIFIED: 1 of 12 checks failed\n"), "{}", run.stdout);
    }

    // An unsigned report was signed by no key.
    let unsigned = evidence(&dir.path().join("unsigned"), &[]);
    let run = verify(&unsigned, &["--public-key", SIGNER_PUB]);
    assert_eq!(run.code, 1);
    assert!(run
        .stdout
        .contains(&format!("DIFFERS  signature: the report is not signed, so not by the key in {SIGNER_PUB}\n")));
}

/// Runs `openssl ARGS` in the repository root; `None` when openssl is not installed (a failure under CI).
fn openssl(args: &[&str]) -> Option<std::process::Output> {
    match Command::new("openssl").args(args).current_dir(crate::util::root()).output() {
        Ok(output) => Some(output),
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => panic!("openssl must run under CI: {e}"),
        Err(e) => {
            eprintln!("openssl could not run ({e}): the signature is not checked by openssl");
            None
        }
    }
}

/// The README's recipe: the message rebuilt from the report as documented, checked by openssl with the public
/// key alone; the fingerprint is the SHA-256 of the key's DER form, as openssl writes it.
#[test]
fn openssl_checks_the_signature_over_the_documented_message() {
    let dir = scratch();
    let report = evidence(dir.path(), &["--sign-key", SIGNER]);
    let block = integrity(&report);
    let mut message = format!("recon integrity v1\nsha256 {}\n", block["sha256"].as_str().unwrap());
    for (name, digest) in block["files"].as_object().unwrap() {
        message += &format!("{}  {name}\n", digest.as_str().unwrap());
    }
    let signature = block["signature"]["value"].as_str().unwrap();
    let bytes: Vec<u8> =
        (0..signature.len()).step_by(2).map(|i| u8::from_str_radix(&signature[i..i + 2], 16).unwrap()).collect();
    let (message_file, signature_file) = (dir.path().join("message"), dir.path().join("signature"));
    std::fs::write(&message_file, message).unwrap();
    std::fs::write(&signature_file, bytes).unwrap();
    let checked = ["pkeyutl", "-verify", "-pubin", "-inkey", SIGNER_PUB, "-rawin"];
    let Some(out) = openssl(&with(&checked, &["-in", path(&message_file), "-sigfile", path(&signature_file)])) else {
        return;
    };
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let der = openssl(&["pkey", "-pubin", "-in", SIGNER_PUB, "-outform", "DER"]).unwrap().stdout;
    let html = std::fs::read_to_string(report.with_file_name("report.html")).unwrap();
    assert!(html.contains(&format!("Ed25519 key SHA256:{}", sha256(&der))), "{html}");
}

#[test]
fn key_files_that_cannot_be_used_are_errors_naming_them() {
    let dir = scratch();
    let file = |name: &str, text: &str| {
        let file = dir.path().join(name);
        std::fs::write(&file, text).unwrap();
        path(&file).to_string()
    };
    let (garbled, broken) = (
        file("garbled.pem", "not a key\n"),
        file("broken.pem", "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n"),
    );
    let missing = path(&dir.path().join("missing.pem")).to_string();
    let report = path(&dir.path().join("r.json")).to_string();
    // Read before a row is: the source does not even exist.
    let diff =
        ["diff", "fixtures/orders/none.parquet", "fixtures/orders/new/", "--key", "order_id", "--output", &report];
    for (key, message) in [
        (missing.as_str(), format!("{missing}: No such file or directory")),
        (
            &garbled,
            format!(
                "{garbled}: holds no PRIVATE KEY (unencrypted PKCS#8: openssl genpkey -algorithm ed25519 -out key.pem)"
            ),
        ),
        (&broken, format!("{broken}: is not a PEM file: ")),
        (
            "fixtures/keys/p256.pem",
            "fixtures/keys/p256.pem: holds a private key of another algorithm: recon signs with Ed25519".into(),
        ),
        (SIGNER_PUB, format!("{SIGNER_PUB}: holds no PRIVATE KEY")),
    ] {
        let run = recon(&with(&diff, &["--sign-key", key]));
        assert_eq!(run.code, 2, "{key}: {}", run.stderr);
        assert!(run.stderr.starts_with(&format!("recon: error: {message}")), "{key}: {}", run.stderr);
    }
    let unsealed = recon(&with(&ORDERS, &["--sign-key", SIGNER]));
    assert_eq!(unsealed.code, 2, "--sign-key signs the --output report: {}", unsealed.stderr);

    let signed = evidence(&dir.path().join("signed"), &["--sign-key", SIGNER]);
    for (key, message) in [
        (missing.as_str(), format!("{missing}: No such file or directory")),
        (
            "fixtures/keys/p256.pub.pem",
            "fixtures/keys/p256.pub.pem: holds a public key of another algorithm: recon signs with Ed25519".into(),
        ),
        (SIGNER, format!("{SIGNER}: holds no PUBLIC KEY")),
        (&garbled, format!("{garbled}: holds no PUBLIC KEY")),
    ] {
        let run = verify(&signed, &["--public-key", key]);
        assert_eq!(run.code, 2, "{key}: {}", run.stderr);
        assert!(run.stderr.starts_with(&format!("recon: error: {message}")), "{key}: {}", run.stderr);
    }

    // Reports verify cannot check.
    let not_json = file("notes.json", "{\"report_version\": 1,");
    let not_report = file("other.json", "{\"name\": \"recon\"}");
    for (report, message) in [
        (missing.as_str(), format!("{missing}: No such file or directory")),
        (&not_json, format!("{not_json}: is not JSON: ")),
        (&not_report, format!("{not_report}: is not a recon report (no report_version and kind)")),
        ("fixtures/orders/expected.json", "fixtures/orders/expected.json: has no integrity block".into()),
    ] {
        let run = recon(&["verify", report]);
        assert_eq!(run.code, 2, "{report}: {}", run.stderr);
        assert!(run.stderr.starts_with(&format!("recon: error: {message}")), "{report}: {}", run.stderr);
    }
}

/// Three tables (CSV files with an `id` key) as run `i` of thirty finds them: `orders` has a mismatch that
/// moves every run and a missing row during runs 5–14; `customers` gains an extra row every third run until
/// run 20 cleans them all; `events` is clean until run 25 breaks two rows.
fn tables_at_run(dir: &Path, i: usize) {
    let rows: Vec<(usize, String)> = (1..=40).map(|k| (k, format!("n{k}"))).collect();
    let write = |side: &str, table: &str, rows: &[(usize, String)]| {
        let text: String = rows.iter().map(|(k, name)| format!("{k},{name}\n")).collect();
        std::fs::write(dir.join(side).join(format!("{table}.csv")), format!("id,name\n{text}")).unwrap();
    };
    let changed = |rows: &[(usize, String)], key: &dyn Fn(usize) -> bool| -> Vec<(usize, String)> {
        rows.iter().map(|(k, name)| (*k, if key(*k) { format!("{name}x") } else { name.clone() })).collect()
    };
    for table in ["orders", "customers", "events"] {
        write("source", table, &rows);
    }
    let mut orders = changed(&rows, &|k| k == i % 7 + 1);
    orders.retain(|(k, _)| !(*k == 20 && (5..15).contains(&i)));
    write("target", "orders", &orders);
    let extra = if i < 20 { i / 3 } else { 0 };
    let customers: Vec<(usize, String)> =
        rows.iter().cloned().chain((0..extra).map(|j| (100 + j, "e".into()))).collect();
    write("target", "customers", &customers);
    write("target", "events", &changed(&rows, &|k| i >= 25 && k < 3));
}

#[test]
fn the_history_page_of_thirty_runs_renders_in_chromium_with_every_table_named() {
    let dir = scratch();
    for side in ["source", "target"] {
        std::fs::create_dir(dir.path().join(side)).unwrap();
    }
    let history = dir.path().join("nightly.db");
    for i in 0..30 {
        tables_at_run(dir.path(), i);
        let (source, target) = (dir.path().join("source"), dir.path().join("target"));
        let run = recon(&["audit", path(&source), path(&target), "--key", "id", "--history", path(&history), "-q"]);
        assert!(run.code < 2, "run {i}: {}", run.stderr);
    }
    let html = dir.path().join("trend.html");
    let run = recon(&["history", path(&history), "--html", path(&html)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = std::fs::read_to_string(&html).unwrap();
    assert_eq!(external_references(&page), Vec::<String>::new());
    assert!(page.contains("3 tables, 90 runs"), "{page}");
    for table in ["customers", "events", "orders"] {
        assert!(page.contains(&format!("<h2>{table}<span class=\"status")), "{table} has its section");
        assert!(page.contains(&format!("aria-label=\"findings per run of {table}\"")), "{table} has its chart");
    }
    // 30 runs a chart, each with its verdict; runs 20–29 of customers pass, and run 20 resolved its 6 extras.
    assert_eq!(page.matches("<g><title>run #").count(), 90);
    assert!(page.contains(": 0 new, 0 persisting, 6 resolved, 0 transient, 0 unstable; pass</title>"), "{page}");
    // events' two broken rows are still open, listed with their keys.
    assert!(page.contains("2 open findings (mismatched 2)"));
    assert!(page.contains("<td class=\"mono\">id=1</td><td>name</td>"), "{page}");

    let Some(png) = screenshot(&html.canonicalize().unwrap(), dir.path()) else { return };
    let (distinct, inked) = colours(&png);
    assert!(distinct > 100, "{distinct} colours");
    assert!(inked > 0.05, "{:.1}% of pixels inked", inked * 100.0);
}
