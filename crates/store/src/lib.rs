//! Quayside's storage engine: one SQLite database (WAL) per process, schema migrations owned
//! by each service, and one writer thread that commits many callers' changes in one
//! transaction (group commit). It knows nothing of AWS: services bring their own tables and
//! domain verbs, written as functions over a [`rusqlite::Transaction`].
//!
//! A caller's change is acknowledged only after the transaction that holds it has committed,
//! so a 200 sent after `write(..).await` survives `kill -9`.

use std::path::Path;
use std::sync::mpsc;
use std::thread;
use tokio::sync::oneshot;

pub use rusqlite;

/// Errors of the store. They carry no AWS meaning; services map them to an internal error.
#[derive(Debug)]
pub enum Error {
    /// SQLite said no (I/O, corruption, constraint).
    Sqlite(rusqlite::Error),
    /// The writer thread is gone (the process is shutting down).
    Closed,
    /// A migration could not be applied.
    Migration(String),
    /// The group commit that held this change failed; the change is not stored.
    Commit(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Sqlite(e) => write!(f, "sqlite: {e}"),
            Error::Closed => write!(f, "the store is closed"),
            Error::Migration(m) => write!(f, "migration: {m}"),
            Error::Commit(m) => write!(f, "commit failed: {m}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Sqlite(e)
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// One schema step of one service. Steps of a service run in `version` order, once each.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub service: &'static str,
    pub version: u32,
    pub sql: &'static str,
}

/// How hard a commit insists on reaching the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// WAL with `synchronous=NORMAL`: a committed change survives the process being killed
    /// (it is in the WAL file, in the OS's hands); a power cut may lose the last commits.
    #[default]
    Process,
    /// `synchronous=FULL`: every commit is fsynced; survives a power cut too.
    Power,
}

/// A job runs against the open transaction and returns what to do once the commit is known:
/// its caller hears of its result only after the whole group is durable.
type Done = Box<dyn FnOnce(Option<&str>) + Send>;
type Job = Box<dyn FnOnce(&rusqlite::Transaction<'_>) -> Done + Send>;

/// The handle services use. Cheap to clone; every clone talks to the same writer thread and
/// shares the same reader connections.
#[derive(Clone)]
pub struct Store {
    jobs: mpsc::Sender<Job>,
    /// Read-only connections to the same file (WAL lets them read while the writer writes);
    /// `None` for an in-memory database, whose reads go through the writer.
    readers: Option<std::sync::Arc<Readers>>,
    /// The database file's identity, and why it is lost once it is.
    watch: std::sync::Arc<Watch>,
}

/// The file a database was opened on, as the file system identifies it: a file deleted (the
/// data directory removed) or replaced keeps its old identity for the open connection, and
/// commits go on succeeding into a file nobody will see again.
struct FileIdentity {
    path: std::path::PathBuf,
    id: (u64, u64),
}

impl FileIdentity {
    fn of(path: &Path) -> Option<FileIdentity> {
        Some(FileIdentity { path: path.to_path_buf(), id: file_id(path)? })
    }

    /// Why the file is not the one opened any more, if it is not.
    fn changed(&self) -> Option<String> {
        match file_id(&self.path) {
            Some(id) if id == self.id => None,
            Some(_) => Some(format!("the database file {} was replaced while Quayside ran", self.path.display())),
            None => Some(format!("the database file {} was deleted while Quayside ran", self.path.display())),
        }
    }
}

#[cfg(unix)]
fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|m| (m.len().min(1), 0))
}

/// A small pool of reader connections; one is opened when every pooled one is in use.
struct Readers {
    path: std::path::PathBuf,
    idle: std::sync::Mutex<Vec<rusqlite::Connection>>,
}

/// Prepared statements kept per connection (more than all services' statements together).
const STATEMENT_CACHE: usize = 256;

/// Reader connections kept open between reads.
const IDLE_READERS: usize = 4;

