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

/// A proxy in front of a server on this machine: what clients sent it (their requests, per connection) and how
/// many bytes the server sent back.
pub struct Proxy {
    pub address: String,
    pub received: Arc<AtomicU64>,
    connections: Arc<Mutex<Vec<Vec<u8>>>>,
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
        let proxy = Proxy { address, received: Arc::default(), connections: Arc::default() };
        let (received, connections) = (proxy.received.clone(), proxy.connections.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(("127.0.0.1", port)) else { continue };
                let (client_in, server_out) =
                    (client.try_clone().expect("a socket"), server.try_clone().expect("a socket"));
                let (connections, watch) = (connections.clone(), watch.clone());
                let connection = {
                    let mut all = connections.lock().expect("a lock");
                    all.push(Vec::new());
                    all.len() - 1
                };
                std::thread::spawn(move || {
                    copy(client_in, server_out, |bytes| {
                        watch(bytes);
                        connections.lock().expect("a lock")[connection].extend_from_slice(bytes)
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

    /// The requests sent through the proxy so far, as text, a connection's after another's.
    pub fn requests(&self) -> String {
        let connections = self.connections.lock().expect("a lock");
        connections.iter().map(|c| String::from_utf8_lossy(c).into_owned()).collect()
    }

    /// The byte ranges GET requests asked of the object at `path` (as the request line writes it), in the
    /// order each connection sent them. A GET of `path` without a `Range` header fails the test.
    pub fn ranges(&self, path: &str) -> Vec<std::ops::Range<u64>> {
        let connections = self.connections.lock().expect("a lock");
        let mut ranges = Vec::new();
        for connection in connections.iter() {
            // recon's requests have no bodies: each ends at its blank line.
            for head in String::from_utf8_lossy(connection).split("\r\n\r\n").filter(|h| !h.is_empty()) {
                if !head.starts_with(&format!("GET {path} ")) {
                    continue;
                }
                let range =
                    head.lines().find_map(|l| l.to_ascii_lowercase().strip_prefix("range: bytes=").map(str::to_string));
                let range = range.unwrap_or_else(|| panic!("a GET of the whole object: {head}"));
                let (first, last) = range.split_once('-').expect("bytes=FIRST-LAST");
                ranges.push(first.parse().expect("a number")..last.parse::<u64>().expect("a number") + 1);
            }
        }
        ranges
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

/// A Parquet file of 40,000 rows in 4 row groups of 10 pages each: `id` (0…), `payload` (text that neither
/// dictionaries nor compression shrink, 48 pseudo-random hex digits a row: 480 KB a row group, more than the
/// 64 KiB gap recon fetches across, less than `object_store`'s 1 MB) and `c` (7 × id, but `changed` when given,
/// at row 25,123: row group 2, its page 5).
fn paged_parquet(path: &std::path::Path, changed: Option<i64>) {
    let rows = 40_000;
    let noise = |i: i64| {
        let mut x = i as u64;
        (0..3)
            .map(|_| {
                x = x.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29) ^ 0x5851_F42D;
                format!("{x:016x}")
            })
            .collect::<String>()
    };
    let c = (0..rows).map(|i| if i == 25_123 { changed.unwrap_or(7 * i) } else { 7 * i });
    let batch = arrow::array::RecordBatch::try_from_iter([
        ("id", Arc::new(arrow::array::Int64Array::from_iter_values(0..rows)) as arrow::array::ArrayRef),
        ("payload", Arc::new(arrow::array::StringArray::from_iter_values((0..rows).map(noise))) as _),
        ("c", Arc::new(arrow::array::Int64Array::from_iter_values(c)) as _),
    ])
    .expect("a batch");
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(10_000))
        .set_data_page_row_count_limit(1_000)
        .set_write_batch_size(1_000)
        .build();
    let file = std::fs::File::create(path).expect("the file");
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(properties)).expect("a writer");
    writer.write(&batch).expect("written");
    writer.close().expect("closed");
}

/// How many times each byte of the Parquet file at `path` should be fetched by a diff comparing columns 0 and 2
/// whose row 25,123 differs: every byte of those columns' chunks once (pass one), and unless pass one `kept`
/// them, again the page holding that row and the dictionary before the chunk's first page (the re-read of the
/// differing row), with the pages between them when they are near; nothing of column 1. `None` for the bytes
/// outside the column chunks (the magic, the offset index, the footer), which are fetched at most once.
fn expected_fetches(path: &std::path::Path, kept: bool) -> Vec<Option<u8>> {
    use parquet::file::reader::FileReader;
    let options = parquet::file::serialized_reader::ReadOptionsBuilder::new().with_page_index().build();
    let file = std::fs::File::open(path).expect("the file");
    let reader = parquet::file::serialized_reader::SerializedFileReader::new_with_options(file, options)
        .expect("a Parquet file");
    let metadata = reader.metadata();
    let mut expected = vec![None; std::fs::metadata(path).expect("the file").len() as usize];
    let mut first_row = 0;
    for (group, row_group) in metadata.row_groups().iter().enumerate() {
        for column in 0..3 {
            let (start, length) = row_group.column(column).byte_range();
            let wanted = u8::from(column != 1);
            expected[start as usize..(start + length) as usize].fill(Some(wanted));
            let row = 25_123 - first_row;
            if kept || column == 1 || !(0..row_group.num_rows()).contains(&row) {
                continue;
            }
            let pages = metadata.offset_index().expect("an offset index")[group][column].page_locations();
            let dictionary = start as usize..pages[0].offset as usize;
            let page = pages.iter().rev().find(|p| p.first_row_index <= row).expect("the row's page");
            let page = page.offset as usize..page.offset as usize + page.compressed_page_size as usize;
            // Ranges at most 64 KiB apart are fetched in one request (README "Bytes fetched"): here the pages
            // between the dictionary and the row's (7 KB).
            let between = if page.start - dictionary.end <= 64 << 10 { dictionary.end..page.start } else { 0..0 };
            for byte in dictionary.chain(between).chain(page) {
                expected[byte] = Some(2);
            }
        }
        first_row += row_group.num_rows();
    }
    expected
}

#[test]
#[cfg_attr(not(recon_moto), ignore = "needs moto_server: pip install 'moto[server]', set RECON_TEST_MOTO=1")]
fn each_compared_column_chunk_is_fetched_once_and_a_differing_row_again_only_where_not_kept() {
    let moto = Moto::start(&[]);
    let dir = crate::util::scratch();
    moto.put_unsigned(&format!("/{BUCKET}"), b"");
    for (name, changed) in [("legacy.parquet", None), ("new.parquet", Some(-1))] {
        let file = dir.path().join(name);
        paged_parquet(&file, changed);
        moto.put_unsigned(&format!("/{BUCKET}/{name}"), &std::fs::read(&file).expect("the file"));
    }
    // Pass one keeps what it fetched for the re-read of the differing row; with 1 MB of memory, 64 KB a side
    // may be kept, less than a row group's two column chunks, so the re-read fetches the row's page again.
    for (memory, kept) in [(None, true), (Some("1MB"), false)] {
        let proxy = Proxy::start(moto.port);
        let sides = ["--source-storage-option", "--target-storage-option"];
        let args = ["diff", "s3://recon/legacy.parquet", "s3://recon/new.parquet", "--key", "id", "--columns", "id,c"];
        let limit = memory.map(|m| vec!["--memory-limit", m]).unwrap_or_default();
        let run = moto.recon_through(&proxy.address, &[&args[..], &["--format", "json"], &limit].concat(), &sides);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert_eq!(run.json()["summary"]["mismatched"], 1, "{}", run.stdout);
        fetched_as_expected(&proxy, dir.path(), kept);
    }
}

/// Counted per byte of each object from the Range headers recon sent, every byte as [`expected_fetches`] says.
/// Before, pass one fetched column 1's bytes with the others (ranges up to 1 MB apart were joined), and the
/// re-read fetched whole row groups.
fn fetched_as_expected(proxy: &Proxy, dir: &std::path::Path, kept: bool) {
    for name in ["legacy.parquet", "new.parquet"] {
        let expected = expected_fetches(&dir.join(name), kept);
        let mut fetched = vec![0u8; expected.len()];
        for range in proxy.ranges(&format!("/{BUCKET}/{name}")) {
            fetched[range.start as usize..range.end as usize].iter_mut().for_each(|n| *n += 1);
        }
        let wrong = fetched.iter().zip(&expected).enumerate().find(|(_, (got, want))| match want {
            Some(want) => *got != want,
            None => **got > 1,
        });
        if let Some((byte, (got, want))) = wrong {
            panic!("{name}: byte {byte} fetched {got} times, expected {want:?} (kept: {kept})");
        }
    }
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

/// A server that answers every request `503 Service Unavailable` (a store shedding load), on a free port: its
/// address, and how many requests it has answered.
fn unavailable_store() -> (String, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let address = format!("http://{}", listener.local_addr().expect("its address"));
    let answered = Arc::new(AtomicU64::new(0));
    let counter = answered.clone();
    std::thread::spawn(move || {
        for mut client in listener.incoming().flatten() {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && client.read(&mut byte).is_ok_and(|n| n == 1) {
                head.push(byte[0]);
            }
            counter.fetch_add(1, Relaxed);
            let _ =
                client.write_all(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    (address, answered)
}

#[test]
fn a_failing_request_is_retried_as_many_times_as_max_retries_says_with_the_backoff_given() {
    let (address, answered) = unavailable_store();
    let endpoint = format!("endpoint={address}");
    let object = "s3://recon/orders.parquet";
    for (retries, requests) in [("0", 1), ("3", 4)] {
        let before = answered.load(Relaxed);
        let retries = format!("max_retries={retries}");
        let mut args = vec!["diff", object, "fixtures/orders/legacy.parquet", "--key", "order_id"];
        let options = [&endpoint, "allow_http=true", "skip_signature=true", &retries, "init_backoff=10ms"];
        for option in options.into_iter().chain(["max_backoff=50ms", "backoff_base=1.5", "retry_timeout=1min"]) {
            args.extend(["--source-storage-option", option]);
        }
        let run = recon(&args);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains(object), "{}", run.stderr);
        // The first request (a HEAD of the object) and its retries, then recon stops.
        assert_eq!(answered.load(Relaxed) - before, requests, "{retries}: {}", run.stderr);
    }
}

#[test]
fn a_retry_setting_that_does_not_parse_is_refused_by_name() {
    for (option, said) in [
        ("max_retries=many", "max_retries=many: expected a whole number"),
        ("init_backoff=soon", "init_backoff=soon: expected a duration"),
        ("retry_timeout=-1s", "retry_timeout=-1s: expected a duration"),
        ("backoff_base=0.5", "backoff_base=0.5: expected a number of at least 1"),
    ] {
        let args =
            ["diff", "s3://recon/a.parquet", "fixtures/orders/legacy.parquet", "--source-storage-option", option];
        let run = recon(&args);
        assert_eq!(run.code, 2, "{option}: {}", run.stderr);
        assert!(run.stderr.contains(said), "{option}: {}", run.stderr);
    }
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
