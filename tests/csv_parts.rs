//! A CSV file large enough to be read in parts by several threads (parts of ~16 MiB) gives the findings and
//! the errors a small file gives: every row once, at its place, and a bad value named at its line.

use crate::util::{path, recon, scratch};

/// `rows` records of ~120 bytes; every seventh note is quoted and holds a comma, a doubled quote and a line
/// feed, so the parts must be cut at record ends, not at any line feed.
fn orders(rows: u32, change: impl Fn(u32, &str) -> Option<String>) -> String {
    let mut text = String::from("id,customer,amount,note\n");
    for id in 0..rows {
        let note = if id % 7 == 0 {
            format!("\"see \"\"terms\"\", page {id}\nsecond line, still the note\"")
        } else {
            format!("order {id} shipped in one parcel to the address on file")
        };
        let line = format!("{id},customer-{:05},{}.{:02},{note}\n", id % 50_000, id % 9_000, id % 100);
        match change(id, &line) {
            Some(changed) => text.push_str(&changed),
            None => text.push_str(&line),
        }
    }
    text
}

#[test]
fn a_large_csv_read_in_parts_finds_exactly_the_injected_defects() {
    let dir = scratch();
    let rows = 450_000; // ~39 MB: more than two parts
    let source = orders(rows, |_, _| None);
    // Defects far into the file, in later parts: 250,000 deleted, 260,001 (a quoted multi-line note) changed
    // in amount, 270,000 duplicated, and 500,000 added at the end.
    let target = orders(rows, |id, line| match id {
        250_000 => Some(String::new()),
        260_001 => Some(line.replace(",8001.01,", ",8001.02,")),
        270_000 => Some(format!("{line}{line}")),
        _ => None,
    }) + "500000,customer-00000,0.00,new\n";
    assert!(source.len() > 36 << 20, "{} bytes", source.len());
    let (s, t) = (dir.path().join("source.csv"), dir.path().join("target.csv"));
    std::fs::write(&s, source).unwrap();
    std::fs::write(&t, target).unwrap();

    let run = recon(&["diff", path(&s), path(&t), "--key", "id", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    let summary = &report["summary"];
    assert_eq!(summary["source_rows"], 450_000);
    assert_eq!(summary["target_rows"], 450_001);
    assert_eq!(summary["missing_in_target"], 1);
    assert_eq!(summary["extra_in_target"], 1);
    assert_eq!(summary["mismatched"], 1);
    assert_eq!(summary["duplicate_keys_target"], 1);
    assert_eq!(summary["matched"], 450_000 - 3);
    let examples = &report["examples"];
    assert_eq!(examples["missing_in_target"][0]["key"]["id"], 250_000);
    assert_eq!(examples["extra_in_target"][0]["key"]["id"], 500_000);
    assert_eq!(examples["mismatched"][0]["key"]["id"], 260_001);
    assert_eq!(examples["mismatched"][0]["columns"]["amount"]["target"], "8001.02");
    assert_eq!(report["column_mismatches"], serde_json::json!({"customer": 0, "amount": 1, "note": 0}));
}

#[test]
fn a_bad_value_deep_in_a_large_csv_is_named_at_its_line() {
    let dir = scratch();
    let text = orders(450_000, |id, line| (id == 300_000).then(|| line.replace(",3000.00,", ",zero,")));
    let (good, bad) = (dir.path().join("good.csv"), dir.path().join("bad.csv"));
    std::fs::write(&good, orders(10, |_, _| None)).unwrap();
    std::fs::write(&bad, text).unwrap();
    let run = recon(&["diff", path(&good), path(&bad), "--key", "id"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    // The CSV reader numbers data records from 1, as a read of the whole file meets them. Record 300,000 lies
    // in the second part (~26 MB in), whose own count would start again at 1.
    assert!(run.stderr.contains("bad.csv") && run.stderr.contains("'zero'"), "{}", run.stderr);
    assert!(run.stderr.contains("at line 300001."), "{}", run.stderr);
}
