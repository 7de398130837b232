//! recon's integration tests, one binary: the bundled fixtures' exact reports, outputs, bad input, and the
//! property that recon recovers exactly the defects injected into random tables.

mod audit;
mod aws_profiles;
mod azure_blob;
mod bad_input;
mod catalog;
#[cfg(feature = "cluster")]
mod cluster;
mod compressed;
mod connecting;
mod csv_parts;
mod databases;
mod disk_full;
mod drift;
mod evidence;
mod explain;
mod fixtures;
mod fuzz;
mod gcs;
mod help;
mod history;
mod jsonl;
mod keys;
mod lakehouse;
mod layers;
mod mistakes;
mod nested;
mod object_stores;
#[cfg(feature = "odbc")]
mod odbc;
mod outputs;
mod parallel_reads;
mod partitions;
mod policy;
mod profile;
mod property;
mod pushdown;
mod recheck;
mod repair;
mod reports;
mod retries;
mod sampling;
mod secrets;
mod signals;
mod strategy;
mod terminal;
mod types;
mod util;
