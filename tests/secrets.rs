//! A credential given to recon — in a URL's user-info, a query parameter, an ODBC connection string, a
//! config file's `${VAR}` — never appears in what recon prints, whichever argument or setting it came in and
//! whichever error it caused. Every case here fails (exit 2) with the password `hunter2` in its input.

use crate::util::db::{serial, server};
use crate::util::{path, recon, recon_with, scratch, Run};

const SECRET: &str = "hunter2";

/// The same password in every form an argument may carry it.
const CREDENTIALS: [&str; 7] = [
    "postgres://root:hunter2@127.0.0.1:1/test#t",
    "postgres:/root:hunter2@127.0.0.1:1/test#t",
    "warehouse://root:hunter2@127.0.0.1:1/test",
    "root:hunter2@127.0.0.1:1/test",
    "postgres://root@127.0.0.1:1/test?sslmode=disable&password=hunter2#t",
    // Port 1: built with `--features odbc`, recon reaches the driver, which must fail too.
    "odbc:Driver=PostgreSQL;Server=127.0.0.1;Port=1;Uid=root;Pwd=hunter2;",
    "odbc:Driver={PostgreSQL Unicode};Uid=root;PWD={hunter2;x}}y};Server=127.0.0.1;Port=1",
];

const SOURCE: &str = "fixtures/orders/legacy.parquet";
const TARGET: &str = "fixtures/orders/new/";

/// A path that cannot be created or opened, whoever runs the tests: below a file.
fn unusable(credential: &str) -> String {
    format!("{SOURCE}/{credential}")
}

fn masked(case: &str, run: &Run) {
    let shown = format!("{case}\nexit {}\nstdout: {}\nstderr: {}", run.code, run.stdout, run.stderr);
    assert_eq!(run.code, 2, "{shown}");
    assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET), "{shown}");
    assert!(run.stderr.contains("***"), "the credential is named, masked: {shown}");
}

#[test]
fn a_credential_in_any_argument_never_appears_in_an_error() {
    for credential in CREDENTIALS {
        let unusable = unusable(credential);
        let glob = format!("{credential}*.parquet");
        let cases: Vec<(&str, Vec<&str>)> = vec![
            ("diff source", vec!["diff", credential, TARGET, "--key", "order_id"]),
            ("diff target", vec!["diff", SOURCE, credential, "--key", "order_id"]),
            ("diff source, a glob", vec!["diff", &glob, TARGET, "--key", "order_id"]),
            ("diff, a third location", vec!["diff", SOURCE, TARGET, credential, "--key", "order_id"]),
            ("audit, one location", vec!["audit", credential]),
            ("audit source", vec!["audit", credential, "fixtures/shop/exports/"]),
            ("audit target", vec!["audit", "fixtures/shop/exports/", credential]),
            ("audit, a config file", vec!["audit", &unusable]),
            ("--history", vec!["diff", SOURCE, TARGET, "--key", "order_id", "--history", &unusable]),
            ("--keys", vec!["diff", SOURCE, TARGET, "--key", "order_id", "--keys", &unusable]),
            ("--keys, a location", vec!["diff", SOURCE, TARGET, "--key", "order_id", "--keys", credential]),
            ("--output", vec!["diff", SOURCE, TARGET, "--key", "order_id", "--output", &unusable]),
            ("--html", vec!["diff", SOURCE, TARGET, "--key", "order_id", "--html", &unusable]),
            ("--junit", vec!["diff", SOURCE, TARGET, "--key", "order_id", "--junit", &unusable]),
            ("--markdown", vec!["diff", SOURCE, TARGET, "--key", "order_id", "--markdown", &unusable]),
            ("--diff-out", vec!["diff", SOURCE, TARGET, "--key", "order_id", "--diff-out", &unusable]),
            ("--repair-sql", vec!["diff", SOURCE, TARGET, "--key", "order_id", "--repair-sql", &unusable]),
            ("--spill-dir", vec!["diff", SOURCE, TARGET, "--key", "order_id", "--spill-dir", &unusable]),
            ("--columns", vec!["diff", SOURCE, TARGET, "--key", "order_id", "--columns", credential]),
            ("--key", vec!["diff", SOURCE, TARGET, "--key", credential]),
            (
                "--state",
                vec!["audit", "sqlite://fixtures/shop/legacy.db", "fixtures/shop/exports/", "--state", &unusable],
            ),
            ("history FILE", vec!["history", &unusable]),
            ("JSON logs", vec!["diff", credential, TARGET, "--key", "order_id", "--log-format", "json"]),
        ];
        for (case, args) in cases {
            masked(&format!("{case}: {credential}"), &recon(&args));
        }
        let sides = [("RECON_SOURCE_URL", credential), ("RECON_TARGET_URL", TARGET)];
        masked(&format!("RECON_SOURCE_URL: {credential}"), &recon_with(&["diff", "--key", "order_id"], &sides));
    }
}

