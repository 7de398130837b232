//! A disk that fills while recon spills or writes an output, made by the tests as a small tmpfs (mounting one
//! needs root, which CI has): exit code 2 naming the directory (and, for a spill, roughly the space it needs), and
//! nothing left behind in it. Where the rows are known beforehand, the spill is weighed against the free space
//! before reading: too little is exit 2 at once, or under `--strategy auto` a second pass instead of a spill.

use std::path::Path;
use std::process::Command;

use crate::util::{path, recon, scratch};

/// A tmpfs of `size` mounted on a scratch directory, unmounted when dropped: the tests run only where the build
/// was told mounting is allowed (RECON_TEST_TMPFS as root, or CI=true), so a failed mount fails them.
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        let dir = scratch();
        let options = format!("size={size}");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &options, "tmpfs", path(dir.path())])
            .status()
            .is_ok_and(|s| s.success());
        assert!(mounted, "mounting a tmpfs needs root");
        Tmpfs(dir)
    }

    fn path(&self) -> &Path {
        self.0.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0.path()).status();
    }
}

/// Two CSV files of `rows` rows in which every third row's `n` differs.
fn pair(dir: &Path, rows: usize) -> [String; 2] {
    [0, 1].map(|changed| {
        let file = dir.join(format!("side{changed}.csv"));
        let body: String =
            (0..rows).map(|i| format!("{i},{},row {i}\n", i * 7 % 1000 + changed * usize::from(i % 3 == 0))).collect();
        std::fs::write(&file, format!("id,n,label\n{body}")).unwrap();
        path(&file).to_string()
    })
}

fn listing(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into()).collect()
}

#[test]
#[cfg_attr(not(recon_tmpfs), ignore = "mounts a tmpfs: run as root with RECON_TEST_TMPFS=1")]
fn a_full_spill_directory_is_exit_2_naming_it_and_leaves_nothing() {
    let spill = Tmpfs::mount("64k");
    let dir = scratch();
    let [source, target] = pair(dir.path(), 100_000);
    // A CSV file's rows are not known before reading, so nothing is weighed beforehand: the disk fills.
    let run = recon(&[
        "diff",
        &source,
        &target,
        "--key",
        "id",
        "--memory-limit",
        "1MB",
        "--spill-dir",
        path(spill.path()),
        "-q",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let named = format!("spill file in {}: No space left on device", spill.path().display());
    assert!(run.stderr.contains(&named), "{}", run.stderr);
    assert!(
        run.stderr.contains(" MiB of digests spilled: this side needs more; free more space there"),
        "{}",
        run.stderr
    );
    assert_eq!(listing(spill.path()), Vec::<String>::new(), "no spill file left");
}

/// Two Parquet files (their footers count the rows before reading) of `rows` rows in which every `every`th
/// row's `n` differs.
fn parquet_pair(dir: &Path, rows: i64, every: i64) -> [String; 2] {
    use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    [0, 1].map(|changed| {
        let file = dir.join(format!("side{changed}.parquet"));
        let n = (0..rows).map(|i| i * 7 % 1000 + changed * i64::from(i % every == 0));
        let columns: Vec<(&str, ArrayRef)> = vec![
            ("id", Arc::new(Int64Array::from_iter_values(0..rows))),
            ("n", Arc::new(Int64Array::from_iter_values(n))),
            ("label", Arc::new(StringArray::from_iter_values((0..rows).map(|i| format!("row {i}"))))),
        ];
        crate::util::files::write_parquet(&file, &RecordBatch::try_from_iter(columns).unwrap());
        path(&file).to_string()
    })
}

/// 100,000 rows a side in 1 MB, spilled to a tmpfs of `size`: one pass spills 2 × (4,000,000 − 262,144) bytes
/// of digests, two passes 800,000 − 262,144 bytes of source key hashes. Checks the exit code.
fn diff_in(size: &str, strategy: &str, code: i32) -> (Tmpfs, crate::util::Run) {
    let spill = Tmpfs::mount(size);
    let dir = scratch();
    // Ten rows differ: the second pass digests their buckets' few rows, in memory.
    let [source, target] = parquet_pair(dir.path(), 100_000, 10_000);
    let args = ["diff", &source, &target, "--key", "id", "--memory-limit", "1MB", "--spill-dir", path(spill.path())];
    let run = recon(&crate::util::with(&args, &["--strategy", strategy, "--format", "json", "-q"]));
    assert_eq!(run.code, code, "{}", run.stderr);
    (spill, run)
}

#[test]
#[cfg_attr(not(recon_tmpfs), ignore = "mounts a tmpfs: run as root with RECON_TEST_TMPFS=1")]
fn a_spill_that_cannot_fit_is_exit_2_before_reading_saying_what_helps() {
    let (spill, run) = diff_in("2m", "one-pass", 2);
    let expected = format!(
        "spill directory {}: one pass needs about 7.1 MiB of spill space and 2.0 MiB is free: give --spill-dir \
         a directory with more room, raise --memory-limit, or --strategy two-pass (which needs 525.2 KiB)",
        spill.path().display()
    );
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
    assert_eq!(listing(spill.path()), Vec::<String>::new());

    // Two passes need more than 64 KiB too: exit 2, naming neither strategy as the way out.
    let (tiny, run) = diff_in("64k", "two-pass", 2);
    let expected = format!(
        "spill directory {}: two passes need about 525.2 KiB of spill space and 64.0 KiB is free: give \
         --spill-dir a directory with more room, raise --memory-limit\n",
        tiny.path().display()
    );
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
}

#[test]
#[cfg_attr(not(recon_tmpfs), ignore = "mounts a tmpfs: run as root with RECON_TEST_TMPFS=1")]
fn auto_reads_twice_where_one_pass_would_not_fit() {
    let (spill, run) = diff_in("2m", "auto", 1);
    let report = run.json();
    let strategy = &report["stats"]["strategy"];
    assert_eq!(strategy["name"], "two-pass", "{strategy}");
    assert_eq!(strategy["passes"], 2);
    // The source's key hashes beyond a quarter of 1 MB, as whole chunks (the ten buckets' digests fit).
    let spilled = strategy["spill_bytes"].as_u64().unwrap();
    assert!((800_000 - 262_144..600_000).contains(&spilled), "{strategy}");
    assert_eq!(report["summary"]["mismatched"], 10);
    assert_eq!(listing(spill.path()), Vec::<String>::new(), "no spill file left");
}

#[test]
#[cfg_attr(not(recon_tmpfs), ignore = "mounts a tmpfs: run as root with RECON_TEST_TMPFS=1")]
fn a_full_diff_out_directory_is_exit_2_naming_it_and_leaves_no_file() {
    let disk = Tmpfs::mount("64k");
    let dir = scratch();
    let [source, target] = pair(dir.path(), 100_000);
    let out = disk.path().join("out");
    let run = recon(&["diff", &source, &target, "--key", "id", "--diff-out", path(&out), "-q"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let named = format!("{}/mismatched.parquet: External: No space left on device", out.display());
    assert!(run.stderr.contains(&named), "{}", run.stderr);
    assert_eq!(listing(disk.path()), Vec::<String>::new(), "no file of the five written before, no directory");
}
