//! recon's integration tests, one binary: the bundled fixtures' exact reports, outputs, bad input, and the
//! property that recon recovers exactly the defects injected into random tables.

mod audit;
mod bad_input;
mod catalog;
mod csv_parts;
mod databases;
mod drift;
mod explain;
mod fixtures;
mod keys;
mod layers;
mod outputs;
mod policy;
mod property;
mod reports;
mod sampling;
mod terminal;
mod types;
mod util;
