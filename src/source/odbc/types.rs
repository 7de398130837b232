//! Which ODBC SQL types recon reads, and the Arrow type each becomes: the same type the native reader gives the
//! same column, so that a table read over ODBC and natively canonicalizes, hashes and reports identically.
//! arrow-odbc is always handed this schema (never left to infer one from the driver's result metadata: a driver
//! reporting precision 0 for a timestamp would lose its fraction silently).
//!
//! | ODBC SQL type (`SQLColumns` `DATA_TYPE`) | Arrow | Notes |
//! |---|---|---|
//! | `SQL_BIT` | Boolean | psqlodbc with `BoolsAsChar=0` |
//! | `SQL_TINYINT`, `SQL_SMALLINT`, `SQL_INTEGER`, `SQL_BIGINT` | Int8/16/32/64 | `unsigned` in the type name: the next wider signed type; `bigint unsigned` Decimal128(20,0); MySQL `tinyint(1)` Boolean |
//! | `SQL_REAL`, `SQL_FLOAT`, `SQL_DOUBLE` | Float32, Float64, Float64 | |
//! | `SQL_DECIMAL`, `SQL_NUMERIC` `(p,s)` | Decimal128(p,s) for p ≤ 38, Decimal256(p,s) for p ≤ 76 (read as text, parsed exactly) | a driver reporting no precision: decimal text, declared `numeric` |
//! | `SQL_CHAR`, `SQL_WCHAR` | Utf8, trailing blanks removed (as the native readers and PostgreSQL's cast to text do) | declared `char(n)`: compared with the `char_padding` rule |
//! | `SQL_VARCHAR`, `SQL_LONGVARCHAR`, `SQL_W*` | Utf8, read as UTF-16 (wide) and decoded | longer than [`super::MAX_TEXT`] characters: refused, never truncated |
//! | `SQL_BINARY`, `SQL_VARBINARY`, `SQL_LONGVARBINARY` | Binary | longer than [`super::MAX_BINARY`] bytes: refused |
//! | `SQL_GUID` | Utf8, lower case | declared `uuid` |
//! | `SQL_TYPE_DATE` | Date32 | |
//! | `SQL_TYPE_TIME` | Time64(µs) | |
//! | `SQL_TYPE_TIMESTAMP` | Timestamp(µs), zone-less; with a zone in the type name (`timestamptz`, `timestamp with time zone`, MySQL `timestamp`) Timestamp(µs, UTC), the session being in UTC | the declared fraction digits and the server's cut as field metadata |
//! | anything else (intervals, SQL Server `datetimeoffset`, arrays, …) | Null: refused by name and type if compared, with a cast to text as the workaround |

use arrow::datatypes::{DataType, TimeUnit};

use super::connect::Dialect;
use crate::normalize::{Cut, FRACTION_CUT, FRACTION_DIGITS};
use crate::source::sql::SqlColumn;

/// The timezone of zoned timestamps: values are UTC instants.
const UTC: &str = "+00:00";

/// A column as the driver's catalog (`SQLColumns`) or a result set's metadata describes it.
#[derive(Debug, Clone)]
pub(crate) struct Described {
    pub(crate) name: String,
    /// The ODBC SQL data type code (`SQL_INTEGER` = 4, …).
    pub(crate) code: i16,
    /// The database's own name for the type (`int4`, `bpchar`, `datetime`); empty for a query's columns.
    pub(crate) type_name: String,
    /// `COLUMN_SIZE`: characters, bytes or decimal precision.
    pub(crate) size: Option<usize>,
    /// `DECIMAL_DIGITS`: a decimal's scale, a timestamp's fraction digits.
    pub(crate) digits: Option<i16>,
}

/// What is done to a column after arrow-odbc reads it as [`OdbcColumn::read`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum After {
    Nothing,
    /// Trailing blanks of a fixed-length CHAR removed.
    TrimBlanks,
    /// Text lower-cased (a GUID).
    Lowercase,
    /// Text (or a zone-less timestamp) cast to the column's Arrow type.
    Cast,
}