impl Readers {
    fn take(&self) -> Result<rusqlite::Connection> {
        if let Some(c) = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop() {
            return Ok(c);
        }
        let c = rusqlite::Connection::open_with_flags(
            &self.path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        c.busy_timeout(std::time::Duration::from_secs(10))?;
        c.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(c)
    }

    fn give_back(&self, c: rusqlite::Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < IDLE_READERS {
            idle.push(c);
        }
    }
}

/// Jobs committed together at most; bounds the latency a large burst adds to its first caller.
const MAX_GROUP: usize = 512;

impl Store {
    /// Opens (creating if absent) the database at `path`, or an in-memory one for `None`,
    /// applies pending migrations and starts the writer thread.
    ///
    /// Errors: the file cannot be opened or a migration fails.
    pub fn open(path: Option<&Path>, durability: Durability, migrations: &[Migration]) -> Result<Store> {
        Self::open_with_guard(path, durability, migrations, Box::new(()))
    }

    /// Like [`open`](Self::open), holding `guard` (the data directory's lock) until the
    /// writer and checkpoint threads have finished with the file, so whoever waits for the
    /// guard finds the database closed.
    ///
    /// Errors: the file cannot be opened or a migration fails.
    pub fn open_with_guard(
        path: Option<&Path>,
        durability: Durability,
        migrations: &[Migration],
        guard: Box<dyn std::any::Any + Send>,
    ) -> Result<Store> {
        let conn = match path {
            Some(p) => rusqlite::Connection::open(p)?,
            None => rusqlite::Connection::open_in_memory()?,
        };
        // Before anything else touches the file: a process that is exiting may still hold it.
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let sync = match durability {
            Durability::Process => "NORMAL",
            Durability::Power => "FULL",
        };
        conn.execute_batch(&format!(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous={sync}; PRAGMA foreign_keys=OFF; \
             PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16000;"
        ))?;
        migrate(&conn, migrations)?;
        // Every service's statements run on this one connection; rusqlite's default cache of
        // 16 is smaller than their number, and a miss re-parses the SQL (it once cost the SQS
        // receive path half its speed).
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // The writer holds `alive`; when it exits, the checkpoint thread sees the channel close.
        let (alive, alive_rx) = mpsc::channel::<()>();
        if let Some(p) = path {
            // Checkpoints run on their own thread and connection, so the writer never copies
            // WAL pages into the database file (nor fsyncs it) while callers wait.
            conn.execute_batch("PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=67108864;")?;
            let checkpointer = rusqlite::Connection::open(p)?;
            checkpointer.busy_timeout(std::time::Duration::from_secs(10))?;
            thread::Builder::new()
                .name("quayside-checkpoint".into())
                .spawn(move || {
                    checkpoint_loop(checkpointer, alive_rx);
                    drop(guard);
                })
                .map_err(|e| Error::Migration(format!("cannot start the checkpoint thread: {e}")))?;
        }
        let (tx, rx) = mpsc::channel::<Job>();
        let watch = std::sync::Arc::new(Watch { file: path.and_then(FileIdentity::of), lost: Default::default() });
        let writer_watch = watch.clone();
        thread::Builder::new()
            .name("quayside-store".into())
            .spawn(move || {
                writer(conn, rx, &writer_watch);
                drop(alive);
            })
            .map_err(|e| Error::Migration(format!("cannot start the writer thread: {e}")))?;
        let readers = path.map(|p| std::sync::Arc::new(Readers { path: p.to_path_buf(), idle: Default::default() }));
        Ok(Store { jobs: tx, readers, watch })
    }

    /// Why the store takes no more changes, if it does not: its file was deleted or replaced
    /// under the running process (every commit since has been refused).
    pub fn lost(&self) -> Option<&str> {
        self.watch.lost.get().map(String::as_str)
    }

    /// Checks now that the database file is still the one opened (the housekeeping tick does,
    /// so an idle server notices too); answers why not, if not.
    pub fn check_file(&self) -> Option<String> {
        self.watch.refuse()
    }

