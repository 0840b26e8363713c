//! The `SQLite` and `PostgreSQL` schemas after all migrations are the same:
//! tables, columns (name, type class, NOT NULL), primary keys, unique
//! constraints, indexes (name, table, columns, unique, partial) and triggers
//! (name, table). Both catalogs are read, nothing is listed here, so a new
//! migration that exists in one flavour only, or names a thing differently,
//! fails this test with the facts found on one side only.

use std::collections::BTreeSet;

use sqlx::{Connection, PgConnection, SqliteConnection};
use wangge_tests::{fresh_store, postgres_or_skip, BackendKind};

/// One fact about a schema, as a line that reads well in a diff.
type Facts = BTreeSet<String>;

#[tokio::test]
async fn sqlite_and_postgres_schemas_agree() {
    if postgres_or_skip("schema comparison").is_none() {
        return;
    }
    let sqlite = fresh_store(BackendKind::SqliteFile).await;
    let postgres = fresh_store(BackendKind::Postgres).await;
    let sqlite_facts = sqlite_schema(&sqlite.url).await;
    let postgres_facts = postgres_schema(&postgres.url).await;
    sqlite.finish().await;
    postgres.finish().await;

    // A test that reads nothing would pass on any drift.
    for facts in [&sqlite_facts, &postgres_facts] {
        assert!(facts.contains("table grids"), "{facts:#?}");
        assert!(
            facts.iter().any(|f| f.starts_with("trigger ")),
            "{facts:#?}"
        );
    }
    let only = |a: &Facts, b: &Facts| a.difference(b).cloned().collect::<Vec<_>>();
    let only_sqlite = only(&sqlite_facts, &postgres_facts);
    let only_postgres = only(&postgres_facts, &sqlite_facts);
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "the schemas differ after all migrations\n\
         only in migrations/sqlite:\n  {}\n\
         only in migrations/postgres:\n  {}",
        or_none(&only_sqlite).join("\n  "),
        or_none(&only_postgres).join("\n  "),
    );
}

fn or_none(lines: &[String]) -> Vec<String> {
    if lines.is_empty() {
        vec!["(nothing)".to_owned()]
    } else {
        lines.to_vec()
    }
}

/// The class of a declared column type, by `SQLite`'s affinity rules, so
/// that `INTEGER` and `BIGINT`, `REAL` and `DOUBLE PRECISION` match. A
/// boolean is an integer: `SQLite` has no boolean type and the migrations
/// declare `INTEGER ... CHECK (x IN (0, 1))` for `PostgreSQL`'s `BOOLEAN`.
fn type_class(declared: &str) -> String {
    let t = declared.to_ascii_lowercase();
    let class = if t.contains("int") || t.starts_with("bool") {
        "integer"
    } else if t.contains("char") || t.contains("text") || t.contains("clob") || t.contains("json") {
        "text"
    } else if t.contains("real")
        || t.contains("floa")
        || t.contains("doub")
        || t.contains("numeric")
        || t.contains("decimal")
    {
        "real"
    } else if t.contains("blob") || t == "bytea" {
        "blob"
    } else {
        return format!("other ({declared})");
    };
    class.to_owned()
}

fn column_fact(table: &str, column: &str, declared: &str, not_null: bool) -> String {
    let null = if not_null { "not null" } else { "null" };
    format!("column {table}.{column} {} {null}", type_class(declared))
}

fn index_fact(name: &str, table: &str, columns: &str, unique: bool, partial: bool) -> String {
    format!(
        "index {name} on {table} ({columns}){}{}",
        if unique { " unique" } else { "" },
        if partial { " partial" } else { "" }
    )
}

async fn sqlite_schema(url: &str) -> Facts {
    let mut conn = SqliteConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    let mut facts = Facts::new();
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap_or_else(|e| panic!("sqlite tables: {e}"));
    for (table,) in &tables {
        facts.insert(format!("table {table}"));
        let columns: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?) ORDER BY cid",
        )
        .bind(table)
        .fetch_all(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("sqlite columns of {table}: {e}"));
        let mut key: Vec<(i64, &str)> = Vec::new();
        for (name, declared, not_null, pk) in &columns {
            // A primary-key column is NOT NULL on PostgreSQL whatever it declares.
            facts.insert(column_fact(
                table,
                name,
                declared,
                *not_null != 0 || *pk > 0,
            ));
            if *pk > 0 {
                key.push((*pk, name));
            }
        }
        if !key.is_empty() {
            key.sort_unstable();
            let names: Vec<&str> = key.iter().map(|(_, n)| *n).collect();
            facts.insert(format!("primary key {table} ({})", names.join(", ")));
        }
        let indexes: Vec<(String, i64, String, i64)> =
            sqlx::query_as("SELECT name, \"unique\", origin, partial FROM pragma_index_list(?)")
                .bind(table)
                .fetch_all(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("sqlite indexes of {table}: {e}"));
        for (name, unique, origin, partial) in &indexes {
            let columns: Vec<(Option<String>,)> = sqlx::query_as(
                "SELECT name FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno",
            )
            .bind(name)
            .fetch_all(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("sqlite columns of index {name}: {e}"));
            let columns: Vec<String> = columns
                .into_iter()
                .map(|(c,)| c.unwrap_or_else(|| "<expression>".to_owned()))
                .collect();
            match origin.as_str() {
                // Covered by the primary key fact above.
                "pk" => {}
                "u" => {
                    facts.insert(format!("unique {table} ({})", columns.join(", ")));
                }
                _ => {
                    facts.insert(index_fact(
                        name,
                        table,
                        &columns.join(", "),
                        *unique != 0,
                        *partial != 0,
                    ));
                }
            }
        }
    }
    let triggers: Vec<(String, String)> =
        sqlx::query_as("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")
            .fetch_all(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("sqlite triggers: {e}"));
    for (name, table) in triggers {
        facts.insert(format!("trigger {name} on {table}"));
    }
    let _ = conn.close().await;
    facts
}

