//! `--json-schema FILE`: the columns of JSON Lines sides written down instead of inferred, one `name: type` a
//! line, in recon's `--csv-type` type names with `binary`, `list<T>` and `struct<name: T, …>` for nested
//! values. Blank lines and lines starting with `#` are skipped; a name holding `:`, `,`, `<` or `>` (or spaces
//! at its ends) is written as a JSON string (`"a:b": text`). A line that does not parse is an error at its
//! line and column.

use std::path::Path;
use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Fields, Schema, TimeUnit};

use crate::error::{Error, Result};
use crate::source::csv::{parse_type, TYPES};

/// The type names a schema file takes beyond the `--csv-type` ones.
const NESTED: [&str; 3] = ["binary", "list<…>", "struct<…>"];

/// Reads the schema file at `path`.
pub fn read(path: &Path) -> Result<Schema> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse(&text, path)
}

fn parse(text: &str, path: &Path) -> Result<Schema> {
    let mut fields: Vec<Field> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mut cursor = Cursor { text: line, at: 0 };
        let field = cursor.column().and_then(|field| cursor.end().map(|()| field));
        let field = field.map_err(|(at, message)| {
            let column = line[..at.min(line.len())].chars().count() + 1;
            Error::config(path, index + 1, column, message)
        })?;
        if fields.iter().any(|f| f.name() == field.name()) {
            return Err(Error::config(path, index + 1, 1, format!("column {} is declared twice", field.name())));
        }
        fields.push(field);
    }
    if fields.is_empty() {
        return Err(Error::config(path, 1, 1, "declares no column (one `name: type` a line)"));
    }
    Ok(Schema::new(fields))
}

/// Where a line fails to parse (a byte offset) and why.
type Failure = (usize, String);

/// A position in one line of a schema file.
struct Cursor<'a> {
    text: &'a str,
    at: usize,
}

impl Cursor<'_> {
    fn rest(&self) -> &str {
        &self.text[self.at..]
    }

    fn skip_spaces(&mut self) {
        self.at = self.text.len() - self.rest().trim_start().len();
    }

    fn fail<T>(&self, message: impl Into<String>) -> Result<T, Failure> {
        Err((self.at, message.into()))
    }

    fn expect(&mut self, what: char) -> Result<(), Failure> {
        self.skip_spaces();
        if !self.rest().starts_with(what) {
            return self.fail(format!("expected `{what}`"));
        }
        self.at += what.len_utf8();
        Ok(())
    }

    fn end(&mut self) -> Result<(), Failure> {
        self.skip_spaces();
        match self.rest().is_empty() {
            true => Ok(()),
            false => self.fail(format!("unexpected {:?} after the type", self.rest())),
        }
    }

    /// `name: type`.
    fn column(&mut self) -> Result<Field, Failure> {
        let name = self.name()?;
        self.expect(':')?;
        Ok(Field::new(name, self.data_type()?, true))
    }

    /// A bare name up to `:` (trimmed), or a JSON string.
    fn name(&mut self) -> Result<String, Failure> {
        self.skip_spaces();
        if self.rest().starts_with('"') {
            let mut stream = serde_json::Deserializer::from_str(self.rest()).into_iter::<String>();
            return match stream.next() {
                Some(Ok(name)) => {
                    self.at += stream.byte_offset();
                    Ok(name)
                }
                _ => self.fail("a quoted name is a JSON string: unclosed or a bad escape"),
            };
        }
        let end = self.rest().find([':', ',', '<', '>']).unwrap_or(self.rest().len());
        let name = self.rest()[..end].trim_end().to_string();
        if name.is_empty() {
            return self.fail("expected a column name before `:`");
        }
        self.at += end;
        Ok(name)
    }

    /// A type: a `--csv-type` name, `binary`, `list<T>` or `struct<name: T, …>`.
    fn data_type(&mut self) -> Result<DataType, Failure> {
        self.skip_spaces();
        let start = self.at;
        let word_end = self.rest().find(|c: char| !c.is_ascii_alphanumeric() && c != '_').unwrap_or(self.rest().len());
        let word = self.rest()[..word_end].to_ascii_lowercase();
        self.at += word_end;
        match word.as_str() {
            "list" => {
                self.expect('<')?;
                let item = self.data_type()?;
                self.expect('>')?;
                Ok(DataType::List(Arc::new(Field::new("item", item, true))))
            }
            "struct" => {
                self.expect('<')?;
                let mut fields = vec![self.column()?];
                loop {
                    self.skip_spaces();
                    if self.rest().starts_with('>') {
                        self.at += 1;
                        break;
                    }
                    self.expect(',')?;
                    let field = self.column()?;
                    if fields.iter().any(|f| f.name() == field.name()) {
                        return self.fail(format!("field {} is declared twice", field.name()));
                    }
                    fields.push(field);
                }
                Ok(DataType::Struct(Fields::from(fields)))
            }
            "binary" => Ok(DataType::Binary),
            "decimal" => {
                let close = self.rest().find(')').map_or(self.rest().len(), |c| c + 1);
                self.at += close;
                let written = &self.text[start..self.at];
                match parse_type(written) {
                    Some(DataType::Decimal128(p, s)) if (1..=38).contains(&p) && s >= 0 && s as u8 <= p => {
                        Ok(DataType::Decimal128(p, s))
                    }
                    _ => Err((start, format!("{written:?} is not decimal(P,S) with 1 ≤ P ≤ 38 and 0 ≤ S ≤ P"))),
                }
            }
            _ => parse_type(&word).ok_or_else(|| {
                let known: Vec<&str> = TYPES.iter().chain(&NESTED).copied().collect();
                let hint = crate::spelling::did_you_mean(&word, known.iter().copied());
                (start, format!("unknown type {word:?} (the types: {}, decimal(P,S)){hint}", known.join(", ")))
            }),
        }
    }
}

