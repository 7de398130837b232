//! Azure Blob Storage: the bundled fixtures read from a real Azure emulator (`azurite-blob`, started here on a
//! free port) give exactly the reports the local files give, as one object, a prefix, a glob and an audited
//! prefix; a missing container and a wrong account key are exit 2 naming the object, the key never shown.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use base64::Engine;
use hmac::{Hmac, Mac};
use object_store::azure::MicrosoftAzureBuilder;
use object_store::path::Path as StorePath;
use object_store::ObjectStoreExt;

use crate::object_stores::{as_local, local, local_orders, ORDERS, SHOP};
use crate::util::servers::{free_port, wait_for_port};
use crate::util::{root, Run};

/// Azurite's one account and its published key (the emulator's, no secret; recon still must not show it).
const ACCOUNT: &str = "devstoreaccount1";
const KEY: &str = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const CONTAINER: &str = "recon";

/// An `azurite-blob` on a free port, keeping its blobs in memory, stopped when dropped.
struct Azurite {
    child: Child,
    port: u16,
}

impl Drop for Azurite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Azurite {
    /// Starts `azurite-blob` (`npm install -g azurite@3`): the tests run only where the build was told it is
    /// there (RECON_TEST_AZURITE, or CI=true), so one that cannot start fails.
    fn start() -> Azurite {
        let port = free_port();
        let spawned = Command::new("azurite-blob")
            .args(["--blobHost", "127.0.0.1", "--blobPort", &port.to_string()])
            .args(["--inMemoryPersistence", "--silent", "--disableTelemetry", "--skipApiVersionCheck"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = spawned.unwrap_or_else(|e| panic!("azurite-blob could not run (npm install -g azurite@3): {e}"));
        let azurite = Azurite { child, port };
        wait_for_port("azurite-blob", port);
        azurite
    }

    /// The account's URL, path-style as the emulator serves it.
    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/{ACCOUNT}", self.port)
    }

    /// Makes the container (object_store makes none: a request signed with the account key by hand) and
    /// uploads `files` (paths from the repository root) under keys equal to those paths.
    fn upload(&self, files: &[&str]) {
        self.create_container();
        let store = MicrosoftAzureBuilder::new()
            .with_account(ACCOUNT)
            .with_access_key(KEY)
            .with_container_name(CONTAINER)
            .with_endpoint(self.endpoint())
            .with_allow_http(true)
            .build()
            .expect("an Azure client");
        let runtime = tokio::runtime::Runtime::new().expect("a runtime");
        for file in files {
            let bytes = std::fs::read(root().join(file)).expect("a fixture");
            runtime.block_on(store.put(&StorePath::from(*file), bytes.into())).expect("upload");
        }
    }

    /// `PUT /account/container?restype=container` with a Shared Key signature.
    fn create_container(&self) {
        let date = chrono::Utc::now().format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let version = "2021-08-06";
        let signed = format!(
            "PUT\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:{date}\nx-ms-version:{version}\n/{ACCOUNT}/{ACCOUNT}/{CONTAINER}\nrestype:container"
        );
        let key = base64::engine::general_purpose::STANDARD.decode(KEY).expect("the key");
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).expect("a MAC");
        mac.update(signed.as_bytes());
        let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to azurite");
        let head = format!(
            "PUT /{ACCOUNT}/{CONTAINER}?restype=container HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nx-ms-date: {date}\r\n\
             x-ms-version: {version}\r\nAuthorization: SharedKey {ACCOUNT}:{signature}\r\nContent-Length: 0\r\n\
             Connection: close\r\n\r\n",
            self.port
        );
        stream.write_all(head.as_bytes()).expect("put");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("azurite's answer");
        assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    }

    /// `recon ARGS` with this emulator's endpoint and `key` as the storage options of both sides.
    fn recon_with_key(&self, args: &[&str], key: &str) -> Run {
        let endpoint = format!("endpoint={}", self.endpoint());
        let key = format!("access_key={key}");
        let account = format!("account_name={ACCOUNT}");
        let mut all: Vec<&str> = args.to_vec();
        for side in ["--source-storage-option", "--target-storage-option"] {
            for option in [endpoint.as_str(), "allow_http=true", &account, &key] {
                all.extend([side, option]);
            }
        }
        crate::util::recon(&all)
    }

    fn recon(&self, args: &[&str]) -> Run {
        self.recon_with_key(args, KEY)
    }
}

