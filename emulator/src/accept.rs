//! The one accept loop every listener uses (the main port, `--kinesis-port`, the services'
//! own TCP listeners), and the watch kept on each HTTP connection.
//!
//! - Out of file descriptors (EMFILE, ENFILE) or memory for a socket, `accept` fails at once
//!   and would fail again at once: the loop backs off (10 ms, doubling to 100 ms) and logs
//!   once per episode, instead of spinning both cores on a log line per try.
//! - At most `--max-connections` connections are open per listener; beyond that the loop
//!   stops accepting (the kernel's backlog holds new ones) until one closes.
//! - An HTTP connection must send a request's head within `--header-read-timeout` of its first
//!   byte (a client sending one byte a second was held forever), and its body within
//!   `--idle-timeout` of the head; a connection with no request in flight is closed after
//!   `--idle-timeout` without a byte. Requests in flight (long polls, event streams) are never
//!   cut by these.
//! - The stop signal reaches every connection (see the callers).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};

/// The limits of `--header-read-timeout`, `--idle-timeout` and `--max-connections`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// `None`: no limit.
    pub header_read: Option<Duration>,
    pub idle: Option<Duration>,
    pub max_connections: usize,
}

/// Accepts connections on `listener` until `stop`, handing each to `serve` with its peer
/// address and a permit that counts it against the cap (dropped when the connection ends).
pub(crate) async fn accept_loop(
    listener: TcpListener,
    name: &str,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
    mut serve: impl FnMut(TcpStream, SocketAddr, OwnedSemaphorePermit),
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut backoff = Duration::ZERO;
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => return,
            },
            _ = stop.changed() => return,
        };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.changed() => return,
        };
        match accepted {
            Ok((stream, peer)) => {
                if !backoff.is_zero() {
                    tracing::warn!("{name}: accepting connections again");
                    backoff = Duration::ZERO;
                }
                let _ = stream.set_nodelay(true);
                serve(stream, peer, permit);
            }
            Err(e) if resource_exhausted(&e) => {
                if backoff.is_zero() {
                    tracing::warn!(
                        "{name}: cannot accept connections: {e}; retrying every 100 ms until one closes \
                         (raise `ulimit -n` or lower --max-connections)"
                    );
                    backoff = Duration::from_millis(10);
                } else {
                    backoff = (backoff * 2).min(Duration::from_millis(100));
                }
                drop(permit);
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = stop.changed() => return,
                }
            }
            // A connection reset before it was accepted, and the like: that one is gone.
            Err(e) => tracing::debug!("{name}: accept: {e}"),
        }
    }
}

/// Errors that the next `accept` would meet again at once.
fn resource_exhausted(e: &io::Error) -> bool {
    // EMFILE, ENFILE, ENOBUFS, ENOMEM on Linux and the BSDs' values of the same.
    matches!(e.raw_os_error(), Some(23 | 24 | 105 | 12 | 55))
}

/// What a connection's watch shares with the requests on it.
#[derive(Debug, Default)]
pub(crate) struct Activity {
    state: parking_lot::Mutex<ActivityState>,
}

#[derive(Debug, Default)]
struct ActivityState {
    /// Requests being answered now.
    in_flight: usize,
    /// When the first byte of a request head came, while no request was in flight.
    head_started: Option<Instant>,
    /// When the connection last did something (a byte, or a request's end).
    last: Option<Instant>,
    /// The read that waits without a deadline while requests are in flight: woken when the
    /// last of them ends, so that the idle deadline starts.
    waiting: Option<std::task::Waker>,
}

/// Counts a request in flight on its connection while it lives.
pub(crate) struct InFlight(Arc<Activity>);

impl Activity {
    /// A request began (its head was read).
    pub(crate) fn begin(self: &Arc<Self>) -> InFlight {
        let mut st = self.state.lock();
        st.in_flight += 1;
        st.head_started = None;
        InFlight(self.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let waiting = {
            let mut st = self.0.state.lock();
            st.in_flight = st.in_flight.saturating_sub(1);
            st.last = Some(Instant::now());
            if st.in_flight == 0 {
                st.waiting.take()
            } else {
                None
            }
        };
        if let Some(w) = waiting {
            w.wake();
        }
    }
}

/// A connection's stream, closed (as a read error) when it breaks the header-read or idle
/// timeout.
pub(crate) struct Watched<S> {
    inner: S,
    activity: Arc<Activity>,
    limits: Limits,
    timer: Pin<Box<Sleep>>,
}

impl<S> Watched<S> {
    pub(crate) fn new(inner: S, limits: Limits) -> (Self, Arc<Activity>) {
        let activity = Arc::new(Activity::default());
        activity.state.lock().last = Some(Instant::now());
        let w = Watched {
            inner,
            activity: activity.clone(),
            limits,
            timer: Box::pin(tokio::time::sleep(Duration::from_secs(3600))),
        };
        (w, activity)
    }

    /// When the connection is closed unless something happens, and why; `None` while requests
    /// are in flight, with `cx` kept to be woken when the last ends (under the same lock, so
    /// that an end between the two is not missed).
    fn deadline(&self, cx: &Context<'_>) -> Option<(Instant, &'static str)> {
        let mut st = self.activity.state.lock();
        if st.in_flight > 0 {
            st.waiting = Some(cx.waker().clone());
            return None;
        }
        match st.head_started {
            Some(t) => self.limits.header_read.map(|d| (t + d, "a request's head took too long")),
            None => self.limits.idle.zip(st.last).map(|(d, t)| (t + d, "idle")),
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    let now = Instant::now();
                    let mut st = self.activity.state.lock();
                    st.last = Some(now);
                    if st.in_flight == 0 && st.head_started.is_none() {
                        st.head_started = Some(now);
                    }
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                let Some((deadline, why)) = self.deadline(cx) else { return Poll::Pending };
                if Instant::now() >= deadline {
                    return Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, why)));
                }
                self.timer.as_mut().reset(deadline);
                match self.timer.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, why))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
