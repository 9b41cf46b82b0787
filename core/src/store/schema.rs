//! The schema as the numbered migrations make it, and the check that a
//! vault's schema is exactly that: a file whose `sqlite_master` was changed
//! underneath (a flipped bit in a table's text still parses, and renames a
//! column) is found damaged when it is opened, not by a query failing later.
//! Every vault, new or migrated, runs the same migrations in order, so its
//! schema text is the same.

use std::sync::OnceLock;

use rusqlite::Connection;

use super::error::StoreError;

/// The numbered migrations; schema version N is reached by running the first N.
pub(super) const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_backups.sql"),
    include_str!("migrations/0003_push.sql"),
    include_str!("migrations/0004_backup_rekey.sql"),
    include_str!("migrations/0005_push_device_layer.sql"),
    include_str!("migrations/0006_escrow.sql"),
    include_str!("migrations/0007_containers.sql"),
];

/// One `sqlite_master` row: type, name and the statement that made it.
type Entry = (String, String, Option<String>);

fn read(conn: &Connection) -> rusqlite::Result<Vec<Entry>> {
    let mut stmt = conn.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    rows.collect()
}

/// The schema the migrations make, built once in memory.
fn expected() -> Option<&'static [Entry]> {
    static EXPECTED: OnceLock<Option<Vec<Entry>>> = OnceLock::new();
    EXPECTED
        .get_or_init(|| {
            let conn = Connection::open_in_memory().ok()?;
            for sql in MIGRATIONS {
                conn.execute_batch(sql).ok()?;
            }
            read(&conn).ok()
        })
        .as_deref()
}

/// `Damaged` unless the schema of `conn` (at the current version) is exactly
/// the one the migrations make.
pub(super) fn check(conn: &Connection) -> Result<(), StoreError> {
    let expected =
        expected().ok_or_else(|| StoreError::Failed("the schema could not be built".into()))?;
    let found = read(conn)?;
    if found == expected {
        Ok(())
    } else {
        Err(StoreError::Damaged)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_schema_made_by_the_migrations_passes_and_a_changed_one_is_damaged() {
        let conn = Connection::open_in_memory().unwrap();
        for sql in MIGRATIONS {
            conn.execute_batch(sql).unwrap();
        }
        assert_eq!(check(&conn), Ok(()));
        conn.execute_batch("CREATE TABLE extra (x INTEGER)")
            .unwrap();
        assert_eq!(check(&conn), Err(StoreError::Damaged));
    }
}