    /// Runs `f` on a reader connection, inside one read transaction (a consistent snapshot of
    /// everything committed), on a blocking thread: reads never queue behind the writer's
    /// groups. In-memory databases have no second connection; their reads run on the writer.
    ///
    /// Errors: whatever `f` or SQLite returns.
    pub async fn read<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&rusqlite::Connection) -> Result<R> + Send + 'static,
    {
        let Some(readers) = self.readers.clone() else {
            return self.submit(move |t| f(t)).await;
        };
        tokio::task::spawn_blocking(move || {
            let conn = readers.take()?;
            let r = (|| {
                let txn = conn.unchecked_transaction()?;
                let r = f(&txn)?;
                txn.commit()?;
                Ok(r)
            })();
            readers.give_back(conn);
            r
        })
        .await
        .map_err(|_| Error::Closed)?
    }

    /// Queues `f` for the next group commit and returns a receiver for its result. Jobs run in
    /// the order they were submitted, so a caller that submits under its own lock keeps its
    /// in-memory order and the database's order the same.
    ///
    /// `f` runs inside a savepoint: if it fails, only its own changes are rolled back.
    pub fn submit<R, F>(&self, f: F) -> Pending<R>
    where
        R: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<R> + Send + 'static,
    {
        self.submit_with_hook(f, |_| {})
    }

    /// Like [`submit`](Self::submit), and once the group's commit is known, `hook` runs on the
    /// writer thread with `true` if this job's changes are durable (`false` if the job or the
    /// commit failed), before the caller hears of the result. Hooks run in commit order, and
    /// run even if the caller stopped waiting; they must not wait on the store. (If the store
    /// is already closed, the process is exiting: the job and its hook are dropped unrun.)
    pub fn submit_with_hook<R, F, H>(&self, f: F, hook: H) -> Pending<R>
    where
        R: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<R> + Send + 'static,
        H: FnOnce(bool) + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |txn| {
            let r = run_in_savepoint(txn, f);
            Box::new(move |commit_error: Option<&str>| {
                let r = match commit_error {
                    Some(e) => Err(Error::Commit(e.to_string())),
                    None => r,
                };
                hook(r.is_ok());
                let _ = tx.send(r);
            })
        });
        if let Err(mpsc::SendError(job)) = self.jobs.send(job) {
            drop(job); // drops tx: the receiver resolves to Closed
        }
        Pending { rx }
    }

    /// Runs `f` in the next group commit and waits until that commit is durable.
    pub async fn write<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<R> + Send + 'static,
    {
        self.submit(f).await
    }

    /// Runs `f` on the writer's connection, in the next group's transaction (it sees every
    /// committed and queued change; what it writes is committed with the group), and blocks
    /// until it has run. For start-up, outside the async runtime's hot path.
    pub fn run_blocking<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<R> + Send + 'static,
    {
        let (tx, rx) = std::sync::mpsc::channel();
        let job: Job = Box::new(move |txn| {
            let _ = tx.send(f(txn));
            Box::new(|_: Option<&str>| {})
        });
        self.jobs.send(job).map_err(|_| Error::Closed)?;
        rx.recv().map_err(|_| Error::Closed)?
    }
}

/// A submitted job's outcome, resolved once its group has committed.
pub struct Pending<R> {
    rx: oneshot::Receiver<Result<R>>,
}

impl<R> std::future::Future for Pending<R> {
    type Output = Result<R>;

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        match std::pin::Pin::new(&mut self.rx).poll(cx) {
            std::task::Poll::Ready(Ok(r)) => std::task::Poll::Ready(r),
            std::task::Poll::Ready(Err(_)) => std::task::Poll::Ready(Err(Error::Closed)),
            std::task::Poll::Pending => std::task::Poll::Pending,
        }
    }
}

fn run_in_savepoint<R>(
    txn: &rusqlite::Transaction<'_>,
    f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<R>,
) -> Result<R> {
    // Cached statements: parsing these per job was about a tenth of the writer's time.
    txn.prepare_cached("SAVEPOINT job")?.execute([])?;
    match f(txn) {
        Ok(r) => {
            txn.prepare_cached("RELEASE job")?.execute([])?;
            Ok(r)
        }
        Err(e) => {
            let _ = txn.execute_batch("ROLLBACK TO job; RELEASE job");
            Err(e)
        }
    }
}

