//! A bare axum server: `catalyse-bare-bench ADDR [FILE CONTENT-TYPE]…` answers `/healthz`
//! with `ok` and `/n` (n = 0, 1, …) with the bytes of the nth file, with its content type,
//! through no layer at all. The page benchmark measures it beside Catalyse and nginx: the gap
//! between it and Catalyse is what Catalyse's layers cost, the gap between it and nginx what
//! axum and hyper cost.

use axum::http::header;
use axum::routing::get;
use axum::Router;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:18090".into());
    let mut app = Router::new().route("/healthz", get(|| async { "ok" }));
    let rest: Vec<String> = args.collect();
    for (n, pair) in rest.chunks(2).enumerate() {
        let bytes = axum::body::Bytes::from(std::fs::read(&pair[0])?);
        let kind = pair.get(1).cloned().unwrap_or_else(|| "text/html".into());
        app = app.route(
            &format!("/{n}"),
            get(move || {
                let (bytes, kind) = (bytes.clone(), kind.clone());
                async move { ([(header::CONTENT_TYPE, kind)], bytes) }
            }),
        );
    }
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await?;
    Ok(())
}
