//! The verdict: every category against its budget, exit code 0 when each is within it, 1 when one is not.

use serde::{Deserialize, Serialize};

use super::{SampleReport, Summary};
use crate::spec::{Budget, Budgets};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Violation {
    /// The table, in an audit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    pub check: String,
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

impl Verdict {
    pub fn of(violations: Vec<Violation>) -> Verdict {
        let pass = violations.is_empty();
        Verdict { pass, exit_code: if pass { 0 } else { 1 }, violations }
    }
}

/// Checks every category against its budget. When sampling, a percentage budget fails when the upper bound
/// of the category's rate exceeds it.
pub fn verdict(summary: &Summary, budgets: &Budgets, sample: Option<&SampleReport>) -> Verdict {
    let violations = summary
        .counts
        .iter()
        .filter_map(|(category, &actual)| {
            let budget = category.budget(budgets);
            let bound = sample.and_then(|s| s.rates.get(category)).map(|rate| rate.upper_bound);
            match (budget, bound) {
                (Budget::Percent(p), Some(upper_bound)) => (upper_bound > p / 100.0).then(|| Violation {
                    table: None,
                    check: category.name().to_string(),
                    actual,
                    allowed: budget.allowed(summary.rows(category.side())),
                    upper_bound: Some(upper_bound),
                }),
                _ => {
                    let allowed = budget.allowed(summary.source_rows);
                    (actual > allowed).then(|| Violation {
                        table: None,
                        check: category.name().to_string(),
                        actual,
                        allowed,
                        upper_bound: None,
                    })
                }
            }
        })
        .collect();
    Verdict::of(violations)
}
