//! Object stores reached over the network — S3 and S3-compatible stores (`s3://bucket/key`), Google Cloud
//! Storage (`gs://`), Azure Blob Storage and ADLS Gen2 (`az://`, `abfss://`), and one file served over HTTP(S)
//! (`https://host/path`) — as `object_store` builds them from the provider's standard environment variables
//! (`AWS_*` and the AWS CLI's static-key profiles, `GOOGLE_*`, `AZURE_*`) and the side's storage options (`endpoint`, `region`, `allow_http`,
//! credentials…). Every read is a ranged GET, conditional on the ETag the object had when first seen
//! ([`Pinned`]); names in messages are the URL the user wrote.

use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::azure::{AzureConfigKey, MicrosoftAzureBuilder};
use object_store::gcp::{GoogleCloudStorageBuilder, GoogleConfigKey};
use object_store::http::HttpBuilder;
use object_store::path::Path as StorePath;
use object_store::{ClientConfigKey, ObjectStore, ObjectStoreExt, RetryConfig};

use super::pinned::Pinned;
use super::{aws_profile, error, Dir, Kind, Place, Storage, StoreFile};
use crate::error::{Error, Result};
use crate::location::Store;

/// Opens `store` with `options` (`KEY=VALUE` pairs as the user gave them) over the provider's standard
/// environment variables; an unknown key is refused by name.
pub(super) fn open(store: &Store, options: &[(String, String)]) -> Result<Storage> {
    let retry = retry(options)?;
    let (opened, prefix): (Arc<dyn ObjectStore>, String) = match store {
        Store::S3 { bucket } => {
            let prefix = format!("s3://{bucket}/");
            let profile = aws_profile::settings(options)?;
            let builder = profile.into_iter().fold(
                AmazonS3Builder::from_env().with_bucket_name(bucket).with_retry(retry),
                |builder, (key, value)| builder.with_config(key, value),
            );
            let builder = configured(builder, options, |b, key: AmazonS3ConfigKey, value| b.with_config(key, value))?;
            (Arc::new(builder.build().map_err(|e| error(&prefix, e))?), prefix)
        }
        Store::Gcs { bucket } => {
            let prefix = format!("gs://{bucket}/");
            let builder = GoogleCloudStorageBuilder::from_env().with_bucket_name(bucket).with_retry(retry);
            let builder = configured(builder, options, |b, key: GoogleConfigKey, value| b.with_config(key, value))?;
            (Arc::new(builder.build().map_err(|e| error(&prefix, e))?), prefix)
        }
        Store::Azure { container, account } => {
            let mut builder = MicrosoftAzureBuilder::from_env().with_container_name(container).with_retry(retry);
            let prefix = match account {
                Some(account) => {
                    builder = builder.with_account(account);
                    format!("abfss://{container}@{account}.dfs.core.windows.net/")
                }
                None => format!("az://{container}/"),
            };
            let builder = configured(builder, options, |b, key: AzureConfigKey, value| b.with_config(key, value))?;
            (Arc::new(builder.build().map_err(|e| error(&prefix, e))?), prefix)
        }
        Store::Http { origin } => {
            let builder = HttpBuilder::new().with_url(origin).with_retry(retry);
            let builder = configured(builder, options, |b, key: ClientConfigKey, value| b.with_config(key, value))?;
            (Arc::new(builder.build().map_err(|e| error(origin, e))?), format!("{origin}/"))
        }
        Store::Local => return Err(Error::internal("files on this machine are opened by storage::local")),
    };
    let store = Arc::new(Pinned::new(opened));
    Ok(Storage { store, kind: Kind::Remote { prefix, runtime: runtime()? } })
}

/// `builder` given each of `options` but recon's own (the retries'), through `with`; a key the store's
/// configuration does not know (`K`, parsed lower-case) is refused by name.
fn configured<B, K: FromStr>(builder: B, options: &[(String, String)], with: impl Fn(B, K, &str) -> B) -> Result<B> {
    options.iter().filter(|(key, _)| !is_retry(key)).try_fold(builder, |builder, (key, value)| {
        let parsed = K::from_str(&key.to_ascii_lowercase()).map_err(|_| unknown(key))?;
        Ok(with(builder, parsed, value))
    })
}

