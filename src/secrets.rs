//! Credentials must never be shown. [`mask`] is the one function every argument, setting, path and message
//! passes through before it reaches a person or a file: it hides a URL's password (whatever its scheme, even
//! misspelled), the value of a `password=`/`Pwd=`-like parameter of a URL query or a connection string, and
//! every value registered here (what a config file's `${VAR}` put into a URL, which may sit anywhere).

use std::sync::Mutex;

/// What a hidden value is replaced by.
const HIDDEN: &str = "***";

static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// A parameter whose name ends in one of these, ignoring case, holds a credential: `Pwd`, `sslpassword`,
/// `client_secret`, `access_token`, `secret_access_key`, Azure's `AccountKey` and SAS `sig`…
const CREDENTIAL_NAMES: [&str; 12] = [
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "accountkey",
    "account_key",
    "accesskey",
    "access_key",
    "sig",
];

/// Remembers `value` (and its percent-encoded form, as it appears in a URL) as a secret.
pub fn register(value: &str) {
    if value.is_empty() {
        return;
    }
    let encoded = percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string();
    let mut secrets = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    for form in [value.to_string(), encoded] {
        if !secrets.contains(&form) {
            secrets.push(form);
        }
    }
    // Longest first, so a secret containing another is replaced whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// `text` with every credential it holds replaced by `***`: user-info passwords, credential parameters and
/// registered secrets. Masking twice changes nothing more. A user-info password holding whitespace is not
/// recognised as one (no URL allows it).
pub fn mask(text: &str) -> String {
    let text = mask_parameters(text);
    let text = text.split_inclusive(char::is_whitespace).map(mask_userinfo).collect::<String>();
    scrub(text)
}

/// A word (no whitespace) with the password of its user-info hidden: `scheme://user:password@host…`, also
/// with one slash or none (`postgres:/u:p@h`), an unknown scheme or none (`u:p@h`). The password runs from the
/// first `:` after the scheme's slashes to the word's last `@`, so a password holding `@` or `/` is hidden
/// whole; a word with `:` and `@` that is no URL loses a little more than it should, never less.
fn mask_userinfo(word: &str) -> String {
    let Some(at) = word.rfind('@') else { return word.to_string() };
    let before = &word[..at];
    let start = match before.find(":/") {
        Some(scheme_end) => before.len() - before[scheme_end + 1..].trim_start_matches('/').len(),
        None => 0,
    };
    match before[start..].find(':') {
        Some(colon) => format!("{}:{HIDDEN}{}", &word[..start + colon], &word[at..]),
        None => word.to_string(),
    }
}

/// `text` with the value of every credential parameter hidden: `name=value`, blanks allowed around `=`. After
/// `?` or `&` it is a URL's query parameter, elsewhere a connection string's (`Driver=…;Uid=u;Pwd=…;`).
fn mask_parameters(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (equals, _) in text.match_indices('=') {
        if equals < copied {
            continue; // inside a value already hidden
        }
        let before = text[..equals].trim_end();
        let name_chars = |b: u8| b.is_ascii_alphanumeric() || b"_.-".contains(&b);
        let start = before.bytes().rposition(|b| !name_chars(b)).map_or(0, |i| i + 1);
        let name = before[start..].to_ascii_lowercase();
        if !CREDENTIAL_NAMES.iter().any(|n| name.ends_with(n)) {
            continue;
        }
        let in_query = before[..start].ends_with(['?', '&']);
        let value = text.len() - text[equals + 1..].trim_start().len();
        out.push_str(&text[copied..value]);
        out.push_str(HIDDEN);
        copied = value + value_len(&text[value..], in_query);
    }
    out.push_str(&text[copied..]);
    out
}

/// How long the parameter value `text` starts with is: `{…}` (ODBC; `}}` inside is a brace), `'…'` or `"…"`;
/// else to the next `&` or whitespace in a URL's query, to the next `;` or line end in a connection string
/// (whose values may hold blanks). An unclosed quote runs to the end. A value already masked is `***` alone,
/// so that masking a message built of masked parts keeps what follows them.
fn value_len(text: &str, in_query: bool) -> usize {
    let end = |found: Option<usize>, skip: usize| found.map_or(text.len(), |i| i + skip);
    if let Some(rest) = text.strip_prefix(HIDDEN) {
        if !rest.starts_with(|c: char| c.is_alphanumeric() || c == '*') {
            return HIDDEN.len();
        }
    }
    match text.chars().next() {
        Some('{') => end(closing_brace(text), 1),
        Some(quote @ ('\'' | '"')) => end(text[1..].find(quote), 2),
        _ if in_query => end(text.find(|c: char| c == '&' || c.is_whitespace()), 0),
        _ => end(text.find([';', '\n']), 0),
    }
}

/// Where the `{…}` value `text` starts with closes: the first `}` that is not an escaped `}}`.
fn closing_brace(text: &str) -> Option<usize> {
    let mut at = 1;
    while let Some(found) = text[at..].find('}') {
        let brace = at + found;
        if !text[brace + 1..].starts_with('}') {
            return Some(brace);
        }
        at = brace + 2;
    }
    None
}

/// `text` with every registered secret replaced by `***`.
fn scrub(mut text: String) -> String {
    let secrets = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    for secret in secrets.iter() {
        if text.contains(secret.as_str()) {
            text = text.replace(secret.as_str(), HIDDEN);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_values_are_scrubbed_plain_and_percent_encoded() {
        register("s3cr/t pass");
        assert_eq!(mask("user s3cr/t pass here"), "user *** here");
        assert_eq!(mask("mysql://u:s3cr%2Ft%20pass@h/db"), "mysql://u:***@h/db");
        assert_eq!(mask("nothing secret"), "nothing secret");
    }

    #[test]
    fn every_form_of_credential_is_masked() {
        let cases = [
            // URL user-info, whatever the scheme and however many slashes.
            ("postgres://root:hunter2@127.0.0.1:5432/test#nyc", "postgres://root:***@127.0.0.1:5432/test#nyc"),
            ("postgres:/root:hunter2@127.0.0.1:5432/test#t", "postgres:/root:***@127.0.0.1:5432/test#t"),
            ("postgres:root:hunter2@h/db", "postgres:***@h/db"),
            ("s3x://key:hunter2@bucket/x.parquet", "s3x://key:***@bucket/x.parquet"),
            ("root:hunter2@127.0.0.1:5432/test", "root:***@127.0.0.1:5432/test"),
            ("postgres://:hunter2@h/db", "postgres://:***@h/db"),
            ("postgres://u:p@ss@h/db", "postgres://u:***@h/db"),
            ("postgres://u:hun/ter2@h/db", "postgres://u:***@h/db"),
            ("postgres://u:/hunter2@h/db", "postgres://u:***@h/db"),
            // Inside a message, quoted or not.
            (
                "recon: error: mysql://root:hunter2@h:3306/test: No such file",
                "recon: error: mysql://root:***@h:3306/test: No such file",
            ),
            ("open \"postgres://u:hunter2@h/db\" failed", "open \"postgres://u:***@h/db\" failed"),
            // Query parameters, any case, with or without a user-info password too.
            ("postgres://u@h/db?password=hunter2", "postgres://u@h/db?password=***"),
            (
                "postgres://h/db?sslmode=require&PASSWORD=hunter2&x=1#t",
                "postgres://h/db?sslmode=require&PASSWORD=***&x=1#t",
            ),
            ("mysql://u:a@h/db?pwd=hunter2 and more", "mysql://u:***@h/db?pwd=*** and more"),
            ("https://acct.blob/c/x.parquet?sv=1&sig=hunter2", "https://acct.blob/c/x.parquet?sv=1&sig=***"),
            ("s3://b/x.parquet?X-Amz-Security-Token=hunter2&y=1", "s3://b/x.parquet?X-Amz-Security-Token=***&y=1"),
            // Connection strings: values to the next `;`, blanks included, or brace-quoted with `;` and `}}`.
            ("odbc:Driver=PostgreSQL;Uid=u;Pwd=hunter2;Server=h", "odbc:Driver=PostgreSQL;Uid=u;Pwd=***;Server=h"),
            ("odbc:Driver={ODBC Driver 18};PWD={hun;ter}}2};Server=h", "odbc:Driver={ODBC Driver 18};PWD=***;Server=h"),
            ("odbc:Dsn=x;Password=hunter 2", "odbc:Dsn=x;Password=***"),
            ("odbc:Dsn=x;Pwd={hunter2", "odbc:Dsn=x;Pwd=***"),
            ("host=h password='hunter 2' dbname=d", "host=h password=*** dbname=d"),
            ("AccountName=a;AccountKey=hunter2;", "AccountName=a;AccountKey=***;"),
            ("café;api_key = hunter2;x=1", "café;api_key = ***;x=1"),
            // SQL text.
            ("select * from t where pwd = 'hunter2' and id = 1", "select * from t where pwd = *** and id = 1"),
            // What holds no credential is left alone.
            ("mysql://root@127.0.0.1:3306/test#t", "mysql://root@127.0.0.1:3306/test#t"),
            ("postgres://h:5432/db#public.orders", "postgres://h:5432/db#public.orders"),
            ("sqlite://data/app.db#orders", "sqlite://data/app.db#orders"),
            ("fixtures/orders/new/: 12:30 user@example.com", "fixtures/orders/new/: 12:30 user@example.com"),
            ("--key order_id --csv-null TOKEN", "--key order_id --csv-null TOKEN"),
        ];
        for (text, masked) in cases {
            assert_eq!(mask(text), masked, "{text}");
            assert_eq!(mask(masked), masked, "masking twice: {masked}");
        }
    }
}