#[test]
fn a_credential_in_a_query_never_appears_in_an_error() {
    let queries = [
        "select * from customers where password = 'hunter2' and no_such_column = 1",
        "select 'postgres://root:hunter2@h/db' as url from no_such_table",
    ];
    for query in queries {
        for side in ["sqlite://fixtures/shop/legacy.db", SOURCE] {
            let run = recon(&["diff", side, TARGET, "--key", "order_id", "--source-query", query]);
            assert_eq!(run.code, 2, "{query}: {}", run.stderr);
            assert!(!run.stderr.contains(SECRET) && !run.stdout.contains(SECRET), "{}", run.stderr);
        }
    }
    let run = recon(&["diff", SOURCE, TARGET, "--key", "order_id", "--source-query", "select 1"]);
    assert_eq!(run.code, 2, "a query of a file is refused, not ignored: {}", run.stderr);
    assert!(run.stderr.contains("is not a database"), "{}", run.stderr);
}

#[test]
fn a_credential_in_a_config_file_never_appears_in_an_error() {
    let dir = scratch();
    let configs = [
        // From the environment, and written in the file.
        "[source]\nurl = \"postgres://root:${RECON_TEST_SECRET}@127.0.0.1:1/test#public\"\n[target]\nurl = \"fixtures/shop/exports/\"\n",
        "[source]\nurl = \"mysql://root:hunter2@127.0.0.1:1/test\"\n[target]\nurl = \"fixtures/shop/exports/\"\n",
        "[source]\nurl = \"odbc:Driver=x;Pwd=hunter2;\"\n[target]\nurl = \"fixtures/shop/exports/\"\n",
        // A value the file's parser quotes back, and an unclosed ${.
        "[defaults]\nmax_missing = \"postgres://root:hunter2@h/db\"\n",
        "[source]\nurl = \"postgres://root:hunter2@h/db${UNCLOSED\"\n",
        // A value from the environment that is not where a password goes.
        "[source]\nurl = \"${RECON_TEST_SECRET_PATH}\"\n[target]\nurl = \"fixtures/shop/exports/\"\n",
    ];
    let env = [("RECON_TEST_SECRET", SECRET), ("RECON_TEST_SECRET_PATH", "no-such-dir/hunter2")];
    for (i, config) in configs.iter().enumerate() {
        let file = dir.path().join(format!("audit{i}.toml"));
        std::fs::write(&file, config).unwrap();
        masked(config, &recon_with(&["audit", path(&file), "--connect-timeout", "2"], &env));
    }
}

#[test]
#[cfg_attr(
    not(all(recon_postgres, recon_mysql)),
    ignore = "needs PostgreSQL and MariaDB: set RECON_TEST_POSTGRES_URL and RECON_TEST_MYSQL_URL"
)]
fn a_credential_a_live_server_refuses_never_appears_in_an_error() {
    let (pg, my) = (server("RECON_TEST_POSTGRES_URL"), server("RECON_TEST_MYSQL_URL"));
    let _serial = serial();
    let with_password =
        |url: &str| url.replacen("://root@", "://root:hunter2@", 1).replacen("://postgres@", "://postgres:hunter2@", 1);
    let (pg, my) = (with_password(&pg), with_password(&my));
    assert!(pg.contains(SECRET) && my.contains(SECRET), "a URL without a password to add one to: {pg} {my}");
    let query_password = format!("{}?password=hunter2#no_such_table", pg.replacen(":hunter2@", "@", 1));
    let cases = [
        vec!["diff".to_string(), format!("{pg}#public.no_such_table"), TARGET.into(), "--key".into(), "id".into()],
        vec!["diff".into(), format!("{my}#no_such_table"), TARGET.into(), "--key".into(), "id".into()],
        vec!["diff".into(), query_password, TARGET.into(), "--key".into(), "id".into()],
        vec!["audit".into(), format!("{pg}#no_such_schema"), my.clone()],
        vec!["audit".into(), pg.clone()],
    ];
    for args in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        masked(&args.join(" "), &recon(&args));
    }
}
