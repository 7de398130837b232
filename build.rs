//! Tells the tests which database servers they may use, so that a test without its server shows as ignored
//! (with the reason) in `cargo test`'s summary instead of passing without having run.
//!
//! `recon_postgres` / `recon_mysql` / `recon_replica` / `recon_moto` / `recon_azurite` / `recon_gcs` /
//! `recon_tmpfs` / `recon_deltalake` are set when RECON_TEST_POSTGRES_URL / RECON_TEST_MYSQL_URL /
//! RECON_TEST_REPLICA_PORT / RECON_TEST_MOTO (a `moto_server` on the PATH) / RECON_TEST_AZURITE (an
//! `azurite-blob` on the PATH) / RECON_TEST_GCS (a `fake-gcs-server` on the PATH) /
//! RECON_TEST_TMPFS (tests may mount a tmpfs: root) / RECON_TEST_DELTALAKE (Python's `deltalake` package
//! importable, to write Delta tables) are, and always under CI=true: there a missing variable must fail the run,
//! never skip it. `recon_deltalake` also needs the `delta` feature: without it recon reads no Delta table, and
//! `.ci/run` runs those tests in its `--all-features` pass.

fn main() {
    println!(
        "cargo::rustc-check-cfg=cfg(recon_postgres, recon_mysql, recon_replica, recon_moto, recon_azurite, recon_gcs, recon_tmpfs, recon_deltalake)"
    );
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=CI");
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let delta = std::env::var_os("CARGO_FEATURE_DELTA").is_some();
    for (variable, cfg) in [
        ("RECON_TEST_POSTGRES_URL", "recon_postgres"),
        ("RECON_TEST_MYSQL_URL", "recon_mysql"),
        ("RECON_TEST_REPLICA_PORT", "recon_replica"),
        ("RECON_TEST_MOTO", "recon_moto"),
        ("RECON_TEST_AZURITE", "recon_azurite"),
        ("RECON_TEST_GCS", "recon_gcs"),
        ("RECON_TEST_TMPFS", "recon_tmpfs"),
        ("RECON_TEST_DELTALAKE", "recon_deltalake"),
    ] {
        println!("cargo::rerun-if-env-changed={variable}");
        let wanted = ci || std::env::var(variable).is_ok_and(|value| !value.is_empty());
        if wanted && (cfg != "recon_deltalake" || delta) {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}