/// How one column is read: its name, declared type, what arrow-odbc reads and what recon makes of it.
#[derive(Debug, Clone)]
pub(crate) struct OdbcColumn {
    pub(crate) name: String,
    /// The type as declared (`numeric(12,2)`, `bpchar(10)`): the report's and the policy's.
    pub(crate) declared: String,
    /// The Arrow type handed to arrow-odbc for this column.
    pub(crate) read: DataType,
    /// The Arrow type recon compares.
    pub(crate) data_type: DataType,
    pub(crate) after: After,
    pub(crate) metadata: Vec<(&'static str, String)>,
    /// Why the column cannot be read (its type), when it cannot.
    pub(crate) unreadable: Option<String>,
    /// An expression selected in the column's place (quoted as the engine quotes), where the native reader
    /// reads one (PostgreSQL `money` as `numeric`, MySQL `bit(n)` as its bits).
    pub(crate) select: Option<String>,
    /// Whether a quoted text literal selects this column's values exactly (character types, not JSON or XML,
    /// which some engines cannot compare, nor a GUID, whose canonical text is not always the stored one).
    pub(crate) text_literal: bool,
}

// ODBC SQL data type codes (sql.h, sqlext.h).
const CHAR: i16 = 1;
const NUMERIC: i16 = 2;
const DECIMAL: i16 = 3;
const INTEGER: i16 = 4;
const SMALLINT: i16 = 5;
const FLOAT: i16 = 6;
const REAL: i16 = 7;
const DOUBLE: i16 = 8;
const DATE: i16 = 9;
const TIME: i16 = 10;
const TIMESTAMP: i16 = 11;
const VARCHAR: i16 = 12;
const TYPE_DATE: i16 = 91;
const TYPE_TIME: i16 = 92;
const TYPE_TIMESTAMP: i16 = 93;
const LONGVARCHAR: i16 = -1;
const BINARY: i16 = -2;
const VARBINARY: i16 = -3;
const LONGVARBINARY: i16 = -4;
const BIGINT: i16 = -5;
const TINYINT: i16 = -6;
const BIT: i16 = -7;
const WCHAR: i16 = -8;
const WVARCHAR: i16 = -9;
const WLONGVARCHAR: i16 = -10;
const GUID: i16 = -11;

/// Character types (by their names in the engines recon knows, lower case) whose values a text literal selects
/// exactly; a query's columns have no type name.
const CHARACTER_TYPES: [&str; 18] = [
    "",
    "char",
    "character",
    "varchar",
    "character varying",
    "bpchar",
    "text",
    "nchar",
    "nvarchar",
    "ntext",
    "tinytext",
    "mediumtext",
    "longtext",
    "citext",
    "name",
    "enum",
    "varchar2",
    "nvarchar2",
];

/// How recon reads a described column from a server of `dialect`, whose timestamps are cut as `cut`.
pub(crate) fn column(d: &Described, dialect: Dialect, cut: Cut) -> OdbcColumn {
    let type_name = d.type_name.trim().to_ascii_lowercase();
    let unsigned = type_name.contains("unsigned");
    let plain = |data_type: DataType| (data_type.clone(), data_type, After::Nothing);
    let text = |after| (DataType::Utf8, DataType::Utf8, after);
    let (read, data_type, after) = match d.code {
        BIT => plain(DataType::Boolean),
        TINYINT if dialect == Dialect::Mysql && d.size == Some(1) && !unsigned => plain(DataType::Boolean),
        TINYINT if unsigned => plain(DataType::Int16),
        TINYINT => plain(DataType::Int8),
        SMALLINT if unsigned => plain(DataType::Int32),
        SMALLINT => plain(DataType::Int16),
        INTEGER if unsigned => plain(DataType::Int64),
        INTEGER => plain(DataType::Int32),
        BIGINT if unsigned => (DataType::Utf8, DataType::Decimal128(20, 0), After::Cast),
        BIGINT => plain(DataType::Int64),
        REAL => plain(DataType::Float32),
        FLOAT | DOUBLE => plain(DataType::Float64),
        NUMERIC | DECIMAL => match decimal(d) {
            Some(DataType::Decimal128(p, s)) if s >= 0 => plain(DataType::Decimal128(p, s)),
            Some(wide) => (DataType::Utf8, wide, After::Cast),
            None => text(After::Nothing),
        },
        CHAR | WCHAR => text(After::TrimBlanks),
        VARCHAR | LONGVARCHAR | WVARCHAR | WLONGVARCHAR => text(After::Nothing),
        GUID => text(After::Lowercase),
        BINARY | VARBINARY | LONGVARBINARY => plain(DataType::Binary),
        DATE | TYPE_DATE => plain(DataType::Date32),
        TIME | TYPE_TIME => plain(DataType::Time64(TimeUnit::Microsecond)),
        TIMESTAMP | TYPE_TIMESTAMP => {
            let naive = DataType::Timestamp(TimeUnit::Microsecond, None);
            match zoned(&type_name, dialect) {
                true => (naive, DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into())), After::Cast),
                false => plain(naive),
            }
        }
        _ => (DataType::Null, DataType::Null, After::Nothing),
    };
    let mut column = OdbcColumn {
        name: d.name.clone(),
        declared: declared(d, &type_name),
        read,
        data_type,
        after,
        metadata: Vec::new(),
        unreadable: None,
        select: None,
        text_literal: matches!(d.code, CHAR | VARCHAR | LONGVARCHAR | WCHAR | WVARCHAR | WLONGVARCHAR)
            && CHARACTER_TYPES.contains(&type_name.split('(').next().unwrap_or_default().trim()),
    };
    if matches!(d.code, TIMESTAMP | TYPE_TIMESTAMP) {
        let digits = d.digits.and_then(|s| u8::try_from(s).ok()).filter(|s| *s <= 6).unwrap_or(6);
        column.metadata.push((FRACTION_DIGITS, digits.to_string()));
        column.metadata.push((FRACTION_CUT, cut.name().to_string()));
    }
    if column.read == DataType::Null {
        column.unreadable = Some(format!("ODBC type {} (SQL type {})", column.declared, d.code));
    }
    column
}