/// recon's own keys, for `object_store`'s retries of a failed request: `max_retries` (how many times it is
/// tried again), `retry_timeout` (how long after its first try it may still be retried), `init_backoff` (the
/// first wait between tries), `max_backoff` (the longest wait) and `backoff_base` (what each wait is
/// multiplied by, at most, for the next). Durations as `timeout` takes them (`30s`, `500ms`, `2min`), or seconds.
const RETRY_KEYS: [&str; 5] = ["max_retries", "retry_timeout", "init_backoff", "max_backoff", "backoff_base"];

fn is_retry(key: &str) -> bool {
    RETRY_KEYS.contains(&key.to_ascii_lowercase().as_str())
}

/// How failed requests are retried: `object_store`'s defaults (10 retries within 3 minutes, waits from 100 ms
/// doubling up to 15 s) unless the options say otherwise.
fn retry(options: &[(String, String)]) -> Result<RetryConfig> {
    let mut retry = RetryConfig::default();
    for (key, value) in options.iter().filter(|(key, _)| is_retry(key)) {
        let bad = |expected: &str| {
            Error::setting(
                "--source-storage-option/--target-storage-option",
                format!("{key}={value}: expected {expected}"),
            )
        };
        // A bare number is seconds, as `retry_timeout` took it before it took units.
        let duration = || match value.trim().parse::<u64>() {
            Ok(seconds) => Ok(std::time::Duration::from_secs(seconds)),
            Err(_) => humantime::parse_duration(value.trim()).map_err(|_| bad("a duration (30s, 500ms, 2min)")),
        };
        match key.to_ascii_lowercase().as_str() {
            "max_retries" => retry.max_retries = value.trim().parse().map_err(|_| bad("a whole number"))?,
            "retry_timeout" => retry.retry_timeout = duration()?,
            "init_backoff" => retry.backoff.init_backoff = duration()?,
            "max_backoff" => retry.backoff.max_backoff = duration()?,
            _ => {
                let base = value.trim().parse::<f64>().ok().filter(|base| *base >= 1.0 && base.is_finite());
                retry.backoff.base = base.ok_or_else(|| bad("a number of at least 1"))?;
            }
        }
    }
    Ok(retry)
}

fn unknown(key: &str) -> Error {
    Error::setting(
        "--source-storage-option/--target-storage-option",
        format!("unknown storage option {key:?} for this store (e.g. endpoint, region, allow_http, access_key_id, secret_access_key for S3; service_account, base_url for GCS; account_name, access_key, sas_token for Azure; timeout, connect_timeout, max_retries, retry_timeout, init_backoff, max_backoff, backoff_base for any)"),
    )
}

/// The key of `name` (a URL as written, or a key already) in the store whose names start with `prefix`.
fn key<'a>(prefix: &str, name: &'a str) -> &'a str {
    name.strip_prefix(prefix).unwrap_or(name)
}

/// An object, or a prefix holding objects; a key that is neither is an error naming it.
pub(super) fn place(storage: &Storage, prefix: &str, name: &str) -> Result<Place> {
    let key = key(prefix, name);
    if key.is_empty() || key.ends_with('/') {
        return Ok(Place::Dir(dir(prefix, name)));
    }
    let shown = format!("{prefix}{key}");
    let path = StorePath::from(key);
    match storage.wait(storage.store.head(&path)) {
        Ok(meta) => return Ok(Place::File(StoreFile { path, name: shown, size: meta.size })),
        Err(object_store::Error::NotFound { .. }) => {}
        Err(e) => return Err(error(&shown, e)),
    }
    let listed = storage.wait(storage.store.list_with_delimiter(Some(&path))).map_err(|e| error(&shown, e))?;
    if listed.objects.is_empty() && listed.common_prefixes.is_empty() {
        return Err(Error::input(shown, "no such object or prefix"));
    }
    Ok(Place::Dir(dir(prefix, name)))
}

/// The prefix `name` names, written with its trailing `/`.
pub(super) fn dir(prefix: &str, name: &str) -> Dir {
    let key = key(prefix, name).trim_end_matches('/');
    let name = if key.is_empty() { prefix.to_string() } else { format!("{prefix}{key}/") };
    Dir { path: StorePath::from(key), name }
}

/// The runtime network stores' requests run on: their I/O is driven by its threads while the reader's thread
/// waits for the answer.
fn runtime() -> Result<&'static tokio::runtime::Runtime> {
    static RUNTIME: OnceLock<std::io::Result<tokio::runtime::Runtime>> = OnceLock::new();
    let built = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_name("recon-store").enable_all().build()
    });
    built.as_ref().map_err(|e| Error::internal(format!("cannot start the object stores' runtime: {e}")))
}
