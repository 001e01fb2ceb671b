//! The emulator's own small state in the store: the virtual clock's time, so a harness that
//! moved it finds it where it left it after a restart.

use store::rusqlite::OptionalExtension;
use store::{Migration, Store};

pub(crate) const MIGRATIONS: &[Migration] = &[Migration {
    service: "quayside",
    version: 1,
    sql: "CREATE TABLE quayside_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
}];

const CLOCK_KEY: &str = "virtual_clock_ms";

/// The stored virtual time, if the clock was ever moved.
pub(crate) fn load_clock(store: &Store) -> store::Result<Option<i64>> {
    store.run_blocking(|t| {
        let v: Option<String> =
            t.query_row("SELECT value FROM quayside_settings WHERE key = ?1", [CLOCK_KEY], |r| r.get(0)).optional()?;
        Ok(v.and_then(|v| v.parse().ok()))
    })
}

pub(crate) async fn save_clock(store: &Store, now_ms: i64) -> store::Result<()> {
    store
        .write(move |t| {
            t.execute(
                "INSERT OR REPLACE INTO quayside_settings (key, value) VALUES (?1, ?2)",
                store::rusqlite::params![CLOCK_KEY, now_ms.to_string()],
            )?;
            Ok(())
        })
        .await
}
