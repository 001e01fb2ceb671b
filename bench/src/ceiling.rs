//! The ceiling: a hyper server on the same stack as Quayside that answers every request with a
//! fixed small JSON body. What the load generator measures against it is the most HTTP this
//! machine does in the same conditions.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;

pub async fn serve(port: u16) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("ceiling listening on http://{}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let svc = service_fn(|req: hyper::Request<hyper::body::Incoming>| async move {
                // Read the body, as a real server must.
                let _ = req.into_body().collect().await;
                let mut r = hyper::Response::new(Full::new(Bytes::from_static(
                    br#"{"MD5OfMessageBody":"00000000000000000000000000000000","MessageId":"00000000-0000-0000-0000-000000000000"}"#,
                )));
                r.headers_mut()
                    .insert("content-type", hyper::header::HeaderValue::from_static("application/x-amz-json-1.0"));
                Ok::<_, Infallible>(r)
            });
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
        });
    }
}
