//! What history knows of a table before a run: its latest run, whether that run's findings are comparable
//! with this one's, the findings still open (and their keys, to read them again), and where the latest
//! complete run left off.

use chrono::{DateTime, Utc};

use super::identity::Identity;
use super::keys::{column_types, key_arrays, key_hashes};
use super::{History, LatestRun, OpenFinding};
use crate::error::{Error, Result};
use crate::side::Sides;
use crate::source::keyset::{KeyHashes, KeyRows};
use crate::spec::SpecChange;

/// What history knows of the table before this run.
#[derive(Default)]
pub struct Past {
    pub latest: Option<LatestRun>,
    /// The latest run had the same key form: its findings can be matched with this run's.
    pub comparable: bool,
    pub spec_changed: Option<SpecChange>,
    pub open: Vec<OpenFinding>,
    /// Where the latest complete run leaves off, per side.
    pub complete: Option<Sides<DateTime<Utc>>>,
}

impl Past {
    /// What `history` holds of the table kept under `name`, for a run of `identity`.
    pub fn load(history: &mut History, name: &str, identity: &Identity) -> Result<Past> {
        let Some(latest) = history.latest_run(name)? else { return Ok(Past::default()) };
        let spec_changed = identity.change_since(&latest.identity);
        let comparable = spec_changed != Some(SpecChange::Key);
        let open = history.open_findings(name)?;
        let complete = match history.complete_before(name)? {
            Some((_, instants)) if comparable => {
                let parse = |t: &String| {
                    DateTime::parse_from_rfc3339(t)
                        .map(|t| t.to_utc())
                        .map_err(|e| Error::input(history.path().display().to_string(), format!("run time {t:?}: {e}")))
                };
                Some(Sides::new(parse(&instants.source)?, parse(&instants.target)?))
            }
            _ => None,
        };
        Ok(Past { latest: Some(latest), comparable, spec_changed, open, complete })
    }

    /// The open findings' keys as canonical arrays, to read them again; and the stored hashes of keys whose
    /// values do not hash back to them (never taken as resolved).
    pub fn open_keys(&self, keyless: bool) -> Result<(KeyRows, KeyHashes)> {
        let (Some(latest), true) = (&self.latest, self.comparable) else { return Ok(Default::default()) };
        if self.open.is_empty() {
            return Ok(Default::default());
        }
        let types = column_types(&latest.key_columns)?;
        let mut seen = KeyHashes::default();
        let open: Vec<&OpenFinding> = self.open.iter().filter(|f| seen.insert(f.key_hash)).collect();
        let texts: Vec<&str> = open.iter().map(|f| f.key.as_str()).collect();
        let arrays = key_arrays(&texts, &types)?;
        let hashes = key_hashes(&arrays, keyless)?;
        let mut unreadable = KeyHashes::default();
        for (finding, hash) in open.iter().zip(&hashes) {
            if *hash != Some(finding.key_hash) {
                tracing::warn!("history key {} does not hash as it was kept: left open, not read again", finding.key);
                unreadable.insert(finding.key_hash);
            }
        }
        let rows = KeyRows { hashes: hashes.iter().map(|h| h.unwrap_or(0)).collect(), arrays };
        Ok((rows.filter(|h| !unreadable.contains(&h))?, unreadable))
    }
}