/// The writer loop: take one job, then every job already waiting (up to `MAX_GROUP`), run
/// them in one transaction, commit, and only then let their callers see their results.
/// What the writer checks before each commit: that its file is still the one it opened.
struct Watch {
    file: Option<FileIdentity>,
    lost: std::sync::OnceLock<String>,
}

impl Watch {
    /// Why this group must not be committed, if it must not. One `stat` a group.
    fn refuse(&self) -> Option<String> {
        if let Some(why) = self.lost.get() {
            return Some(why.clone());
        }
        let why = self.file.as_ref()?.changed()?;
        tracing::error!("store: {why}; nothing more is stored: restart quayside");
        Some(self.lost.get_or_init(|| why).clone())
    }
}

fn writer(mut conn: rusqlite::Connection, rx: mpsc::Receiver<Job>, watch: &Watch) {
    while let Ok(first) = rx.recv() {
        let mut group = vec![first];
        // Once the queue is empty, the CPU is offered once to the threads that submit jobs
        // (on two cores they often wait for this one), so that more jobs share the commit.
        let mut yielded = false;
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(j) => group.push(j),
                Err(_) if !yielded => {
                    yielded = true;
                    thread::yield_now();
                }
                Err(_) => break,
            }
        }
        let txn = match conn.transaction() {
            Ok(t) => t,
            Err(e) => {
                tracing::error!("store: cannot begin a transaction: {e}");
                continue; // dropping the jobs resolves their callers with Closed
            }
        };
        let done: Vec<Done> = group.into_iter().map(|job| job(&txn)).collect();
        // A commit into a deleted file would be acknowledged and lost: refused instead.
        let commit_error = match watch.refuse() {
            Some(why) => {
                let _ = txn.rollback();
                Some(why)
            }
            None => txn.commit().err().map(|e| {
                tracing::error!("store: commit failed: {e}");
                e.to_string()
            }),
        };
        for d in done {
            d(commit_error.as_deref());
        }
    }
}

/// How often committed WAL frames are copied into the database file. Once a second rather than
/// ten times: pages rewritten in between are copied once, and the checkpointer disturbs the
/// writer less (A/B: SendMessage +15%, p99 halved; docs/performance.md).
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// WAL frames beyond which a checkpoint waits for the writer to let it finish (a bound on the
/// WAL file's growth under sustained load; about 64 MiB of 4 KiB pages).
const WAL_FRAMES_HARD_LIMIT: i64 = 16_384;

/// Copies committed WAL frames into the database file in the background. Passive checkpoints
/// never block the writer; if the WAL still grows past the hard limit, a RESTART checkpoint
/// briefly holds the writer back so the file can be reused from the start.
fn checkpoint_loop(conn: rusqlite::Connection, alive: mpsc::Receiver<()>) {
    while let Err(mpsc::RecvTimeoutError::Timeout) = alive.recv_timeout(CHECKPOINT_EVERY) {
        let r: rusqlite::Result<(i64, i64, i64)> =
            conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)));
        match r {
            Ok((_, log, _)) if log > WAL_FRAMES_HARD_LIMIT => {
                let _ = conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(()));
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!("store: checkpoint: {e}");
                thread::sleep(std::time::Duration::from_secs(1));
            }
        }
    }
    let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
}

