//! Open-data exports streamed page by page (`/reseau/membres.csv`, `/pratiques.csv`,
//! `/pratiques.geojson`): a large base is never held in memory, and the first page is read
//! before answering, so that a database error is a proper error page rather than a cut file.

use crate::error::AppError;
use axum::body::Body;
use bytes::Bytes;
use catalyse_store::StoreResult;
use futures_util::StreamExt;
use std::future::Future;

/// The body of an export: `head`, then each page `fetch(after)` returns (after 0, then after
/// the `key` of the last item of the previous page, until a page is empty) as `render` writes
/// it, then `tail`. `render` may keep state from page to page (a separator to write).
pub async fn stream_pages<T, Fetch, Fut, Render>(
    fetch: Fetch,
    key: fn(&T) -> i64,
    mut render: Render,
    head: Vec<u8>,
    tail: Vec<u8>,
) -> Result<Body, AppError>
where
    T: Send + 'static,
    Fetch: Fn(i64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = StoreResult<Vec<T>>> + Send + 'static,
    Render: FnMut(&[T]) -> anyhow::Result<Vec<u8>> + Send + 'static,
{
    let first = fetch(0).await?;
    let mut start = head;
    start.extend(render(&first).map_err(AppError::Internal)?);
    let after = first.last().map(key);
    let rest = futures_util::stream::try_unfold(
        (after, fetch, render),
        move |(after, fetch, mut render)| async move {
            let Some(after) = after else {
                return Ok(None);
            };
            let page = fetch(after).await.map_err(std::io::Error::other)?;
            let Some(next) = page.last().map(key) else {
                return Ok(None);
            };
            let chunk = render(&page).map_err(std::io::Error::other)?;
            Ok::<_, std::io::Error>(Some((Bytes::from(chunk), (Some(next), fetch, render))))
        },
    );
    let body = futures_util::stream::once(async move { Ok(Bytes::from(start)) })
        .chain(rest)
        .chain(futures_util::stream::once(
            async move { Ok(Bytes::from(tail)) },
        ));
    // Fused: the compression layer may poll again after the end.
    Ok(Body::from_stream(body.fuse()))
}

/// One CSV line (or several records) written to bytes.
pub fn csv_bytes(
    write: impl FnOnce(&mut csv::Writer<Vec<u8>>) -> Result<(), csv::Error>,
) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(vec![]);
    write(&mut w)?;
    w.into_inner().map_err(|e| anyhow::anyhow!(e.into_error()))
}
