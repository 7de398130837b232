//! `--trim`, `--ignore-case`, `--unicode-nfc` and `--empty-as-null` tried on a text column's differing pairs:
//! each rule not on yet, added to those that are.

use super::causes::View;
use super::suggestion::{Suggestion, SuggestionKind};
use super::trial::{Pair, Trial};
use crate::normalize::policy::StringRules;
use crate::normalize::Canon;
use crate::spec::Policy;

/// The string rules on now, and each one not on with the rules it would make and the pairs they resolve.
pub(crate) struct Strings {
    current: StringRules,
    options: Vec<(SuggestionKind, StringRules, u64)>,
}

impl Strings {
    /// For a column compared as `canon` under `policy`: text columns with some rule not on.
    pub(crate) fn new(canon: &Canon, policy: &Policy) -> Option<Strings> {
        if !matches!(canon.base(), Canon::Text) {
            return None;
        }
        let current = StringRules {
            trim: policy.trim,
            ignore_case: policy.ignore_case,
            unicode_nfc: policy.unicode_nfc,
            empty_as_null: policy.empty_as_null,
        };
        let options: Vec<_> = [
            (SuggestionKind::Trim, policy.trim),
            (SuggestionKind::IgnoreCase, policy.ignore_case),
            (SuggestionKind::UnicodeNfc, policy.unicode_nfc),
            (SuggestionKind::EmptyAsNull, policy.empty_as_null),
        ]
        .into_iter()
        .filter(|(_, on)| !on)
        .map(|(kind, _)| (kind, with_rule(kind, current), 0))
        .collect();
        (!options.is_empty()).then_some(Strings { current, options })
    }
}

impl Trial for Strings {
    fn observe(&mut self, pair: &Pair) {
        fn text<'v>(v: &View<'v>) -> Option<Option<&'v str>> {
            match v {
                View::Text(s) => Some(Some(*s)),
                View::Null => Some(None),
                _ => None,
            }
        }
        let (Some(x), Some(y)) = (text(&pair.views.source), text(&pair.views.target)) else { return };
        let plain = !self.current.any();
        for (kind, rules, resolved) in &mut self.options {
            let equal = match (x, y) {
                // Values compared as stored: each option alone, without copying either string.
                (Some(x), Some(y)) if plain => one_rule(*kind, x, y),
                _ => x.and_then(|x| rules.apply(x)) == y.and_then(|y| rules.apply(y)),
            };
            if equal {
                *resolved += 1;
            }
        }
    }

    fn propose(&mut self, column: &str, out: &mut Vec<Suggestion>) {
        for (kind, _, resolved) in &self.options {
            if *resolved > 0 {
                out.push(Suggestion::new(*kind, None, column, *resolved));
            }
        }
    }
}

/// `rules` with the string rule `kind` names on too.
fn with_rule(kind: SuggestionKind, mut rules: StringRules) -> StringRules {
    match kind {
        SuggestionKind::Trim => rules.trim = true,
        SuggestionKind::IgnoreCase => rules.ignore_case = true,
        SuggestionKind::UnicodeNfc => rules.unicode_nfc = true,
        SuggestionKind::EmptyAsNull => rules.empty_as_null = true,
        _ => {}
    }
    rules
}

/// Whether one string rule alone makes two different non-NULL strings equal: `StringRules::apply` with only
/// that rule, compared without building either result.
fn one_rule(kind: SuggestionKind, x: &str, y: &str) -> bool {
    use unicode_normalization::UnicodeNormalization;
    match kind {
        SuggestionKind::Trim => x.trim() == y.trim(),
        SuggestionKind::IgnoreCase => x.chars().flat_map(char::to_lowercase).eq(y.chars().flat_map(char::to_lowercase)),
        SuggestionKind::UnicodeNfc => x.nfc().eq(y.nfc()),
        // Two different strings are never both empty.
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rule_alone_agrees_with_the_policy_applying_it() {
        let pairs =
            [("Ann ", "Ann"), ("BOB", "bob"), ("Cafe\u{301}", "Caf\u{e9}"), ("ß", "SS"), (" a", "A"), ("x", "")];
        for kind in
            [SuggestionKind::Trim, SuggestionKind::IgnoreCase, SuggestionKind::UnicodeNfc, SuggestionKind::EmptyAsNull]
        {
            let rules = with_rule(kind, StringRules::default());
            for (x, y) in pairs {
                assert_eq!(one_rule(kind, x, y), rules.apply(x) == rules.apply(y), "{kind:?} {x:?} {y:?}");
            }
        }
    }
}
