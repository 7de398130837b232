//! What a database declares about a column decides how it compares: a column it could not read is refused
//! only here, when it is compared; JSON, UUID, network and MAC addresses, intervals and numbers given as text
//! compare by what they are; timestamps at the fraction digits their columns declare. Sources record these
//! declarations as Arrow field metadata under the keys below.

use arrow::datatypes::{DataType, Field};

use super::{family, nested, resolve, ticks_per_second, Canon, Cut, Family, Resolution};
use crate::error::{Error, Result};

/// Field metadata key under which database sources record a column's declared type (e.g. `jsonb`, `uuid`).
pub const DECLARED_TYPE: &str = "recon.declared_type";
/// Field metadata of a column a source cannot read (its Arrow type is then `Null`): what it is, e.g.
/// `PostgreSQL array integer[]`. Only comparing it is an error; a column left out is never read.
pub const UNREADABLE: &str = "recon.unreadable";
/// With [`UNREADABLE`]: an SQL expression that reads the column as text, for the error's workaround.
pub const READ_AS: &str = "recon.read_as";
/// Field metadata: the fraction digits a timestamp column declares (`timestamp(3)`: `3`).
pub const FRACTION_DIGITS: &str = "recon.fraction_digits";
/// Field metadata: how the server holding the column cuts finer timestamps to its digits ([`Cut::name`]).
pub const FRACTION_CUT: &str = "recon.fraction_cut";

/// Whether a declared type is fixed-length `CHAR(n)`, blank-padded to its length: PostgreSQL `character(n)`
/// (`bpchar`), MySQL/MariaDB `char(n)`, SQLite `CHAR(n)`, `CHARACTER(n)`, `NCHAR(n)`, `NATIVE CHARACTER(n)`.
pub fn fixed_char(declared: &str) -> bool {
    let base = declared.split('(').next().unwrap_or_default();
    let base = base.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_lowercase();
    matches!(base.as_str(), "char" | "character" | "nchar" | "native character" | "national character" | "bpchar")
}

/// Like [`resolve`], but what a database declared wins: a column it could not read is refused with a
/// workaround; JSON on either side compares as canonical JSON, a UUID, network address, MAC address or
/// interval against text by its canonical text, a number the database gave as text (unconstrained or
/// very wide `numeric`, `money`) by value; timestamps at the coarser declared precision; text or bytes without
/// trailing blanks on both sides when either side is fixed-length `CHAR(n)`.
pub fn resolve_fields(column: &str, source: &Field, target: &Field) -> Result<Resolution> {
    let resolution = resolve_declared(column, source, target)?;
    let padded = [source, target].iter().any(|f| f.metadata().get(DECLARED_TYPE).is_some_and(|d| fixed_char(d)));
    Ok(match resolution.canon {
        Canon::Text | Canon::Binary if padded => {
            Resolution { canon: Canon::Unpadded(Box::new(resolution.canon)), lossy: resolution.lossy }
        }
        _ => resolution,
    })
}

fn resolve_declared(column: &str, source: &Field, target: &Field) -> Result<Resolution> {
    for (field, option) in [(source, "--source-query"), (target, "--target-query")] {
        if let Some(what) = field.metadata().get(UNREADABLE) {
            let name = field.name();
            let read_as = field.metadata().get(READ_AS).cloned().unwrap_or_else(|| format!("CAST({name} AS text)"));
            return Err(Error::column(
                column,
                format!(
                    "recon cannot read {what}; leave the column out with --exclude {column}, or read it as text \
                     in a query: {option} \"SELECT …, {read_as} AS {name} FROM …\""
                ),
            ));
        }
    }
    if nested::is_nested(source.data_type()) || nested::is_nested(target.data_type()) {
        return resolve_nested(column, source, target);
    }
    let declared = |f: &Field| f.metadata().get(DECLARED_TYPE).map(|t| t.to_ascii_lowercase());
    let (s, t) = (declared(source), declared(target));
    let named = |d: &Option<String>, names: &[&str]| {
        d.as_deref().is_some_and(|d| names.iter().any(|n| d == *n || d.starts_with(&format!("{n}("))))
    };
    let is = |names: &[&str]| named(&s, names) || named(&t, names);
    let text_like = |f: &Field| matches!(family(f.data_type()), Family::Text | Family::Null);
    let both_text = text_like(source) && text_like(target);
    let by_text = |canon| Ok(Resolution { canon, lossy: false });
    if both_text && is(&["json", "jsonb"]) {
        return by_text(Canon::Json);
    }
    if both_text && is(&["uuid"]) {
        return by_text(Canon::Uuid);
    }
    if both_text && is(&["inet", "cidr", "inet4", "inet6"]) {
        return by_text(Canon::Inet);
    }
    if both_text && is(&["macaddr", "macaddr8"]) {
        return by_text(Canon::Mac);
    }
    if both_text && is(&["interval"]) {
        return by_text(Canon::Interval);
    }
    let numeric_text = |f: &Field, d: &Option<String>| text_like(f) && named(d, &["numeric", "decimal", "money"]);
    let numeric_or_text =
        |f: &Field| matches!(family(f.data_type()), Family::Exact { .. } | Family::Float { .. }) || text_like(f);
    if (numeric_text(source, &s) && numeric_or_text(target)) || (numeric_text(target, &t) && numeric_or_text(source)) {
        return by_text(Canon::DecimalText);
    }
    let resolution = resolve(column, source.data_type(), target.data_type())?;
    Ok(declared_digits(resolution, source, target))
}

