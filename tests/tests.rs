//! recon's integration tests, one binary: the bundled fixtures' exact reports, outputs, bad input, and the
//! property that recon recovers exactly the defects injected into random tables.

mod bad_input;
mod csv_parts;
mod databases;
mod explain;
mod fixtures;
mod keys;
mod outputs;
mod policy;
mod property;
mod sampling;
mod types;
mod util;
