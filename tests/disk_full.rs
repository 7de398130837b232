//! A disk that fills while recon spills or writes an output, made by the tests as a small tmpfs (mounting one
//! needs root, which CI has): exit code 2 naming the directory (and, for a spill, roughly the space it needs), and
//! nothing left behind in it.

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
