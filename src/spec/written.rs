//! How a setting may be written in a config file beside how the command line takes it: one character, `a=b`
//! pairs or a TOML table, text or a number, a list of names or comma-separated text. The serde forms that the
//! options and budgets deserialize with.

/// One ASCII character, `\t` for a tab.
pub fn single_byte(value: &str) -> Result<u8, String> {
    let value = if value == "\\t" { "\t" } else { value };
    match value.as_bytes() {
        [byte] => Ok(*byte),
        _ => Err(format!("expected one ASCII character, got {value:?}")),
    }
}

/// A one-character setting: `";"` in TOML, one byte inside recon.
pub(super) mod byte {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Option<u8>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(b) => serializer.serialize_some(&(*b as char).to_string()),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u8>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            Some(text) => super::single_byte(&text).map(Some).map_err(serde::de::Error::custom),
            None => Ok(None),
        }
    }
}

/// `key = "value"` pairs written either as a TOML table (`map = { phone = "phone_number" }`) or as the
/// command line writes them (`["phone=phone_number"]`); held as the command line's `a=b` strings.
pub(super) mod pairs {
    use serde::{Deserialize, Deserializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Pairs {
        /// Kept in the order it was written: serde_json's map preserves insertion order.
        Table(serde_json::Map<String, serde_json::Value>),
        List(Vec<String>),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<String>>, D::Error> {
        let pairs = match Option::<Pairs>::deserialize(deserializer)? {
            None => return Ok(None),
            Some(Pairs::List(list)) => list,
            Some(Pairs::Table(table)) => table
                .into_iter()
                .map(|(from, to)| match to {
                    serde_json::Value::String(to) => Ok(format!("{from}={to}")),
                    other => {
                        Err(serde::de::Error::custom(format!("{from} = {other}: a column name is text in quotes")))
                    }
                })
                .collect::<Result<_, _>>()?,
        };
        Ok(Some(pairs))
    }
}

/// A setting written as text that TOML may also give as a number (`sample = 50000`, `memory_limit = 1000000`).
/// A boolean is read as its text too, so that the setting's own check says what is wrong with it, as it says it
/// of `--sample true`.
pub(super) mod text {
    use serde::{Deserialize, Deserializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Text(String),
        Integer(i64),
        Float(f64),
        Boolean(bool),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
        let written = Option::<Written>::deserialize(deserializer)
            .map_err(|_| serde::de::Error::custom("expected text, a number or true/false"))?;
        Ok(written.map(|t| match t {
            Written::Text(s) => s,
            Written::Integer(n) => n.to_string(),
            Written::Float(x) => x.to_string(),
            Written::Boolean(b) => b.to_string(),
        }))
    }
}

/// Column or table names: a TOML list (`key = ["region", "customer_no"]`), or text as the command line takes it
/// (`key = "region,customer_no"`).
pub(super) mod names {
    use serde::{Deserialize, Deserializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        List(Vec<String>),
        Text(String),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<String>>, D::Error> {
        let written = Option::<Written>::deserialize(deserializer)
            .map_err(|_| serde::de::Error::custom("expected a list of names such as [\"a\", \"b\"], or \"a,b\""))?;
        Ok(written.map(|w| match w {
            Written::List(list) => list,
            Written::Text(text) => text.split(',').map(str::to_string).collect(),
        }))
    }
}
