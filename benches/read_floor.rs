//! The floor under `recon diff` on a pair of files: pass one's reading alone (recon's own scan units,
//! decoded to Arrow and dropped, both sides at once on the same threads), without canonicalising, hashing,
//! comparing or reading back. `benches/compare.sh` prints it beside recon and DuckDB, so the share of the
//! time that is Parquet decoding, which no change to recon's own work removes, is measured, not guessed.
//!
//! Usage: `cargo bench --bench read_floor -- SOURCE TARGET` (prints one JSON line: seconds, rows).

use rayon::prelude::*;
use recon::location::Location;
use recon::source::{Dataset, OpenOptions};

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("read_floor: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    // `cargo bench` passes `--bench` to every bench binary: only the locations are ours.
    let locations: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    if locations.len() != 2 {
        return Err("usage: cargo bench --bench read_floor -- SOURCE TARGET".into());
    }
    let started = std::time::Instant::now();
    let mut units = Vec::new();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    for location in &locations {
        let dataset = Dataset::open(&Location::parse(location)?, &OpenOptions::default(), runtime.handle())?;
        let projection: Vec<usize> = (0..dataset.schema.fields().len()).collect();
        units.extend(dataset.scan_units(&projection)?);
    }
    let rows = units.into_par_iter().try_fold(
        || 0u64,
        |rows, unit| unit.open()?.try_fold(rows, |rows, batch| batch.map(|b| rows + b.num_rows() as u64)),
    );
    let rows: u64 = rows.try_reduce(|| 0, |a, b| Ok(a + b))?;
    println!(r#"{{"seconds": {:.3}, "rows": {rows}}}"#, started.elapsed().as_secs_f64());
    Ok(())
}
