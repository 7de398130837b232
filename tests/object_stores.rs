//! Object stores: the bundled fixtures read from a real S3-compatible server (`moto_server`, started here on a
//! free port) and over HTTP give exactly the reports the local files give; a missing object and refused
//! credentials are exit 2 naming the object, the secret never shown.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use object_store::aws::AmazonS3Builder;
use object_store::path::Path as StorePath;
use object_store::ObjectStoreExt;
use serde_json::Value;

use crate::util::servers::{free_port, wait_for_port};
use crate::util::{recon, root, Run};

pub const BUCKET: &str = "recon";
pub const SECRET: &str = "moto-secret-7f3a";

/// A `moto_server` on a free port, stopped when dropped.
pub struct Moto {
    child: Child,
    pub port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    /// Starts `moto_server` (`pip install 'moto[server]'`) with `env`: the tests run only where the build was
    /// told it is there (RECON_TEST_MOTO, or CI=true), so one that cannot start fails.
    pub fn start(env: &[(&str, &str)]) -> Moto {
        let port = free_port();
        let spawned = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = spawned.unwrap_or_else(|e| panic!("moto_server could not run (pip install 'moto[server]'): {e}"));
        let moto = Moto { child, port };
        wait_for_port("moto_server", port);
        moto
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Makes the bucket (moto takes an unsigned request) and uploads `files` (paths from the repository root)
    /// under keys equal to those paths.
    pub fn upload(&self, files: &[&str]) {
        self.put_unsigned(&format!("/{BUCKET}"), b"");
        let store = AmazonS3Builder::new()
            .with_bucket_name(BUCKET)
            .with_endpoint(self.endpoint())
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_access_key_id("test")
            .with_secret_access_key(SECRET)
            .build()
            .expect("an S3 client");
        let runtime = tokio::runtime::Runtime::new().expect("a runtime");
        for file in files {
            let bytes = std::fs::read(root().join(file)).expect("a fixture");
            runtime.block_on(store.put(&StorePath::from(*file), bytes.into())).expect("upload");
        }
    }

    /// An unsigned PUT of `body` at `path`, readable by anyone (`x-amz-acl: public-read`): a bucket, or an
    /// object served at its path-style URL.
    pub fn put_unsigned(&self, path: &str, body: &[u8]) {
        put_public(self.port, path, body);
    }

    /// `recon ARGS` with this server's endpoint and credentials as both sides' storage options.
    pub fn recon(&self, args: &[&str]) -> Run {
        self.recon_sides(args, &["--source-storage-option", "--target-storage-option"])
    }

    /// `recon ARGS` with this server's endpoint and credentials as the storage options of `sides` (flags).
    pub fn recon_sides(&self, args: &[&str], sides: &[&str]) -> Run {
        self.recon_through(&self.endpoint(), args, sides)
    }

    /// `recon ARGS` reaching this server at `endpoint` (itself, or a proxy in front of it).
    pub fn recon_through(&self, endpoint: &str, args: &[&str], sides: &[&str]) -> Run {
        let endpoint = format!("endpoint={endpoint}");
        let secret = format!("secret_access_key={SECRET}");
        let mut all: Vec<&str> = args.to_vec();
        for side in sides {
            for option in [endpoint.as_str(), "allow_http=true", "region=us-east-1", "access_key_id=test", &secret] {
                all.extend([side, option]);
            }
        }
        recon(&all)
    }
}

/// An unsigned PUT of `body` at `path` on the moto at `port`, readable by anyone (`x-amz-acl: public-read`): a
/// bucket, or an object served at its path-style URL.
pub fn put_public(port: u16, path: &str, body: &[u8]) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to moto");
    let head = format!(
        "PUT {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nx-amz-acl: public-read\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        port,
        body.len()
    );
    stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body)).expect("put");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("moto's answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// A proxy in front of a server on this machine: what clients sent it (their requests) and how many bytes the
/// server sent back.
pub struct Proxy {
    pub address: String,
    pub received: Arc<AtomicU64>,
    pub requests: Arc<Mutex<Vec<u8>>>,
}

impl Proxy {
    /// A proxy in front of `port`, on a free port of its own.
    pub fn start(port: u16) -> Proxy {
        Proxy::watching(port, |_| {})
    }

    /// A proxy in front of `port` that shows `watch` each piece of a request before passing it on.
    pub fn watching(port: u16, watch: impl Fn(&[u8]) + Send + Sync + 'static) -> Proxy {
        let watch = Arc::new(watch);
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let address = format!("http://{}", listener.local_addr().expect("its address"));
        let proxy = Proxy { address, received: Arc::default(), requests: Arc::default() };
        let (received, requests) = (proxy.received.clone(), proxy.requests.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(("127.0.0.1", port)) else { continue };
                let (client_in, server_out) =
                    (client.try_clone().expect("a socket"), server.try_clone().expect("a socket"));
                let (requests, watch) = (requests.clone(), watch.clone());
                std::thread::spawn(move || {
                    copy(client_in, server_out, |bytes| {
                        watch(bytes);
                        requests.lock().expect("a lock").extend_from_slice(bytes)
                    })
                });
                let received = received.clone();
                std::thread::spawn(move || {
                    copy(server, client, |bytes| received.fetch_add(bytes.len() as u64, Relaxed))
                });
            }
        });
        proxy
    }

    /// The requests sent through the proxy so far, as text.
    pub fn requests(&self) -> String {
        String::from_utf8_lossy(&self.requests.lock().expect("a lock")).into_owned()
    }
}

