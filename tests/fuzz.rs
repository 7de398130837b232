//! Fuzzing on stable Rust: arbitrary input to the location parser and the config file, bounded so `cargo test`
//! stays fast; every failing case proptest finds is kept in `tests/fuzz.proptest-regressions` and run first.

use std::path::Path;

use proptest::prelude::*;

use recon::audit::config::Config;
use recon::location::Location;

/// Text that looks like a location more often than not: schemes, credentials, hosts, ports, paths, queries.
fn location_text() -> impl Strategy<Value = String> {
    let scheme =
        prop::sample::select(vec!["postgres://", "postgresql://", "mysql://", "sqlite:", "s3://", "file://", ""]);
    let piece = prop_oneof![
        "[a-z0-9]{0,6}",
        Just("@".to_string()),
        Just(":".to_string()),
        Just("/".to_string()),
        Just("?".to_string()),
        Just("#".to_string()),
        Just("%".to_string()),
        Just("%zz".to_string()),
        Just("[::1]".to_string()),
        Just("${X}".to_string()),
        any::<String>(),
    ];
    (scheme, prop::collection::vec(piece, 0..8)).prop_map(|(scheme, pieces)| format!("{scheme}{}", pieces.concat()))
}

/// TOML-ish text: sections, keys, values and stray characters, line by line.
fn config_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        prop::sample::select(vec!["[source]", "[target]", "[defaults]", "[audit]", "[[tables]]", "[session]", "["])
            .prop_map(String::from),
        (
            prop::sample::select(vec!["url", "key", "name", "columns", "memory_limit", "threads", "max_examples", "x"]),
            prop::sample::select(vec![
                "\"a\"",
                "1",
                "-1",
                "[\"id\"]",
                "true",
                "\"",
                "{ a = 1 }",
                "1.5",
                "",
                "\"${NOPE}\""
            ]),
        )
            .prop_map(|(key, value)| format!("{key} = {value}")),
        any::<String>(),
    ];
    prop::collection::vec(line, 0..8).prop_map(|lines| lines.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    /// Any text is a location or an error, never a panic; a password written into it never appears in the
    /// error.
    #[test]
    fn any_text_is_a_location_or_an_error_that_hides_the_password(before in location_text(), after in location_text()) {
        let _ = Location::parse(&before);
        let text = format!("{before}postgres://ann:Sekr3tPw@db.example:5432/{after}");
        if let Err(e) = Location::parse(&text) {
            prop_assert!(!e.to_string().contains("Sekr3tPw"), "{}", e);
        }
    }

    /// Any TOML-ish text is a config or an error naming the file, and the line and column of a text that does
    /// not parse as TOML; never a panic.
    #[test]
    fn any_config_text_is_a_config_or_an_error_naming_the_file(text in config_text()) {
        let path = Path::new("fuzzed.toml");
        if let Err(e) = Config::parse(path, &text) {
            let message = e.to_string();
            prop_assert!(message.contains("fuzzed.toml"), "{}", message);
            if text.parse::<toml::Table>().is_err() {
                prop_assert!(regex::Regex::new(r"fuzzed\.toml:\d+:\d+").unwrap().is_match(&message), "{}", message);
            }
        }
    }
}
