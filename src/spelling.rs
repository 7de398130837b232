//! "Did you mean …?": the known name closest to a misspelled one (a table, a time zone, a type, a config key),
//! as clap suggests for a misspelled flag. Close means a few edits away — adjacent letters swapped count as one
//! edit — relative to the name's length, ignoring case, so that a wild guess suggests nothing.

/// The candidate closest to `typed`, if one is close enough: at most one edit per three characters (at least
/// one), the first of equally close candidates. A candidate equal to `typed` ignoring case is the closest.
pub fn nearest<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let typed = typed.trim().to_lowercase();
    let allowed = (typed.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| (strsim::damerau_levenshtein(&typed, &candidate.to_lowercase()), candidate))
        .filter(|(edits, _)| *edits <= allowed)
        .min_by_key(|(edits, _)| *edits)
        .map(|(_, candidate)| candidate)
}

/// `; did you mean X?` for the candidate closest to `typed`, or nothing.
pub fn did_you_mean<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    nearest(typed, candidates).map_or(String::new(), |name| format!("; did you mean {name}?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_a_few_edits_away_is_suggested_and_a_guess_is_not() {
        let zones = ["Europe/Paris", "Europe/Prague", "America/New_York"];
        assert_eq!(nearest("Europe/Pari", zones), Some("Europe/Paris"));
        assert_eq!(nearest("europe/paris", zones), Some("Europe/Paris"));
        assert_eq!(nearest("flihgts", ["airports", "flights", "planes"]), Some("flights"));
        assert_eq!(nearest("max_mismatchd", ["max_missing", "max_mismatched"]), Some("max_mismatched"));
        assert_eq!(nearest("integer", ["int8", "int16", "text"]), None);
        assert_eq!(nearest("di", ["id"]), Some("id"));
        assert_eq!(nearest("x", ["id"]), None);
        assert_eq!(nearest("orders", ["customers", "products"]), None);
        assert_eq!(did_you_mean("timestamptzz", ["timestamp", "timestamptz"]), "; did you mean timestamptz?");
        assert_eq!(did_you_mean("varchar", ["text"]), "");
    }
}
