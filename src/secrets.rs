//! Values that must never be shown: what a config file's `${VAR}` put into a URL. Masking a URL hides its
//! password; a secret may sit elsewhere (a user name, a query parameter), so every location and message that
//! reaches output is also scrubbed of the values registered here.

use std::borrow::Cow;
use std::sync::Mutex;

static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

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

/// `text` with every registered secret replaced by `***`.
pub fn scrub(text: &str) -> Cow<'_, str> {
    let secrets = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    let mut text = Cow::Borrowed(text);
    for secret in secrets.iter() {
        if text.contains(secret.as_str()) {
            text = Cow::Owned(text.replace(secret.as_str(), "***"));
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
        assert_eq!(scrub("user s3cr/t pass here"), "user *** here");
        assert_eq!(scrub("mysql://u:s3cr%2Ft%20pass@h/db"), "mysql://u:***@h/db");
        assert_eq!(scrub("nothing secret"), "nothing secret");
    }
}
