//! What to say of a database table that is not there: the schema searched and the schemas where a table of
//! that name is (`#flights` when it lives in `nyc`), else the name nearest to it — instead of "no such table".

use super::{Conn, Engine};
use crate::location::Database;
use crate::spelling::did_you_mean;

const POSTGRES: &str = include_str!("../../../queries/postgres_relations.sql");
const MYSQL: &str = include_str!("../../../queries/mysql_relations.sql");
const SQLITE: &str = include_str!("../../../queries/sqlite_relations.sql");

/// Why `location` gave no columns, read from the server's catalog on `conn` (in the snapshot it holds).
pub(super) async fn explain(conn: &mut Conn, location: &Database) -> String {
    let Some(table) = &location.table else { return "the query returns no columns".to_string() };
    match relations(conn).await {
        Ok((relations, current)) => {
            let searched = location.schema.clone().or(match location.engine {
                Engine::Postgres => Some("public".to_string()),
                Engine::Mysql => current,
                Engine::Sqlite => None,
            });
            describe(location.engine, table, searched.as_deref(), &relations)
        }
        Err(_) => "no such table, or it has no columns".to_string(),
    }
}

/// Every (schema, name) a table could be named by, and MySQL's current database.
async fn relations(conn: &mut Conn) -> Result<(Vec<(String, String)>, Option<String>), sqlx::Error> {
    Ok(match conn {
        Conn::Postgres(c) => (sqlx::query_as(POSTGRES).fetch_all(c).await?, None),
        Conn::Mysql(c) => {
            let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(MYSQL).fetch_all(c).await?;
            let current = rows.first().and_then(|r| r.2.clone());
            (rows.into_iter().map(|(schema, name, _)| (schema, name)).collect(), current)
        }
        Conn::Sqlite(c) => (sqlx::query_as(SQLITE).fetch_all(c).await?, None),
    })
}

/// `no table flights in schema public; a table of that name is in schema nyc: #nyc.flights`, or the name
/// nearest to `table` in the schema `searched` (`None`: SQLite's one schema), or the schema nearest to one that
/// holds no tables.
fn describe(engine: Engine, table: &str, searched: Option<&str>, relations: &[(String, String)]) -> String {
    let word = if engine == Engine::Mysql { "database" } else { "schema" };
    let searched_in = |schema: &str| searched.is_none_or(|s| s == schema);
    let here: Vec<&str> = relations.iter().filter(|(s, _)| searched_in(s)).map(|(_, n)| n.as_str()).collect();
    let place = searched.map_or(String::new(), |s| format!(" in {word} {s}"));
    if here.contains(&table) {
        return format!("table {table}{place} has no columns");
    }
    // Names are quoted, so case counts: `#Flights` is not `flights`.
    if let Some(name) = here.iter().find(|n| n.eq_ignore_ascii_case(table)) {
        return format!("no table {table}{place}; did you mean {name}?");
    }
    let elsewhere: Vec<&(String, String)> =
        relations.iter().filter(|(s, n)| !searched_in(s) && n.eq_ignore_ascii_case(table)).collect();
    if !elsewhere.is_empty() {
        let schemas: Vec<&str> = elsewhere.iter().map(|(s, _)| s.as_str()).collect();
        let named: Vec<String> = elsewhere.iter().map(|(s, n)| format!("#{s}.{n}")).collect();
        let word = if schemas.len() == 1 { word.to_string() } else { format!("{word}s") };
        return format!(
            "no table {table}{place}; a table of that name is in {word} {}: {}",
            schemas.join(", "),
            named.join(", ")
        );
    }
    match (here.is_empty(), searched) {
        (true, Some(schema)) => {
            let mut schemas: Vec<&str> = relations.iter().map(|(s, _)| s.as_str()).collect();
            schemas.dedup();
            format!("no table {table}{place} ({word} {schema} holds no tables{})", did_you_mean(schema, schemas))
        }
        _ => format!("no table {table}{place}{}", did_you_mean(table, here)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relations(names: &[(&str, &str)]) -> Vec<(String, String)> {
        names.iter().map(|(s, n)| (s.to_string(), n.to_string())).collect()
    }

    #[test]
    fn a_missing_table_says_where_one_of_that_name_is_or_which_name_is_near() {
        let pg = relations(&[("archive", "flights"), ("nyc", "airports"), ("nyc", "flights"), ("public", "orders")]);
        let say = |table, searched| describe(Engine::Postgres, table, searched, &pg);
        assert_eq!(
            say("flights", Some("public")),
            "no table flights in schema public; a table of that name is in schemas archive, nyc: #archive.flights, \
             #nyc.flights"
        );
        assert_eq!(
            say("airports", Some("public")),
            "no table airports in schema public; a table of that name is in schema nyc: #nyc.airports"
        );
        assert_eq!(say("flihgts", Some("nyc")), "no table flihgts in schema nyc; did you mean flights?");
        assert_eq!(say("Flights", Some("nyc")), "no table Flights in schema nyc; did you mean flights?");
        assert_eq!(say("planes", Some("nyc")), "no table planes in schema nyc");
        assert_eq!(say("flights", Some("nyk")), "no table flights in schema nyk; a table of that name is in schemas archive, nyc: #archive.flights, #nyc.flights");
        assert_eq!(
            say("planes", Some("nyk")),
            "no table planes in schema nyk (schema nyk holds no tables; did you mean nyc?)"
        );
        assert_eq!(say("orders", Some("public")), "table orders in schema public has no columns");
        let my = relations(&[("nyc", "flights"), ("test", "orders")]);
        assert_eq!(
            describe(Engine::Mysql, "flights", Some("test"), &my),
            "no table flights in database test; a table of that name is in database nyc: #nyc.flights"
        );
        let lite = relations(&[("main", "flights")]);
        assert_eq!(describe(Engine::Sqlite, "flihgts", None, &lite), "no table flihgts; did you mean flights?");
    }
}
