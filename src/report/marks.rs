//! The characters that differ between a mismatch's two values, for the HTML report to mark: the common
//! prefix and suffix kept, the middles compared by longest common subsequence, whitespace made visible.

use serde::Serialize;
use serde_json::Value;

/// The largest middle part (after the common prefix and suffix) two values may have for the characters
/// that differ to be found by LCS: `source chars × target chars` cells. Longer ones are marked whole.
const LCS_CELLS: usize = 40_000;

/// A value with its differing characters marked and its whitespace made visible.
#[derive(Serialize, Debug, PartialEq)]
pub(super) struct Cell {
    pub null: bool,
    pub empty: bool,
    pub segments: Vec<Segment>,
}

#[derive(Serialize, Debug, PartialEq)]
pub(super) struct Segment {
    pub text: String,
    pub changed: bool,
    pub space: bool,
}

/// Both values of a mismatch, with the characters that differ marked when `mark` (not for hashes, whose
/// characters say nothing).
pub(super) fn cells(source: &Value, target: &Value, mark: bool) -> (Cell, Cell) {
    let text = |v: &Value| match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    };
    let (s, t) = (text(source), text(target));
    let chars = |s: &Option<String>| s.as_deref().unwrap_or_default().chars().collect::<Vec<char>>();
    let (sc, tc) = (chars(&s), chars(&t));
    let (sf, tf) = match (&s, &t) {
        (Some(_), Some(_)) if mark => changed_chars(&sc, &tc),
        // One side NULL: the other differs whole.
        _ => (vec![mark; sc.len()], vec![mark; tc.len()]),
    };
    let cell = |value: &Option<String>, chars: &[char], flags: &[bool]| Cell {
        null: value.is_none(),
        empty: value.as_deref() == Some(""),
        segments: segments(chars, flags),
    };
    (cell(&s, &sc, &sf), cell(&t, &tc, &tf))
}

/// Which characters of `a` and of `b` are not part of what they share: the common prefix and suffix are
/// kept, the middles compared by longest common subsequence. A middle that shares less than half of the
/// shorter one's characters is marked whole: scattered single letters in common only distract.
fn changed_chars(a: &[char], b: &[char]) -> (Vec<bool>, Vec<bool>) {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..].iter().rev().zip(b[prefix..].iter().rev()).take_while(|(x, y)| x == y).count();
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let (mut fa, mut fb) = (vec![false; a.len()], vec![false; b.len()]);
    let (ca, cb) = if ma.len() * mb.len() <= LCS_CELLS {
        let (ca, cb) = lcs_changed(ma, mb);
        let common = ca.iter().filter(|c| !**c).count();
        if common * 2 < ma.len().min(mb.len()) {
            (vec![true; ma.len()], vec![true; mb.len()])
        } else {
            (ca, cb)
        }
    } else {
        (vec![true; ma.len()], vec![true; mb.len()])
    };
    fa[prefix..prefix + ma.len()].copy_from_slice(&ca);
    fb[prefix..prefix + mb.len()].copy_from_slice(&cb);
    (fa, fb)
}

/// The characters of `a` and `b` outside one longest common subsequence.
fn lcs_changed(a: &[char], b: &[char]) -> (Vec<bool>, Vec<bool>) {
    let (n, m) = (a.len(), b.len());
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut fa, mut fb) = (vec![true; n], vec![true; m]);
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if a[i] == b[j] && lcs[i][j] == lcs[i + 1][j + 1] + 1 {
            fa[i] = false;
            fb[j] = false;
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    (fa, fb)
}

/// Runs of characters alike in being changed and in being whitespace; whitespace shown as visible marks.
fn segments(chars: &[char], changed: &[bool]) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    for (&c, &changed) in chars.iter().zip(changed) {
        let space = c.is_whitespace();
        let shown = match c {
            ' ' => '·',
            '\t' => '⇥',
            '\n' => '↵',
            '\r' => '␍',
            _ if space => '␣',
            c => c,
        };
        match out.last_mut() {
            Some(last) if last.changed == changed && last.space == space => last.text.push(shown),
            _ => out.push(Segment { text: shown.to_string(), changed, space }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn marked(segments: &[Segment]) -> String {
        segments.iter().map(|s| if s.changed { format!("[{}]", s.text) } else { s.text.clone() }).collect()
    }

    fn diff(a: &str, b: &str) -> (String, String) {
        let (s, t) = cells(&json!(a), &json!(b), true);
        (marked(&s.segments), marked(&t.segments))
    }

    #[test]
    fn the_differing_characters_are_marked() {
        assert_eq!(diff("gift wrap", "gift-wrap"), ("gift[·]wrap".into(), "gift[-]wrap".into()));
        assert_eq!(diff("Ann", "Ann "), ("Ann".into(), "Ann[·]".into()));
        assert_eq!(diff("bo@example.com", "bo@example.org"), ("bo@example.[com]".into(), "bo@example.[org]".into()));
        assert_eq!(
            diff("2024-01-23 10:00", "2024-02-23 11:00"),
            ("2024-0[1]-23·1[0]:00".into(), "2024-0[2]-23·1[1]:00".into())
        );
        assert_eq!(diff("same", "same"), ("same".into(), "same".into()));
        assert_eq!(diff("", "x"), ("".into(), "[x]".into()));
    }

    #[test]
    fn null_and_empty_are_told_apart_and_hashes_are_not_marked() {
        let (s, t) = cells(&Value::Null, &json!(""), true);
        assert!(s.null && !s.empty && t.empty && !t.null);
        let (s, _) = cells(&json!("#3f9a1c2e"), &json!("#3f9a1c2f"), false);
        assert_eq!(marked(&s.segments), "#3f9a1c2e");
    }

    #[test]
    fn long_values_are_marked_whole_beyond_the_lcs_budget() {
        let (a, b) = ("x".repeat(300) + "a", "y".repeat(300) + "a");
        let (fa, fb) = changed_chars(&a.chars().collect::<Vec<_>>(), &b.chars().collect::<Vec<_>>());
        assert_eq!(fa.iter().filter(|f| **f).count(), 300);
        assert_eq!(fb.iter().filter(|f| **f).count(), 300);
    }
}