/// How recon reads a column its native reader typed (see `native.rs`): the same Arrow type, declared type,
/// selected expression and metadata; arrow-odbc reads what it can read directly, and text (or a zone-less
/// timestamp) where recon casts after reading.
pub(crate) fn from_native(column: SqlColumn, dialect: Dialect) -> OdbcColumn {
    let data_type = column.data_type.clone();
    let (read, after) = match &data_type {
        DataType::Timestamp(unit, Some(_)) => (DataType::Timestamp(*unit, None), After::Cast),
        // MariaDB Connector/ODBC gives a `tinyint(1)` fetched as SQL_C_BIT as NULL: fetched as the integer it is.
        DataType::Boolean if dialect == Dialect::Mysql => (DataType::Int8, After::Cast),
        // A FLOAT is selected as the DOUBLE holding it (`f + 0e0`), which the driver fetches as SQL_C_FLOAT as 0:
        // fetched as the double, cast back exactly.
        DataType::Float32 if dialect == Dialect::Mysql => (DataType::Float64, After::Cast),
        DataType::Decimal128(_, s) if *s >= 0 => (data_type.clone(), After::Nothing),
        DataType::Decimal128(..) | DataType::Decimal256(..) => (DataType::Utf8, After::Cast),
        DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => (DataType::Utf8, After::Cast),
        // PostgreSQL's char(n) arrives padded over ODBC; its native reader trims it, as its cast to text does.
        DataType::Utf8 if column.db_type == "bpchar" => (DataType::Utf8, After::TrimBlanks),
        _ => (data_type.clone(), After::Nothing),
    };
    let db_type = column.db_type.to_ascii_lowercase();
    let quoted = |name: &str| format!("\"{}\"", name.replace('"', "\"\""));
    // The native reader decodes timetz to its UTC time of day; over ODBC the server computes it.
    let select = match (dialect, db_type.as_str()) {
        (Dialect::Postgres, "timetz") => Some(format!("({} AT TIME ZONE 'UTC')::time", quoted(&column.name))),
        // psqlodbc sizes a bit(n) column's buffer in bits, too small for its text: read as text.
        (Dialect::Postgres, "bit" | "varbit") => Some(format!("{}::text", quoted(&column.name))),
        _ => column.select,
    };
    OdbcColumn {
        text_literal: data_type == DataType::Utf8 && CHARACTER_TYPES.contains(&db_type.as_str()),
        name: column.name,
        declared: column.declared,
        read,
        data_type,
        after,
        metadata: column.metadata,
        unreadable: None,
        select,
    }
}

/// Whether an ODBC type code is an exact decimal's.
pub(crate) fn is_decimal(code: i16) -> bool {
    matches!(code, NUMERIC | DECIMAL)
}

/// Whether a timestamp type holds instants: its name says a zone (PostgreSQL `timestamptz`, SQL-standard `…
/// with time zone`), or it is MySQL's `timestamp`, stored in UTC and shown in the session's zone (UTC here).
fn zoned(type_name: &str, dialect: Dialect) -> bool {
    type_name == "timestamptz"
        || type_name.contains("with time zone") && !type_name.contains("without")
        || dialect == Dialect::Mysql && type_name.starts_with("timestamp")
}

/// Decimal128(p,s) or Decimal256(p,s) for a decimal whose precision the driver reports and Arrow can hold;
/// `None` for one without (PostgreSQL's unconstrained `numeric`), read as decimal text.
fn decimal(d: &Described) -> Option<DataType> {
    let precision = u8::try_from(d.size?).ok()?;
    let scale = i8::try_from(d.digits?).ok()?;
    let fits = scale <= 0 || scale.unsigned_abs() <= precision;
    match precision {
        1..=38 if fits => Some(DataType::Decimal128(precision, scale)),
        39..=76 if fits => Some(DataType::Decimal256(precision, scale)),
        _ => None,
    }
}