/// Copies `from` to `to` until either closes, showing `seen` each piece.
fn copy<T>(mut from: TcpStream, mut to: TcpStream, seen: impl Fn(&[u8]) -> T) {
    let mut buffer = vec![0; 64 << 10];
    while let Ok(n @ 1..) = from.read(&mut buffer) {
        seen(&buffer[..n]);
        if to.write_all(&buffer[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
}

/// A report without its timings, its locations written as the local run writes them.
pub fn as_local(run: &Run, url: &str) -> Value {
    assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET), "{}\n{}", run.stdout, run.stderr);
    let text = run.stdout.replace(url, "");
    let mut report: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr));
    strip_stats(&mut report);
    report
}

pub fn strip_stats(report: &mut Value) {
    if let Some(object) = report.as_object_mut() {
        object.remove("stats");
        for value in object.values_mut() {
            strip_stats(value);
        }
    } else if let Some(items) = report.as_array_mut() {
        items.iter_mut().for_each(strip_stats);
    }
}

pub fn local(args: &[&str]) -> Value {
    let run = recon(args);
    let mut report = run.json();
    strip_stats(&mut report);
    report
}

/// The orders fixture's report, read from this machine.
pub fn local_orders() -> Value {
    local(&["diff", "fixtures/orders/legacy.parquet", "fixtures/orders/new/", "--key", "order_id", "--format", "json"])
}

pub const ORDERS: [&str; 3] =
    ["fixtures/orders/legacy.parquet", "fixtures/orders/new/part-0.parquet", "fixtures/orders/new/part-1.parquet"];
pub const SHOP: [&str; 6] = [
    "fixtures/shop/exports/customers.csv",
    "fixtures/shop/exports/export_log.csv",
    "fixtures/shop/exports/order_lines/part-0.parquet",
    "fixtures/shop/exports/order_lines/part-1.parquet",
    "fixtures/shop/exports/orders.parquet",
    "fixtures/shop/exports/events.arrow",
];

#[test]
#[cfg_attr(not(recon_moto), ignore = "needs moto_server: pip install 'moto[server]', set RECON_TEST_MOTO=1")]
fn the_orders_diff_from_s3_is_the_local_one() {
    let moto = Moto::start(&[]);
    moto.upload(&ORDERS);
    let args = ["diff", "s3://recon/fixtures/orders/legacy.parquet", "s3://recon/fixtures/orders/new/"];
    let run = moto.recon(&[&args[..], &["--key", "order_id", "--format", "json"]].concat());
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = as_local(&run, "s3://recon/");
    assert_eq!(report["summary"]["matched"], 33);
    let expected = local_orders();
    assert_eq!(report, expected);
    // A glob of the target's parts reads the same rows.
    let glob = moto.recon(&[
        "diff",
        "s3://recon/fixtures/orders/legacy.parquet",
        "s3://recon/fixtures/orders/new/part-*.parquet",
        "--key",
        "order_id",
        "--format",
        "json",
    ]);
    assert_eq!(glob.json()["summary"], expected["summary"], "{}", glob.stderr);
}

