//! The `#…` part of a database location names a table, `[schema.]table`; a name holding a dot or a double quote
//! is written in double quotes as SQL writes identifiers (`#"sales.eu"."order""s"`), so that every table a
//! catalog lists has a location that names it and nothing else.

/// The schema and table a fragment names. Without any double quote, the first dot splits the schema from the
/// table (`a.b.c` is table `b.c` of schema `a`), as before quoting existed. With quotes, one or two names, each
/// bare (no dot, no quote) or quoted; a fragment that does not parse so is taken as a bare name.
pub(crate) fn split(fragment: &str) -> (Option<String>, String) {
    if fragment.contains('"') {
        if let Some(mut names) = quoted(fragment) {
            if names.len() == 2 {
                let table = names.pop().unwrap_or_default();
                return (names.pop(), table);
            }
            if names.len() == 1 {
                return (None, names.pop().unwrap_or_default());
            }
        }
        return (None, fragment.to_string());
    }
    match fragment.split_once('.') {
        Some((schema, table)) => (Some(schema.to_string()), table.to_string()),
        None => (None, fragment.to_string()),
    }
}

/// The fragment that [`split`] reads back as `schema` and `table`.
pub(crate) fn join(schema: Option<&str>, table: &str) -> String {
    match schema {
        Some(schema) => format!("{}.{}", name(schema), name(table)),
        None => name(table),
    }
}

/// A name as a fragment writes it: bare when it can be, else quoted.
fn name(name: &str) -> String {
    if name.is_empty() || name.contains(['.', '"']) {
        format!("\"{}\"", name.replace('"', "\"\""))
    } else {
        name.to_string()
    }
}

/// Dot-separated names, each bare or in double quotes (`""` within them is one quote); `None` when the text
/// is not of that form.
fn quoted(fragment: &str) -> Option<Vec<String>> {
    let mut names = Vec::new();
    let mut chars = fragment.chars().peekable();
    loop {
        let mut name = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        name.push('"');
                    }
                    '"' => break,
                    c => name.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == '.' {
                    break;
                }
                if c == '"' {
                    return None;
                }
                name.push(c);
                chars.next();
            }
            if name.is_empty() {
                return None;
            }
        }
        names.push(name);
        match chars.next() {
            None => return Some(names),
            Some('.') => continue,
            Some(_) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_round_trips() {
        let names = ["orders", "a.b", "x\"y", "\"", "", "sales.eu\"", "with#hash", "with space"];
        for schema in names.iter().map(Some).chain([None]) {
            for table in names.iter().filter(|t| !t.is_empty()) {
                let fragment = join(schema.copied(), table);
                assert_eq!(split(&fragment), (schema.map(|s| s.to_string()), table.to_string()), "{fragment}");
            }
        }
        assert_eq!(join(Some("public"), "orders"), "public.orders");
        assert_eq!(join(Some("public"), "a.b"), r#"public."a.b""#);
        assert_eq!(join(None, r#"x"y"#), r#""x""y""#);
    }

    #[test]
    fn unquoted_fragments_split_at_the_first_dot_as_before() {
        assert_eq!(split("sales.orders"), (Some("sales".into()), "orders".into()));
        assert_eq!(split("a.b.c"), (Some("a".into()), "b.c".into()));
        assert_eq!(split("orders"), (None, "orders".into()));
        // Not of the quoted form: the whole text is the name.
        assert_eq!(split(r#"ab"c"#), (None, r#"ab"c"#.into()));
        assert_eq!(split(r#""a"."b"."c""#), (None, r#""a"."b"."c""#.into()));
    }
}