/// A type as a schema file writes it (Arrow's own name for types a schema file cannot write).
pub fn type_name(data_type: &DataType) -> String {
    match data_type {
        DataType::Boolean => "bool".into(),
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 | DataType::UInt64 => {
            data_type.to_string().to_ascii_lowercase()
        }
        DataType::Float32 => "float32".into(),
        DataType::Float64 => "float64".into(),
        DataType::Utf8 => "text".into(),
        DataType::Binary => "binary".into(),
        DataType::Date32 => "date".into(),
        DataType::Decimal128(p, s) => format!("decimal({p},{s})"),
        DataType::Timestamp(TimeUnit::Microsecond, None) => "timestamp".into(),
        DataType::Timestamp(TimeUnit::Microsecond, Some(_)) => "timestamptz".into(),
        DataType::Timestamp(TimeUnit::Millisecond, Some(_)) => "timestamptz (milliseconds)".into(),
        DataType::List(item) => format!("list<{}>", type_name(item.data_type())),
        DataType::Struct(fields) => {
            let fields: Vec<String> =
                fields.iter().map(|f| format!("{}: {}", f.name(), type_name(f.data_type()))).collect();
            format!("struct<{}>", fields.join(", "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(text: &str) -> Result<Schema> {
        parse(text, Path::new("orders.schema"))
    }

    #[test]
    fn a_schema_file_declares_flat_and_nested_columns() {
        let text = "# orders\n_id: text\namount : decimal(12, 2)\n\nplaced_at: timestamptz\n\
                    tags: list<text>\naddress: struct<city: text, geo: struct<lat: float64, lon: float64>>\n\
                    \"odd:name\": LIST<int64>\nblob: binary\n";
        let schema = schema(text).expect("parses");
        let names: Vec<String> =
            schema.fields().iter().map(|f| format!("{}: {}", f.name(), type_name(f.data_type()))).collect();
        assert_eq!(
            names,
            [
                "_id: text",
                "amount: decimal(12,2)",
                "placed_at: timestamptz",
                "tags: list<text>",
                "address: struct<city: text, geo: struct<lat: float64, lon: float64>>",
                "odd:name: list<int64>",
                "blob: binary",
            ]
        );
    }

    #[test]
    fn a_bad_line_is_named_with_its_column() {
        let error = |text: &str| schema(text).unwrap_err().to_string();
        assert_eq!(
            error("id: int64\namount: decimel(12,2)\n"),
            "orders.schema:2:9: unknown type \"decimel\" (the types: bool, int8, int16, int32, int64, uint64, float32, float64, text, date, timestamp, timestamptz, binary, list<…>, struct<…>, decimal(P,S))"
        );
        assert_eq!(error("id int64\n"), "orders.schema:1:9: expected `:`");
        assert_eq!(error("tags: list<text\n"), "orders.schema:1:16: expected `>`");
        assert_eq!(error("a: struct<b: text c: int64>\n"), "orders.schema:1:19: expected `,`");
        assert_eq!(error("id: int64\nid: text\n"), "orders.schema:2:1: column id is declared twice");
        assert_eq!(error("# nothing\n"), "orders.schema:1:1: declares no column (one `name: type` a line)");
        assert_eq!(error(": text\n"), "orders.schema:1:1: expected a column name before `:`");
    }
}
