//! Each kind of option tried on a column's differing pairs is a small type behind one trait, in the manner of
//! DataFusion's `Accumulator`: a [`Trial`] observes every differing pair of its column, then proposes what it
//! proved — an option only with the number of pairs it makes equal.
//!
//! Options are tried on the canonical values, which is what re-canonicalizing under the option would give:
//! string rules are idempotent and commute (`--trim` on text already lowercased is lowercase trimmed),
//! `--timestamp-precision` truncates the instants already at the coarser unit, a float tolerance compares the
//! floats as `Tolerance::equal` does, a decimal tolerance the unscaled decimals exactly, and a zone reads the
//! naive side's wall time (its canonical instant in the zone it was read in, UTC by default) as
//! `--source-tz`/`--target-tz` would.

use super::causes::View;
use super::suggestion::Suggestion;
use crate::digest::encode::Decoded;
use crate::finding::Explained;
use crate::side::Sides;

/// One differing pair of a column as every trial sees it: both canonical values decoded, as the causes view
/// them, and the cause the pair was given on its own.
pub(crate) struct Pair<'v> {
    pub values: Sides<Decoded<'v>>,
    pub views: Sides<View<'v>>,
    pub explained: Explained,
}

/// An option tried on every differing pair of one column.
pub(crate) trait Trial {
    /// One differing pair.
    fn observe(&mut self, pair: &Pair);

    /// After the last pair: the suggestions it proved for `column`, none when it resolved nothing.
    fn propose(&mut self, column: &str, out: &mut Vec<Suggestion>);
}
