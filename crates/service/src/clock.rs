//! Time, injected: handlers never read the system clock themselves, so tests and the
//! `--virtual-clock` mode can move time at will.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of wall-clock time in milliseconds since the Unix epoch.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now_ms(&self) -> i64;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
    }
}

/// The latest instant a clock may show: 9999-12-31T23:59:59.999Z, the last one AWS's
/// timestamps can write.
pub const MAX_MS: i64 = 253_402_300_799_999;

/// A clock that moves only when told. Starts at the given instant.
#[derive(Debug)]
pub struct ManualClock {
    now: AtomicI64,
}

impl ManualClock {
    pub fn new(start_ms: i64) -> Self {
        ManualClock { now: AtomicI64::new(start_ms) }
    }

    /// A manual clock starting at the current real time.
    pub fn starting_now() -> Self {
        Self::new(SystemClock.now_ms())
    }

    /// Moves time forward by `ms` (negative values are ignored: time never runs backwards) and
    /// returns the new time.
    ///
    /// Errors: the new time would pass the year 9999 (`None`; the clock does not move).
    pub fn advance_ms(&self, ms: i64) -> Option<i64> {
        let ms = ms.max(0);
        self.now
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| now.checked_add(ms).filter(|t| *t <= MAX_MS))
            .ok()
            .map(|before| before + ms)
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_refuses_overflow() {
        let c = ManualClock::new(1_000);
        assert_eq!(c.advance_ms(500), Some(1_500));
        assert_eq!(c.advance_ms(-5), Some(1_500));
        assert_eq!(c.advance_ms(i64::MAX), None);
        assert_eq!(c.now_ms(), 1_500);
    }
}