fn without_key(run: &Run) -> &Run {
    assert!(!run.stdout.contains(KEY) && !run.stderr.contains(KEY), "{}\n{}", run.stdout, run.stderr);
    run
}

#[test]
#[cfg_attr(not(recon_azurite), ignore = "needs azurite-blob: npm install -g azurite@3, set RECON_TEST_AZURITE=1")]
fn the_orders_diff_from_azure_is_the_local_one_as_an_object_a_prefix_a_glob_and_an_adls_url() {
    let azurite = Azurite::start();
    azurite.upload(&ORDERS);
    let expected = local_orders();
    // ADLS Gen2's form names the account in the URL.
    let adls = "abfss://recon@devstoreaccount1.dfs.core.windows.net/";
    let targets = ["az://recon/fixtures/orders/new/", "az://recon/fixtures/orders/new/part-*.parquet"];
    for target in targets.into_iter().chain([format!("{adls}fixtures/orders/new/").as_str()]) {
        let args = ["diff", "az://recon/fixtures/orders/legacy.parquet", target, "--key", "order_id"];
        let mut run = azurite.recon(&[&args[..], &["--format", "json"]].concat());
        assert_eq!(run.code, 1, "{}", run.stderr);
        run.stdout = run.stdout.replace(adls, "az://recon/");
        let mut report = as_local(without_key(&run), "az://recon/");
        // The target's location is the glob or prefix as written; the local run's is the directory.
        report["target"]["location"] = expected["target"]["location"].clone();
        assert_eq!(report, expected);
    }
}

#[test]
#[cfg_attr(not(recon_azurite), ignore = "needs azurite-blob: npm install -g azurite@3, set RECON_TEST_AZURITE=1")]
fn the_shop_audit_of_an_azure_prefix_is_the_local_one() {
    let azurite = Azurite::start();
    azurite.upload(&SHOP);
    let args = ["audit", "sqlite://fixtures/shop/legacy.db", "az://recon/fixtures/shop/exports/", "--format", "json"];
    let run = azurite.recon(&[&args[..], &["-q"]].concat());
    assert_eq!(run.code, 1, "{}", run.stderr);
    let expected =
        local(&["audit", "sqlite://fixtures/shop/legacy.db", "fixtures/shop/exports/", "--format", "json", "-q"]);
    assert_eq!(as_local(without_key(&run), "az://recon/"), expected);
}

#[test]
#[cfg_attr(not(recon_azurite), ignore = "needs azurite-blob: npm install -g azurite@3, set RECON_TEST_AZURITE=1")]
fn a_missing_container_or_blob_and_a_wrong_key_are_exit_2_naming_the_object() {
    let azurite = Azurite::start();
    azurite.upload(&ORDERS[..1]);
    let legacy = "az://recon/fixtures/orders/legacy.parquet";
    for missing in ["az://recon/fixtures/nowhere.parquet", "az://nocontainer/orders.parquet"] {
        let run = azurite.recon(&["diff", legacy, missing, "--key", "order_id"]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(without_key(&run).stderr.contains(missing), "{}", run.stderr);
    }
    // Another key of the right form: the emulator refuses the signature.
    let wrong = base64::engine::general_purpose::STANDARD.encode([7u8; 64]);
    let run = azurite.recon_with_key(&["diff", legacy, legacy, "--key", "order_id"], &wrong);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(legacy), "{}", run.stderr);
    assert!(!run.stderr.contains(&wrong) && !run.stdout.contains(&wrong), "{}", run.stderr);
}

#[test]
#[cfg_attr(not(recon_azurite), ignore = "needs azurite-blob: npm install -g azurite@3, set RECON_TEST_AZURITE=1")]
fn the_standard_azure_environment_variables_give_the_account_and_its_key() {
    let azurite = Azurite::start();
    azurite.upload(&ORDERS);
    let endpoint = azurite.endpoint();
    let env = [
        ("AZURE_STORAGE_ACCOUNT_NAME", ACCOUNT),
        ("AZURE_STORAGE_ACCOUNT_KEY", KEY),
        ("AZURE_STORAGE_ENDPOINT", endpoint.as_str()),
        ("AZURE_ALLOW_HTTP", "true"),
    ];
    let args =
        ["diff", "az://recon/fixtures/orders/legacy.parquet", "az://recon/fixtures/orders/new/", "--key", "order_id"];
    let run = crate::util::recon_with(&[&args[..], &["--format", "json"]].concat(), &env);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(without_key(&run).json()["summary"], local_orders()["summary"]);
}
