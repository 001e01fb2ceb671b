//! One Quayside per data directory: an exclusive lock on `<data-dir>/quayside.lock`, held for
//! the life of the process (the kernel releases it when the process ends, even by `kill -9`).

use crate::StartError;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;
use std::time::{Duration, Instant};

/// How long a start waits for a previous process that is still shutting down.
const WAIT: Duration = Duration::from_secs(5);

pub(crate) struct DirLock {
    _file: File,
}

impl DirLock {
    /// Takes the directory's lock, waiting up to five seconds for a process that is exiting.
    ///
    /// Errors: `Locked` if another Quayside still holds it; `Path` if the lock file cannot be
    /// opened.
    pub(crate) async fn acquire(dir: &Path) -> Result<DirLock, StartError> {
        let path = dir.join("quayside.lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| StartError::Path(path.clone(), format!("cannot open the lock file: {e}")))?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(DirLock { _file: file }),
                Err(TryLockError::WouldBlock) if started.elapsed() < WAIT => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(TryLockError::WouldBlock) => return Err(StartError::Locked(dir.to_path_buf())),
                Err(TryLockError::Error(e)) => {
                    return Err(StartError::Path(path, format!("cannot lock: {e}")));
                }
            }
        }
    }
}
