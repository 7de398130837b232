//! What a CSV header says about the delimiter it was read with: a `;`-separated file read with the default
//! `,` has one column, named by its whole header line (`region;customer_no;name`). Errors about its columns and
//! the column-types line then say which `--csv-delimiter` to give.

use super::{Dataset, Format};

/// Delimiters a header read as one column may hold, most likely first; `,` for a file read with another.
const DELIMITERS: [char; 4] = [';', '\t', '|', ','];

/// `its header was read as one column holding ';': add --csv-delimiter ';'` when `dataset` is a CSV side whose
/// only column's name holds a delimiter; `None` otherwise.
pub fn delimiter_advice(dataset: &Dataset) -> Option<String> {
    let [field] = dataset.schema.fields().as_ref() else { return None };
    if dataset.format != Format::Csv {
        return None;
    }
    let delimiter = DELIMITERS.into_iter().find(|d| field.name().contains(*d))?;
    let (shown, typed) = match delimiter {
        '\t' => ("a tab".to_string(), "'\\t'".to_string()),
        other => (format!("'{other}'"), format!("'{other}'")),
    };
    Some(format!("its header was read as one column holding {shown}: add --csv-delimiter {typed}"))
}