/// The declared type as the native readers write it: decimals with precision and scale, character types with
/// their length, the rest by name. A query's columns (no type name) by their ODBC type.
fn declared(d: &Described, type_name: &str) -> String {
    let name = match type_name {
        "" => generic_name(d.code).to_string(),
        name => name.to_string(),
    };
    match (d.code, d.size, d.digits) {
        (NUMERIC | DECIMAL, Some(p), Some(s)) if decimal(d).is_some() => format!("{name}({p},{s})"),
        (CHAR | WCHAR | VARCHAR | WVARCHAR, Some(n), _) if !name.contains('(') => format!("{name}({n})"),
        _ => name,
    }
}

/// The SQL-standard name of an ODBC type code.
fn generic_name(code: i16) -> &'static str {
    match code {
        BIT => "boolean",
        TINYINT => "tinyint",
        SMALLINT => "smallint",
        INTEGER => "integer",
        BIGINT => "bigint",
        REAL => "real",
        FLOAT | DOUBLE => "double precision",
        NUMERIC | DECIMAL => "numeric",
        CHAR | WCHAR => "char",
        VARCHAR | WVARCHAR => "varchar",
        LONGVARCHAR | WLONGVARCHAR => "text",
        GUID => "uuid",
        BINARY | VARBINARY | LONGVARBINARY => "varbinary",
        DATE | TYPE_DATE => "date",
        TIME | TYPE_TIME => "time",
        TIMESTAMP | TYPE_TIMESTAMP => "timestamp",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn described(code: i16, type_name: &str, size: Option<usize>, digits: Option<i16>) -> Described {
        Described { name: "c".into(), code, type_name: type_name.into(), size, digits }
    }

    #[test]
    fn decimals_keep_their_declared_precision_and_scale() {
        let c = column(&described(NUMERIC, "numeric", Some(12), Some(2)), Dialect::Postgres, Cut::RoundFrom2000);
        assert_eq!(
            (c.read, c.data_type, c.declared.as_str()),
            (DataType::Decimal128(12, 2), DataType::Decimal128(12, 2), "numeric(12,2)")
        );
        let wide = column(&described(DECIMAL, "decimal", Some(65), Some(10)), Dialect::Mysql, Cut::Truncate);
        assert_eq!(
            (wide.read, wide.data_type, wide.after),
            (DataType::Utf8, DataType::Decimal256(65, 10), After::Cast)
        );
        let free = column(&described(NUMERIC, "numeric", None, None), Dialect::Postgres, Cut::RoundFrom2000);
        assert_eq!((free.data_type, free.declared.as_str()), (DataType::Utf8, "numeric"));
    }

    #[test]
    fn timestamps_carry_their_fraction_digits_and_zone() {
        let ts = column(&described(TYPE_TIMESTAMP, "datetime", Some(23), Some(3)), Dialect::Mysql, Cut::Truncate);
        assert_eq!(ts.data_type, DataType::Timestamp(TimeUnit::Microsecond, None));
        assert!(ts.metadata.contains(&(FRACTION_DIGITS, "3".into())));
        assert!(ts.metadata.contains(&(FRACTION_CUT, "truncate".into())));
        let tz = column(&described(TYPE_TIMESTAMP, "timestamptz", Some(26), Some(6)), Dialect::Postgres, Cut::Round);
        assert_eq!(tz.data_type, DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into())));
        let my = column(&described(TYPE_TIMESTAMP, "timestamp", Some(19), Some(0)), Dialect::Mysql, Cut::Round);
        assert_eq!(my.after, After::Cast);
    }

    #[test]
    fn chars_are_trimmed_guids_lowercased_and_unknown_types_refused_by_name() {
        let ch = column(&described(CHAR, "bpchar", Some(10), None), Dialect::Postgres, Cut::Round);
        assert_eq!((ch.after, ch.declared.as_str()), (After::TrimBlanks, "bpchar(10)"));
        let guid = column(&described(GUID, "uuid", Some(37), None), Dialect::Postgres, Cut::Round);
        assert_eq!((guid.after, guid.declared.as_str()), (After::Lowercase, "uuid"));
        let odd = column(&described(-155, "datetimeoffset", Some(34), Some(7)), Dialect::Other, Cut::Round);
        assert_eq!(odd.unreadable.as_deref(), Some("ODBC type datetimeoffset (SQL type -155)"));
        let flag = column(&described(TINYINT, "tinyint", Some(1), None), Dialect::Mysql, Cut::Round);
        assert_eq!(flag.data_type, DataType::Boolean);
    }
}
