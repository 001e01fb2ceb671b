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

/// Writes what comes on `rx` until it closes or [`Out::Close`].
pub async fn write_loop<W: tokio::io::AsyncWrite + Unpin>(mut wr: W, mut rx: mpsc::Receiver<Out>) {
    let mut beat: Option<Duration> = None;
    let mut buf = BytesMut::new();
    loop {
        let wait = async {
            match beat {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        };
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
                if !buf.is_empty() {
                    if wr.write_all(&buf).await.is_err() {
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
                if wr.write_all(b"\n").await.is_err() {
                    return;
                }
            }
        }
    }
}