fn migrate(conn: &rusqlite::Connection, migrations: &[Migration]) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (service TEXT NOT NULL, version INTEGER NOT NULL, \
         PRIMARY KEY (service, version))",
    )?;
    let mut sorted: Vec<&Migration> = migrations.iter().collect();
    sorted.sort_by_key(|m| (m.service, m.version));
    for m in sorted {
        let done: bool = conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM schema_migrations WHERE service = ?1 AND version = ?2)",
            rusqlite::params![m.service, m.version],
            |r| r.get(0),
        )?;
        if done {
            continue;
        }
        let apply = format!(
            "BEGIN; {}; INSERT INTO schema_migrations (service, version) VALUES ('{}', {}); COMMIT;",
            m.sql,
            m.service.replace('\'', "''"),
            m.version
        );
        if let Err(e) = conn.execute_batch(&apply) {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(Error::Migration(format!("{} v{}: {e}", m.service, m.version)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: &[Migration] =
        &[Migration { service: "t", version: 1, sql: "CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER)" }];

    #[tokio::test]
    async fn group_commit_and_savepoint_isolation() {
        let s = Store::open(None, Durability::Process, M).unwrap();
        let a = s.submit(|t| Ok(t.execute("INSERT INTO kv VALUES ('a', 1)", [])?));
        // A failing job rolls back only itself.
        let b = s.submit(|t| {
            t.execute("INSERT INTO kv VALUES ('b', 1)", [])?;
            t.execute("INSERT INTO kv VALUES ('a', 2)", [])?; // primary key violation
            Ok(())
        });
        let c = s.submit(|t| Ok(t.execute("INSERT INTO kv VALUES ('c', 3)", [])?));
        assert_eq!(a.await.unwrap(), 1);
        assert!(b.await.is_err());
        assert_eq!(c.await.unwrap(), 1);
        let keys = s
            .run_blocking(|t| {
                let mut st = t.prepare("SELECT k FROM kv ORDER BY k")?;
                let v = st.query_map([], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(v)
            })
            .unwrap();
        assert_eq!(keys, vec!["a", "c"]);
    }

    /// Reads on a file database run on reader connections and see every committed change,
    /// also while the writer is busy with another group.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn readers_see_commits_without_the_writer() {
        let dir = std::env::temp_dir().join(format!("quayside-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("r.db");
        let _ = std::fs::remove_file(&path);
        let s = Store::open(Some(&path), Durability::Process, M).unwrap();
        s.write(|t| Ok(t.execute("INSERT INTO kv VALUES ('a', 1)", [])?)).await.unwrap();
        // Hold the writer inside a job until the read has answered.
        let (release, held) = std::sync::mpsc::channel::<()>();
        let (started, is_held) = std::sync::mpsc::channel::<()>();
        let busy = s.submit(move |_| {
            let _ = started.send(());
            let _ = held.recv_timeout(std::time::Duration::from_secs(10));
            Ok(())
        });
        is_held.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
        let v: i64 = s.read(|c| Ok(c.query_row("SELECT v FROM kv WHERE k = 'a'", [], |r| r.get(0))?)).await.unwrap();
        assert_eq!(v, 1);
        release.send(()).unwrap();
        busy.await.unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A database file deleted under the running store: the next commit is refused (it would
    /// have gone into a file nobody sees again), and every one after.
    #[tokio::test]
    async fn commits_into_a_deleted_file_are_refused() {
        let dir = std::env::temp_dir().join(format!("quayside-lost-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("l.db");
        let _ = std::fs::remove_file(&path);
        let s = Store::open(Some(&path), Durability::Process, M).unwrap();
        s.write(|t| Ok(t.execute("INSERT INTO kv VALUES ('a', 1)", [])?)).await.unwrap();
        assert!(s.lost().is_none());
        std::fs::remove_dir_all(&dir).unwrap();
        let e = s.write(|t| Ok(t.execute("INSERT INTO kv VALUES ('b', 2)", [])?)).await.unwrap_err();
        assert!(e.to_string().contains("was deleted while Quayside ran"), "{e}");
        assert!(s.lost().is_some_and(|w| w.contains("l.db")));
        assert!(s.write(|_| Ok(())).await.is_err(), "and every commit after");
    }

    #[test]
    fn migrations_run_once() {
        let dir = std::env::temp_dir().join(format!("quayside-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.db");
        let _ = std::fs::remove_file(&path);
        drop(Store::open(Some(&path), Durability::Process, M).unwrap());
        // Opening again must not re-run the CREATE TABLE (which would fail).
        drop(Store::open(Some(&path), Durability::Process, M).unwrap());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
