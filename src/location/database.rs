//! Database locations: `postgres://…`, `mysql://…`, `mariadb://…`, `sqlite://…`, each with `#[schema.]table` or
//! without (the rows of a query, or a collection of tables for an audit).

use super::{fragment, Kind, Location};
use crate::error::Result;

/// A database engine recon reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Postgres,
    Mysql,
    Sqlite,
}

impl Engine {
    pub fn kind(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::Mysql => "mysql",
            Engine::Sqlite => "sqlite",
        }
    }
}

/// A database location: `engine://…[#[schema.]table]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Database {
    pub engine: Engine,
    /// The URL without its fragment, with credentials (`mariadb://` written `mysql://`): passed to the driver,
    /// never shown.
    pub url: String,
    /// The location with every credential replaced by `***`: the only form that is ever shown.
    pub masked: String,
    pub schema: Option<String>,
    pub table: Option<String>,
}

impl Database {
    /// The server the URL names (`host:port`, without credentials, database or parameters): two sides on one
    /// server share its connection slots. A SQLite file is its own server.
    pub fn server(&self) -> &str {
        let rest = self.url.split_once("://").map_or(self.url.as_str(), |(_, rest)| rest);
        let authority = rest.split(['/', '?']).next().unwrap_or(rest);
        authority.rsplit_once('@').map_or(authority, |(_, host)| host)
    }

    /// One table of this database, as its catalog lists it: `schema` given only where the engine has schemas.
    pub fn table_location(&self, schema: Option<&str>, table: &str) -> Location {
        let text = format!("{}#{}", self.url, fragment::join(schema, table));
        let database = Database {
            engine: self.engine,
            url: self.url.clone(),
            masked: crate::secrets::mask(&text),
            schema: schema.map(str::to_string),
            table: Some(table.to_string()),
        };
        Location { text, kind: Kind::Database(database) }
    }
}

impl Location {
    /// The same database location reached at `server` (`host:port`) instead, credentials, database and table
    /// kept; the masked form still names the real server. Files and ODBC locations come back unchanged.
    pub fn through(&self, server: &str) -> Location {
        let Kind::Database(database) = &self.kind else { return self.clone() };
        let database = Database { url: with_server(&database.url, server), ..database.clone() };
        Location { text: with_server(&self.text, server), kind: Kind::Database(database) }
    }
}

/// `url` with its `host[:port]` replaced by `server`.
fn with_server(url: &str, server: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let user = authority.rsplit_once('@').map_or(String::new(), |(user, _)| format!("{user}@"));
    format!("{scheme}://{user}{server}{tail}")
}

/// The database `text` names, if `scheme` is a database's.
pub(super) fn parse(text: &str, scheme: &str) -> Option<Result<Kind>> {
    let engine = match scheme {
        "postgres" | "postgresql" => Engine::Postgres,
        "mysql" | "mariadb" => Engine::Mysql,
        "sqlite" => Engine::Sqlite,
        _ => return None,
    };
    let (url, fragment) = match text.split_once('#') {
        Some((url, fragment)) => (url, Some(fragment)),
        None => (text, None),
    };
    let url = match scheme {
        "mariadb" => format!("mysql{}", &url[scheme.len()..]),
        _ => url.to_string(),
    };
    let (schema, table) = match fragment.filter(|f| !f.is_empty()).map(fragment::split) {
        None => (None, None),
        Some((Some(_), t)) if engine == Engine::Sqlite && t.is_empty() => (None, fragment.map(str::to_string)),
        Some((s, t)) => (s, Some(t)),
    };
    Some(Ok(Kind::Database(Database { engine, url, masked: crate::secrets::mask(text), schema, table })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_through_another_server_keeps_credentials_database_table_and_parameters() {
        let location =
            Location::parse("postgres://app:s3cret@db.example:6432/shop?sslmode=require#public.orders").unwrap();
        let through = location.through("127.0.0.1:40000");
        let Kind::Database(database) = through.kind() else { panic!("not a database: {through:?}") };
        assert_eq!(database.url, "postgres://app:s3cret@127.0.0.1:40000/shop?sslmode=require");
        assert_eq!((database.schema.as_deref(), database.table.as_deref()), (Some("public"), Some("orders")));
        assert_eq!(database.masked, "postgres://app:***@db.example:6432/shop?sslmode=require#public.orders");
        let bare = Location::parse("mysql://root@localhost/test#t").unwrap().through("127.0.0.1:1");
        let Kind::Database(database) = bare.kind() else { panic!("not a database") };
        assert_eq!(database.url, "mysql://root@127.0.0.1:1/test");
    }
}
