//! Exports as they come: the customers fixture's CSV gzip- and zstd-compressed (`.csv.gz`, `.csv.zst`), and
//! extension-less part files (`part-00000`: gzip CSV, Parquet, Arrow IPC, told apart by their first bytes) give
//! exactly the reports of the plain files, on this machine and from S3; a truncated compressed file is exit 2
//! naming it.

use std::io::Write;

use serde_json::Value;

use crate::object_stores::{strip_stats, Moto};
use crate::util::{path, recon, root, scratch, CUSTOMERS};

/// `text` gzip-compressed.
fn gzip(text: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text).expect("gzip");
    encoder.finish().expect("gzip")
}

fn crm() -> Vec<u8> {
    std::fs::read(root().join(CUSTOMERS[1])).expect("the fixture")
}

/// The customers report with `source` in place of the CSV, its stats left out and its source's location
/// written as the fixture's.
fn customers_from(source: &str) -> Value {
    let args: Vec<&str> = [&CUSTOMERS[..1], &[source], &CUSTOMERS[2..], &["--format", "json"]].concat();
    let run = recon(&args);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let mut report = run.json();
    strip_stats(&mut report);
    report["source"]["location"] = Value::from(CUSTOMERS[1]);
    report
}

#[test]
fn a_compressed_csv_and_a_bare_part_file_give_the_plain_files_report() {
    let dir = scratch();
    let write = |name: &str, bytes: &[u8]| {
        let file = dir.path().join(name);
        std::fs::create_dir_all(file.parent().expect("a directory")).expect("a directory");
        std::fs::write(&file, bytes).expect("a file");
        path(&file).to_string()
    };
    let expected = customers_from(CUSTOMERS[1]);
    let zstd = zstd::encode_all(&crm()[..], 3).expect("zstd");
    for source in [
        write("crm.csv.gz", &gzip(&crm())),
        write("crm.csv.zst", &zstd),
        write("export/part-00000", &gzip(&crm())),
        dir.path().join("export/").display().to_string(),
    ] {
        assert_eq!(customers_from(&source), expected, "{source}");
    }
    // Parquet and Arrow IPC part files without an extension are told by their magic bytes.
    let orders = |source: &str| {
        let run = recon(&["diff", source, "fixtures/orders/new/", "--key", "order_id", "--format", "json"]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        run.json()["source"]["fingerprint"].clone()
    };
    let parquet =
        write("orders/part-00000", &std::fs::read(root().join("fixtures/orders/legacy.parquet")).expect("it"));
    assert_eq!(orders(&parquet), orders("fixtures/orders/legacy.parquet"));
    let arrow = write("customers/part-00000", &std::fs::read(root().join(CUSTOMERS[2])).expect("the fixture"));
    let run = recon(&["diff", &arrow, CUSTOMERS[2], "--key", "region,customer_no"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_truncated_compressed_csv_is_exit_2_naming_it() {
    let dir = scratch();
    let whole = gzip(&crm());
    let file = dir.path().join("crm.csv.gz");
    std::fs::write(&file, &whole[..whole.len() - 40]).expect("a file");
    let args: Vec<&str> = [&CUSTOMERS[..1], &[path(&file)], &CUSTOMERS[2..]].concat();
    let run = recon(&args);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(&format!("{}: ", path(&file))), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[test]
#[cfg_attr(not(recon_moto), ignore = "needs moto_server: pip install 'moto[server]', set RECON_TEST_MOTO=1")]
fn a_compressed_csv_and_a_bare_part_file_on_s3_give_the_plain_files_report() {
    let moto = Moto::start(&[]);
    moto.put_unsigned("/recon", b"");
    moto.put_unsigned("/recon/crm.csv.gz", &gzip(&crm()));
    moto.put_unsigned("/recon/export/part-00000", &zstd::encode_all(&crm()[..], 3).expect("zstd"));
    let expected = customers_from(CUSTOMERS[1]);
    for source in ["s3://recon/crm.csv.gz", "s3://recon/export/"] {
        let args: Vec<&str> = [&CUSTOMERS[..1], &[source], &CUSTOMERS[2..], &["--format", "json"]].concat();
        let run = moto.recon_sides(&args, &["--source-storage-option"]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        let mut report = run.json();
        strip_stats(&mut report);
        report["source"]["location"] = Value::from(CUSTOMERS[1]);
        assert_eq!(report, expected, "{source}");
    }
}