#[test]
#[cfg_attr(not(recon_moto), ignore = "needs moto_server: pip install 'moto[server]', set RECON_TEST_MOTO=1")]
fn the_shop_audit_of_an_s3_prefix_is_the_local_one() {
    let moto = Moto::start(&[]);
    moto.upload(&SHOP);
    let run = moto.recon(&[
        "audit",
        "sqlite://fixtures/shop/legacy.db",
        "s3://recon/fixtures/shop/exports/",
        "--format",
        "json",
        "-q",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let expected =
        local(&["audit", "sqlite://fixtures/shop/legacy.db", "fixtures/shop/exports/", "--format", "json", "-q"]);
    assert_eq!(as_local(&run, "s3://recon/"), expected);
}

#[test]
#[cfg_attr(not(recon_moto), ignore = "needs moto_server: pip install 'moto[server]', set RECON_TEST_MOTO=1")]
fn a_config_file_gives_a_side_its_storage_settings_with_the_secret_from_the_environment() {
    let moto = Moto::start(&[]);
    moto.upload(&SHOP);
    let dir = crate::util::scratch();
    let config = dir.path().join("audit.toml");
    let text = format!(
        "[source]\nurl = \"sqlite://fixtures/shop/legacy.db\"\n\n[target]\nurl = \"s3://recon/fixtures/shop/exports/\"\n\n\
         [target.storage]\nendpoint = \"{}\"\nallow_http = \"true\"\nregion = \"us-east-1\"\n\
         access_key_id = \"test\"\nsecret_access_key = \"${{RECON_TEST_S3_SECRET}}\"\n",
        moto.endpoint()
    );
    std::fs::write(&config, text).expect("the config");
    let run = crate::util::recon_with(
        &["audit", crate::util::path(&config), "--format", "json", "-q"],
        &[("RECON_TEST_S3_SECRET", SECRET)],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let expected =
        local(&["audit", "sqlite://fixtures/shop/legacy.db", "fixtures/shop/exports/", "--format", "json", "-q"]);
    assert_eq!(as_local(&run, "s3://recon/")["summary"], expected["summary"]);
}

#[test]
#[cfg_attr(not(recon_moto), ignore = "needs moto_server: pip install 'moto[server]', set RECON_TEST_MOTO=1")]
fn a_file_over_http_is_read_with_ranged_gets() {
    let moto = Moto::start(&[]);
    moto.upload(&ORDERS);
    // moto serves a public object at its path-style URL: a server answering ranged GETs.
    let legacy = std::fs::read(root().join(ORDERS[0])).expect("the fixture");
    moto.put_unsigned(&format!("/{BUCKET}/public/legacy.parquet"), &legacy);
    let url = format!("{}/{BUCKET}/public/legacy.parquet", moto.endpoint());
    let args = ["diff", &url, "s3://recon/fixtures/orders/new/", "--key", "order_id", "--format", "json"];
    let plain = ["--source-storage-option", "allow_http=true"];
    let run = moto.recon_sides(&[&args[..], &plain].concat(), &["--target-storage-option"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = as_local(&run, "s3://recon/");
    assert_eq!(report["source"]["location"], url.as_str());
    let expected = local_orders();
    assert_eq!(report["summary"], expected["summary"]);
    assert_eq!(report["source"]["fingerprint"], expected["source"]["fingerprint"]);
}

#[test]
#[cfg_attr(not(recon_moto), ignore = "needs moto_server: pip install 'moto[server]', set RECON_TEST_MOTO=1")]
fn a_parquet_object_is_read_in_ranges_only_the_compared_columns_fetched() {
    let moto = Moto::start(&[]);
    let dir = crate::util::scratch();
    let rows = 20_000;
    let id = arrow::array::Int64Array::from_iter_values(0..rows);
    // Text that neither dictionaries nor compression shrink: 192 pseudo-random hex digits a row.
    let noise = |i: i64| {
        let mut x = i as u64;
        (0..12)
            .map(|_| {
                x = x.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29) ^ 0x5851_F42D;
                format!("{x:016x}")
            })
            .collect::<String>()
    };
    let wide = arrow::array::StringArray::from_iter_values((0..rows).map(noise));
    let batch = arrow::array::RecordBatch::try_from_iter([
        ("id", Arc::new(id) as arrow::array::ArrayRef),
        ("payload", Arc::new(wide) as arrow::array::ArrayRef),
    ])
    .expect("a batch");
    let file = dir.path().join("wide.parquet");
    crate::util::files::write_parquet(&file, &batch);
    let size = std::fs::metadata(&file).expect("the file").len();
    moto.put_unsigned(&format!("/{BUCKET}"), b"");
    moto.put_unsigned(&format!("/{BUCKET}/wide.parquet"), &std::fs::read(&file).expect("the file"));
    let proxy = Proxy::start(moto.port);
    let sides = ["--source-storage-option", "--target-storage-option"];
    let args = ["diff", "s3://recon/wide.parquet", "s3://recon/wide.parquet", "--key", "id", "--columns", "id"];
    let run = moto.recon_through(&proxy.address, &args, &sides);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Both sides read the footer and the key's column chunk; the payload's 4 MB stay in the store. Measured:
    // 400,024 bytes for the two reads of a 4,127,789-byte object (8,257,672 without --columns).
    let fetched = proxy.received.load(Relaxed);
    assert!(fetched < size / 4, "{fetched} bytes fetched for two reads of a {size}-byte object");
}

#[test]
#[cfg_attr(not(recon_moto), ignore = "needs moto_server: pip install 'moto[server]', set RECON_TEST_MOTO=1")]
fn a_missing_object_is_exit_2_naming_it() {
    let moto = Moto::start(&[]);
    moto.upload(&ORDERS[..1]);
    let run = moto.recon(&[
        "diff",
        "s3://recon/fixtures/orders/legacy.parquet",
        "s3://recon/fixtures/nowhere.parquet",
        "--key",
        "order_id",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("s3://recon/fixtures/nowhere.parquet"), "{}", run.stderr);
    assert!(!run.stderr.contains(SECRET), "{}", run.stderr);
    let run = moto.recon(&[
        "diff",
        "s3://nobucket/orders.parquet",
        "s3://recon/fixtures/orders/legacy.parquet",
        "--key",
        "order_id",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("s3://nobucket/orders.parquet: NoSuchBucket: "), "{}", run.stderr);
}

#[test]
#[cfg_attr(not(recon_moto), ignore = "needs moto_server: pip install 'moto[server]', set RECON_TEST_MOTO=1")]
fn refused_credentials_are_exit_2_naming_the_object_without_the_secret() {
    // With no unauthenticated actions allowed, moto checks every request's key against its IAM users: none.
    let moto = Moto::start(&[("INITIAL_NO_AUTH_ACTION_COUNT", "0")]);
    let run = moto.recon(&["diff", "s3://recon/orders.parquet", "s3://recon/new.parquet", "--key", "order_id"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("s3://recon/orders.parquet"), "{}", run.stderr);
    assert!(!run.stderr.contains(SECRET), "{}", run.stderr);
}

#[test]
#[cfg_attr(not(recon_moto), ignore = "needs moto_server: pip install 'moto[server]', set RECON_TEST_MOTO=1")]
fn an_endpoint_that_never_answers_is_exit_2_within_the_timeouts_given() {
    // Connections are accepted by the kernel and never answered.
    let silent = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let endpoint = format!("endpoint=http://{}", silent.local_addr().expect("its address"));
    let started = Instant::now();
    let mut args = vec!["diff", "s3://recon/orders.parquet", "fixtures/orders/legacy.parquet", "--key", "order_id"];
    for option in [&endpoint, "allow_http=true", "skip_signature=true", "timeout=1s", "max_retries=1"] {
        args.extend(["--source-storage-option", option]);
    }
    let run = recon(&args);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("s3://recon/orders.parquet"), "{}", run.stderr);
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
    drop(silent);
}

#[test]
fn an_unknown_storage_option_is_refused_by_name() {
    let run = recon(&[
        "diff",
        "s3://recon/a.parquet",
        "fixtures/orders/legacy.parquet",
        "--source-storage-option",
        "endpoint_urll=x",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("unknown storage option \"endpoint_urll\""), "{}", run.stderr);
}

#[test]
fn a_gcs_location_is_read_from_the_base_url_its_options_name() {
    // No GCS emulator here speaks the XML API object_store's client uses (README): a port nothing listens on
    // shows the request went where the options said, and failed as exit 2 naming the object.
    let port = free_port();
    let base_url = format!("base_url=http://127.0.0.1:{port}");
    let mut args = vec!["diff", "gs://recon/orders.parquet", "fixtures/orders/legacy.parquet", "--key", "order_id"];
    for option in [&base_url, "skip_signature=true", "allow_http=true", "max_retries=0"] {
        args.extend(["--source-storage-option", option]);
    }
    let run = recon(&args);
    assert_eq!(run.code, 2, "{}", run.stderr);
    // (storage.googleapis.com would have answered, or failed to resolve.)
    assert!(run.stderr.contains("gs://recon/orders.parquet: Connection refused"), "{}", run.stderr);
}

#[test]
#[cfg_attr(not(recon_moto), ignore = "needs moto_server: pip install 'moto[server]', set RECON_TEST_MOTO=1")]
fn an_object_replaced_after_it_was_listed_is_exit_2_naming_it_never_a_mixed_read() {
    let moto = Moto::start(&[]);
    moto.upload(&ORDERS);
    // The first GET of part-1 finds it replaced (by part-0's bytes, a valid Parquet file of other rows): the
    // proxy uploads them just before passing that request on, after the prefix was listed.
    let part = "/recon/fixtures/orders/new/part-1.parquet";
    let replaced = std::sync::Once::new();
    let (port, other) = (moto.port, std::fs::read(root().join(ORDERS[1])).expect("the fixture"));
    let proxy = Proxy::watching(moto.port, move |request| {
        if request.starts_with(format!("GET {part}").as_bytes()) {
            replaced.call_once(|| put_public(port, part, &other));
        }
    });
    let args = ["diff", "s3://recon/fixtures/orders/legacy.parquet", "s3://recon/fixtures/orders/new/"];
    let run = moto.recon_through(
        &proxy.address,
        &[&args[..], &["--key", "order_id"]].concat(),
        &["--source-storage-option", "--target-storage-option"],
    );
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("s3://recon/fixtures/orders/new/part-1.parquet: the object was replaced while recon read it"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(proxy.requests().contains("If-Match: ") || proxy.requests().contains("if-match: "));
}

#[test]
#[cfg_attr(not(recon_moto), ignore = "needs moto_server: pip install 'moto[server]', set RECON_TEST_MOTO=1")]
fn a_truncated_object_is_exit_2_naming_it_without_a_report() {
    let moto = Moto::start(&[]);
    moto.upload(&ORDERS);
    let whole = std::fs::read(root().join(ORDERS[0])).expect("the fixture");
    moto.put_unsigned("/recon/cut/legacy.parquet", &whole[..whole.len() * 2 / 3]);
    let run =
        moto.recon(&["diff", "s3://recon/cut/legacy.parquet", "s3://recon/fixtures/orders/new/", "--key", "order_id"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("s3://recon/cut/legacy.parquet: "), "{}", run.stderr);
    assert!(run.stdout.is_empty() && !run.stderr.contains(SECRET), "{}", run.stdout);
}