/// The columns of a constraint or index, in key order, as `a, b`; an
/// expression (attribute number 0) as `<expression>`.
const PG_KEY_COLUMNS: &str = "array_to_string(ARRAY(\
     SELECT COALESCE(a.attname::text, '<expression>') \
     FROM unnest(KEYS) WITH ORDINALITY AS k(attnum, ord) \
     LEFT JOIN pg_attribute a ON a.attrelid = REL AND a.attnum = k.attnum \
     ORDER BY k.ord), ', ')";

async fn postgres_schema(url: &str) -> Facts {
    let mut conn = PgConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    let mut facts = Facts::new();
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' \
         AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap_or_else(|e| panic!("postgres tables: {e}"));
    for (table,) in &tables {
        facts.insert(format!("table {table}"));
    }
    let columns: Vec<(String, String, String, bool)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable = 'NO' \
         FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap_or_else(|e| panic!("postgres columns: {e}"));
    for (table, column, declared, not_null) in &columns {
        facts.insert(column_fact(table, column, declared, *not_null));
    }
    let constraints: Vec<(String, String, String)> = sqlx::query_as(&format!(
        "SELECT c.conrelid::regclass::text, c.contype::text, {} \
         FROM pg_constraint c JOIN pg_namespace ns ON ns.oid = c.connamespace \
         WHERE ns.nspname = 'public' AND c.contype IN ('p', 'u') \
         AND c.conrelid::regclass::text <> '_sqlx_migrations'",
        PG_KEY_COLUMNS
            .replace("KEYS", "c.conkey")
            .replace("REL", "c.conrelid")
    ))
    .fetch_all(&mut conn)
    .await
    .unwrap_or_else(|e| panic!("postgres constraints: {e}"));
    for (table, kind, columns) in constraints {
        let what = if kind == "p" { "primary key" } else { "unique" };
        facts.insert(format!("{what} {table} ({columns})"));
    }
    // Indexes that back a primary key or unique constraint are facts above.
    let indexes: Vec<(String, String, bool, bool, String)> = sqlx::query_as(&format!(
        "SELECT i.relname::text, t.relname::text, x.indisunique, x.indpred IS NOT NULL, {} \
         FROM pg_index x \
         JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_namespace ns ON ns.oid = t.relnamespace \
         WHERE ns.nspname = 'public' AND t.relname <> '_sqlx_migrations' \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid \
                         AND c.conrelid = x.indrelid AND c.contype IN ('p', 'u', 'x'))",
        PG_KEY_COLUMNS
            .replace("KEYS", "x.indkey::int2[]")
            .replace("REL", "x.indrelid")
    ))
    .fetch_all(&mut conn)
    .await
    .unwrap_or_else(|e| panic!("postgres indexes: {e}"));
    for (name, table, unique, partial, columns) in indexes {
        facts.insert(index_fact(&name, &table, &columns, unique, partial));
    }
    // Internal triggers are those PostgreSQL makes for foreign keys.
    let triggers: Vec<(String, String)> = sqlx::query_as(
        "SELECT tg.tgname::text, c.relname::text FROM pg_trigger tg \
         JOIN pg_class c ON c.oid = tg.tgrelid \
         JOIN pg_namespace ns ON ns.oid = c.relnamespace \
         WHERE ns.nspname = 'public' AND NOT tg.tgisinternal",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap_or_else(|e| panic!("postgres triggers: {e}"));
    for (name, table) in triggers {
        facts.insert(format!("trigger {name} on {table}"));
    }
    let _ = conn.close().await;
    facts
}

#[test]
fn type_classes_follow_sqlite_affinity() {
    for (declared, class) in [
        ("INTEGER", "integer"),
        ("bigint", "integer"),
        ("boolean", "integer"),
        ("TEXT", "text"),
        ("character varying", "text"),
        ("jsonb", "text"),
        ("REAL", "real"),
        ("double precision", "real"),
        ("BLOB", "blob"),
        ("bytea", "blob"),
    ] {
        assert_eq!(type_class(declared), class, "{declared}");
    }
    assert_eq!(type_class("geometry"), "other (geometry)");
}
