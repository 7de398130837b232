//! Budgets per category and the verdict they give: exit code 0 when every category is within its budget,
//! 1 when one is not.

use serde::Serialize;

use super::Summary;

/// How many differences of one kind are tolerated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Budget {
    Count(u64),
    /// A percentage of the source rows.
    Percent(f64),
}

impl Budget {
    /// Parses `10` (a count) or `0.1%` (a share of the source rows).
    pub fn parse(text: &str) -> Result<Budget, String> {
        let text = text.trim();
        if let Some(number) = text.strip_suffix('%') {
            let percent: f64 = number.trim().parse().map_err(|_| format!("{text:?} is not a percentage like 0.1%"))?;
            if !(0.0..=100.0).contains(&percent) {
                return Err(format!("{text:?} must lie between 0% and 100%"));
            }
            return Ok(Budget::Percent(percent));
        }
        text.parse()
            .map(Budget::Count)
            .map_err(|_| format!("{text:?} is neither a count like 10 nor a share like 0.1%"))
    }

    /// The largest count this budget allows; a share rounds down, so a budget is never exceeded by rounding.
    pub fn allowed(&self, source_rows: u64) -> u64 {
        match self {
            Budget::Count(n) => *n,
            Budget::Percent(p) => ((*p / 100.0) * source_rows as f64).floor() as u64,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Budgets {
    pub missing_in_target: Budget,
    pub extra_in_target: Budget,
    pub mismatched: Budget,
    /// Checked against each side's duplicate keys.
    pub duplicates: Budget,
    /// Checked against each side's rows with a NULL key part.
    pub null_keys: Budget,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Violation {
    pub check: String,
    pub actual: u64,
    pub allowed: u64,
    /// When sampling, a percentage budget is checked against this upper bound of the true rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upper_bound: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Verdict {
    pub pass: bool,
    pub exit_code: i32,
    pub violations: Vec<Violation>,
}

/// For a category when sampling: the upper bound of its rate and the sampled rows it is a rate of.
pub type Bounds<'a> = &'a dyn Fn(&str) -> (f64, u64);

/// Checks every category against its budget. With `bounds` (sampling: each category's upper bound and the
/// sampled rows it is a rate of), a percentage budget fails when the upper bound exceeds it.
pub fn verdict(summary: &Summary, budgets: &Budgets, bounds: Option<Bounds>) -> Verdict {
    let checks = [
        ("missing_in_target", summary.missing_in_target, budgets.missing_in_target),
        ("extra_in_target", summary.extra_in_target, budgets.extra_in_target),
        ("mismatched", summary.mismatched, budgets.mismatched),
        ("duplicate_keys_source", summary.duplicate_keys_source, budgets.duplicates),
        ("duplicate_keys_target", summary.duplicate_keys_target, budgets.duplicates),
        ("null_keys_source", summary.null_keys_source, budgets.null_keys),
        ("null_keys_target", summary.null_keys_target, budgets.null_keys),
    ];
    let violations: Vec<Violation> = checks
        .into_iter()
        .filter_map(|(check, actual, budget)| match (budget, bounds) {
            (Budget::Percent(p), Some(bound)) => {
                let (upper_bound, sampled) = bound(check);
                let allowed = budget.allowed(sampled);
                (upper_bound > p / 100.0).then(|| Violation {
                    check: check.to_string(),
                    actual,
                    allowed,
                    upper_bound: Some(upper_bound),
                })
            }
            _ => {
                let allowed = budget.allowed(summary.source_rows);
                (actual > allowed).then(|| Violation { check: check.to_string(), actual, allowed, upper_bound: None })
            }
        })
        .collect();
    let pass = violations.is_empty();
    Verdict { pass, exit_code: if pass { 0 } else { 1 }, violations }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_parse_counts_and_shares() {
        assert_eq!(Budget::parse("10"), Ok(Budget::Count(10)));
        assert_eq!(Budget::parse("0.1%"), Ok(Budget::Percent(0.1)));
        assert!(Budget::parse("ten").is_err());
        assert!(Budget::parse("-1").is_err());
        assert!(Budget::parse("101%").is_err());
    }

    #[test]
    fn a_share_rounds_down() {
        assert_eq!(Budget::Percent(0.1).allowed(6_001_215), 6001);
        assert_eq!(Budget::Percent(0.1).allowed(999), 0);
    }
}