/// A column pair of which a side is nested: compared part by part when both are of one kind (a side of no type
/// takes the other's), else refused, naming what each side is (its declared type where a database gave it).
fn resolve_nested(column: &str, source: &Field, target: &Field) -> Result<Resolution> {
    let null = |f: &Field| f.data_type() == &DataType::Null;
    let (source, target) = match (null(source), null(target)) {
        (true, _) => (target, target),
        (_, true) => (source, source),
        _ => (source, target),
    };
    if let Some(resolution) = nested::resolve(column, source, target, &resolve_fields) {
        return resolution;
    }
    let what = |f: &Field| match f.metadata().get(DECLARED_TYPE) {
        Some(declared) => format!("{declared} ({})", f.data_type()),
        None => f.data_type().to_string(),
    };
    Err(Error::column(
        column,
        format!(
            "recon compares a nested value (list, struct, map, PostgreSQL array or composite) only with a nested \
             value of the same kind, not {} with {}; JSON text is compared with JSON text only; leave the column \
             out with --exclude {}, or read both sides in one form in a query (--source-query, --target-query)",
            what(source),
            what(target),
            nested::root(column)
        ),
    ))
}

/// A timestamp pair at the coarser precision the two sides declare, when that is coarser than the unit both
/// are compared in: cut the way the server holding the coarser side cuts.
fn declared_digits(resolution: Resolution, source: &Field, target: &Field) -> Resolution {
    let (unit, parsed) = match &resolution.canon {
        Canon::Timestamp(unit) => (*unit, false),
        Canon::Parsed(inner) => match inner.as_ref() {
            Canon::Timestamp(unit) => (*unit, true),
            _ => return resolution,
        },
        _ => return resolution,
    };
    let digits = |f: &Field| -> Option<u8> {
        let declared = f.metadata().get(FRACTION_DIGITS).and_then(|d| d.parse::<u8>().ok());
        match f.data_type() {
            DataType::Timestamp(unit, _) => declared.or(Some(ticks_per_second(*unit).ilog10() as u8)),
            _ => None,
        }
    };
    let cut = |f: &Field| f.metadata().get(FRACTION_CUT).and_then(|c| Cut::parse(c)).unwrap_or(Cut::Truncate);
    let sides = [(digits(source), source), (digits(target), target)];
    let Some((coarsest, holder)) = sides.iter().filter_map(|(d, f)| d.map(|d| (d, *f))).min_by_key(|(d, _)| *d) else {
        return resolution;
    };
    let unit_digits = ticks_per_second(unit).ilog10() as u8;
    let same = sides[0].0 == sides[1].0;
    if coarsest >= unit_digits.min(6) || same {
        return resolution;
    }
    let canon = Canon::TimestampDigits { digits: coarsest, cut: cut(holder) };
    let canon = if parsed { Canon::Parsed(Box::new(canon)) } else { canon };
    Resolution { canon, lossy: true }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Array, ArrayRef, AsArray, StringArray};
    use arrow::datatypes::TimeUnit;

    use super::super::canonicalize;
    use super::super::policy::SidePolicy;
    use super::*;

    fn field(name: &str, data_type: DataType, metadata: &[(&str, &str)]) -> Field {
        let metadata = metadata.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Field::new(name, data_type, true).with_metadata(metadata)
    }

    #[test]
    fn an_unreadable_column_is_refused_only_when_resolved_with_its_workarounds() {
        let tags = field(
            "tags",
            DataType::Null,
            &[(UNREADABLE, "PostgreSQL type integer[] (an array)"), (READ_AS, "\"tags\"::text")],
        );
        let text = field("tags", DataType::Utf8, &[]);
        let err = resolve_fields("tags", &text, &tags).unwrap_err().to_string();
        assert!(err.contains("integer[]") && err.contains("--exclude tags"), "{err}");
        assert!(err.contains("--target-query \"SELECT …, \"tags\"::text AS tags FROM …\""), "{err}");
    }

    #[test]
    fn trailing_blanks_do_not_count_on_either_side_of_a_fixed_length_char() {
        let char100 = field("u", DataType::Utf8, &[(DECLARED_TYPE, "character(100)")]);
        let varchar = field("u", DataType::Utf8, &[(DECLARED_TYPE, "varchar(100)")]);
        let varbinary = field("u", DataType::Binary, &[(DECLARED_TYPE, "varbinary(100)")]);
        let r = resolve_fields("u", &char100, &varchar).unwrap();
        assert_eq!((r.canon.rule(), r.canon.base()), (Some(super::super::Rule::CharPadding), &Canon::Text));
        assert_eq!(resolve_fields("u", &varbinary, &char100).unwrap().canon.base(), &Canon::Binary);
        assert_eq!(resolve_fields("u", &varchar, &varchar).unwrap().canon, Canon::Text, "no CHAR, no rule");
        let policy = SidePolicy {
            strings: super::super::policy::StringRules { empty_as_null: true, ..Default::default() },
            ..Default::default()
        };
        let padded: ArrayRef = Arc::new(StringArray::from(vec![Some("ab  "), Some("   "), Some(" a"), None]));
        let text = canonicalize(&padded, &r.canon, &policy).unwrap();
        let text = text.as_string::<i32>();
        assert_eq!((text.value(0), text.is_null(1), text.value(2), text.is_null(3)), ("ab", true, " a", true));
        let bytes: ArrayRef = Arc::new(arrow::array::BinaryArray::from(vec![&b"ab  "[..], b"a b"]));
        let r = resolve_fields("u", &char100, &varbinary).unwrap();
        let bytes = canonicalize(&bytes, &r.canon, &SidePolicy::default()).unwrap();
        assert_eq!((bytes.as_binary::<i32>().value(0), bytes.as_binary::<i32>().value(1)), (&b"ab"[..], &b"a b"[..]));
    }

    #[test]
    fn timestamps_compare_at_the_coarser_declared_precision_cut_as_its_server_cuts() {
        let micros = DataType::Timestamp(TimeUnit::Microsecond, None);
        let pg = field("ts", micros.clone(), &[(FRACTION_DIGITS, "6"), (FRACTION_CUT, "round_from_2000")]);
        let maria = field("ts", micros.clone(), &[(FRACTION_DIGITS, "3"), (FRACTION_CUT, "truncate")]);
        let r = resolve_fields("ts", &pg, &maria).unwrap();
        assert_eq!(r, Resolution { canon: Canon::TimestampDigits { digits: 3, cut: Cut::Truncate }, lossy: true });
        // Equal declared precision needs no cut; a Parquet millisecond column is its own unit.
        assert_eq!(resolve_fields("ts", &maria, &maria).unwrap().canon, Canon::Timestamp(TimeUnit::Microsecond));
        let parquet = field("ts", DataType::Timestamp(TimeUnit::Millisecond, None), &[]);
        assert_eq!(resolve_fields("ts", &pg, &parquet).unwrap().canon, Canon::Timestamp(TimeUnit::Millisecond));
        // Text against the coarse side is parsed and cut the same way.
        let text = field("ts", DataType::Utf8, &[]);
        let r = resolve_fields("ts", &text, &maria).unwrap();
        let cut = Canon::TimestampDigits { digits: 3, cut: Cut::Truncate };
        assert_eq!(r.canon, Canon::Parsed(Box::new(cut.clone())));
        let policy = SidePolicy::default();
        let pg_values: ArrayRef = Arc::new(arrow::array::TimestampMicrosecondArray::from(vec![1_709_251_199_999_999]));
        let text_values: ArrayRef = Arc::new(StringArray::from(vec!["2024-02-29 23:59:59.9999"]));
        let a = canonicalize(&pg_values, &r.canon, &policy).unwrap();
        let b = canonicalize(&text_values, &r.canon, &policy).unwrap();
        assert_eq!(a.as_string::<i32>().value(0), "2024-02-29T23:59:59.999000Z");
        assert_eq!(a.as_string::<i32>().value(0), b.as_string::<i32>().value(0));
    }
}
