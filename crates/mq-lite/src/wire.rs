//! What the protocols' connections share: a writer task that writes queued frames (several
//! at a time) and, when asked, a heart-beat after a quiet interval; so that a client that
//! stops reading holds back only its own connection.

use bytes::{Bytes, BytesMut};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

/// What the writer task does.
pub enum Out {
    Frame(Bytes),
    /// Send a heart-beat (a newline: STOMP's) after this long without writing.
    HeartBeat(Duration),
    /// Write what is queued, then close.
    Close,
}

/// A connection's writer task and the channel into it.
pub struct Writer {
    pub out: mpsc::Sender<Out>,
    task: tokio::task::JoinHandle<()>,
}

impl Writer {
    /// Starts writing to `wr`.
    pub fn spawn<W: tokio::io::AsyncWrite + Send + Unpin + 'static>(wr: W) -> Writer {
        let (out, rx) = mpsc::channel::<Out>(256);
        Writer { out, task: tokio::spawn(write_loop(wr, rx)) }
    }

    /// Writes what is queued, closes the connection's writing side and waits for the task.
    pub async fn finish(self) {
        let _ = self.out.send(Out::Close).await;
        let _ = self.task.await;
    }
}

/// Deliveries rendered into one write at most: a consumer that falls behind catches up with
/// few writes (one syscall and one wake-up of its client for many messages), and a batch
/// never holds more than this many messages' frames.
pub const DELIVERY_BATCH: usize = 64;

/// `first` and whatever else is already waiting on `rx`, up to [`DELIVERY_BATCH`].
pub fn batch<T>(first: T, rx: &mut mpsc::UnboundedReceiver<T>) -> Vec<T> {
    let mut all = vec![first];
    while all.len() < DELIVERY_BATCH {
        match rx.try_recv() {
            Ok(d) => all.push(d),
            Err(_) => break,
        }
    }
    all
}

/// Renders a batch of deliveries with `render` (which answers the ones nothing will
/// acknowledge), queues them as one write, then acknowledges those together on `vhost`.
pub async fn deliver_batch<D>(
    out: &mpsc::Sender<Out>,
    batch: &[D],
    mut render: impl FnMut(&D, &mut BytesMut) -> Option<(crate::broker::state::ConsumerId, u64)>,
    vhost: Option<&crate::broker::Vhost>,
    now_ms: i64,
) {
    let mut buf = BytesMut::new();
    let acks: Vec<_> = batch.iter().filter_map(|d| render(d, &mut buf)).collect();
    if !buf.is_empty() {
        let _ = out.send(Out::Frame(buf.freeze())).await;
    }
    if let (false, Some(v)) = (acks.is_empty(), vhost) {
        v.ack_all(&acks, now_ms);
    }
}

/// Sleeps for `limit`, or forever without one (an optional deadline in a `select!`).
pub async fn quiet_for(limit: Option<Duration>) {
    match limit {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

/// Writes what comes on `rx` until it closes or [`Out::Close`].
async fn write_loop<W: tokio::io::AsyncWrite + Unpin>(mut wr: W, mut rx: mpsc::Receiver<Out>) {
    let mut beat: Option<Duration> = None;
    let mut buf = BytesMut::new();
    loop {
        let wait = quiet_for(beat);
        tokio::select! {
            item = rx.recv() => {
                let mut close = false;
                match item {
                    None | Some(Out::Close) => close = true,
                    Some(Out::HeartBeat(d)) => beat = Some(d),
                    Some(Out::Frame(b)) => buf.extend_from_slice(&b),
                }
                // Whatever else is queued goes in the same write.
                while !close {
                    match rx.try_recv() {
                        Ok(Out::Frame(b)) => buf.extend_from_slice(&b),
                        Ok(Out::HeartBeat(d)) => beat = Some(d),
                        Ok(Out::Close) | Err(mpsc::error::TryRecvError::Disconnected) => close = true,
                        Err(mpsc::error::TryRecvError::Empty) => break,
                    }
                }
                // Flushed: over TLS, what the socket could not take yet stays in the TLS
                // layer until flushed (a no-op on plain TCP).
                if !buf.is_empty() {
                    if wr.write_all(&buf).await.is_err() || wr.flush().await.is_err() {
                        return;
                    }
                    buf.clear();
                }
                if close {
                    let _ = wr.flush().await;
                    let _ = wr.shutdown().await;
                    return;
                }
            }
            _ = wait => {
                if wr.write_all(b"\n").await.is_err() || wr.flush().await.is_err() {
                    return;
                }
            }
        }
    }
}
