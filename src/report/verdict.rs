//! The verdict: every check against its budget, judged in one place ([`judge`]) for a table
//! (`build::verdict`) and for an audit (`audit.rs`); exit code 0 when each is within its budget, 1 when one is
//! not, 2 when an audit's table could not be compared. Writers only render it, matching [`Check`].

use serde::{Deserialize, Serialize};

use crate::finding::Check;
use crate::profile::Profile;
use crate::spec::Budget;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Violation {
    /// The table, in an audit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    pub check: Check,
    pub actual: u64,
    pub allowed: u64,
    /// When sampling, a percentage budget is checked against this upper bound of the true rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upper_bound: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Verdict {
    pub pass: bool,
    pub exit_code: i32,
    pub violations: Vec<Violation>,
}

/// One check as the verdict weighs it: how many were found, and the budget bounding them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tally {
    pub check: Check,
    pub actual: u64,
    pub budget: Budget,
    /// What a share budget is a share of: a table's source rows, an audit's tables.
    pub whole: u64,
    /// When sampling: the upper bound of the category's true rate, and the sampled rows of its side.
    pub sampled: Option<(f64, u64)>,
}

/// The violations among `tallies`, in their order. A share budget under sampling fails when the upper bound of
/// the rate exceeds it (allowing its share of the side's sampled rows); any other budget when the count
/// exceeds what it allows.
pub fn judge(tallies: impl IntoIterator<Item = Tally>) -> Vec<Violation> {
    tallies
        .into_iter()
        .filter_map(|t| {
            let (allowed, over, upper_bound) = match (t.budget, t.sampled) {
                (Budget::Percent(p), Some((bound, rows))) => (t.budget.allowed(rows), bound > p / 100.0, Some(bound)),
                _ => {
                    let allowed = t.budget.allowed(t.whole);
                    (allowed, t.actual > allowed, None)
                }
            };
            over.then_some(Violation { table: None, check: t.check, actual: t.actual, allowed, upper_bound })
        })
        .collect()
}

/// The `profile` check broken when any statistic differs (none is allowed), judged with every other check.
pub fn profile_violation(profile: &Profile) -> Option<Violation> {
    let tally =
        Tally { check: Check::Profile, actual: profile.differs, budget: Budget::Count(0), whole: 0, sampled: None };
    judge([tally]).into_iter().next()
}

impl Verdict {
    /// Passing when nothing is over budget; `errors`: tables that could not be compared, exit 2 whatever else.
    pub fn of(violations: Vec<Violation>, errors: u64) -> Verdict {
        let pass = violations.is_empty() && errors == 0;
        let exit_code = match (errors, pass) {
            (1.., _) => 2,
            (0, true) => 0,
            (0, false) => 1,
        };
        Verdict { pass, exit_code, violations }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(actual: u64, budget: Budget, sampled: Option<(f64, u64)>) -> Tally {
        Tally { check: Check::Mismatched, actual, budget, whole: 10_000, sampled }
    }

    #[test]
    fn a_count_over_what_its_budget_allows_is_a_violation() {
        assert!(judge([tally(10, Budget::Count(10), None)]).is_empty());
        let over = judge([tally(11, Budget::Count(10), None), tally(11, Budget::Percent(0.1), None)]);
        let allowed: Vec<u64> = over.iter().map(|v| v.allowed).collect();
        assert_eq!(allowed, [10, 10]);
    }

    #[test]
    fn a_sampled_share_is_judged_by_the_upper_bound_of_its_rate() {
        // 0 found, but the bound of the true rate (2%) is above the budget (1%): not proved within it.
        let over = judge([tally(0, Budget::Percent(1.0), Some((0.02, 500)))]);
        assert_eq!((over[0].actual, over[0].allowed, over[0].upper_bound), (0, 5, Some(0.02)));
        assert!(judge([tally(3, Budget::Percent(1.0), Some((0.009, 500)))]).is_empty());
    }
}
