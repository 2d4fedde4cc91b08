//! Puts a file on a submission's `fileUploadUrl` (an Azure Blob SAS URL) as the Azure SDKs
//! do: one Put Blob when it fits in a block, otherwise Put Block for each 4 MiB block and a
//! Put Block List, with the bytes counted on a bar. Each request is retried on its own as
//! every other (`Api::retrying`): they are PUTs, and a block sent twice is the same block.

use std::io::Read;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use indicatif::ProgressBar;
use reqwest::header::CONTENT_LENGTH;

use super::{Api, Failure, Outcome};

/// The block size, and the largest file sent in one Put Blob.
pub const BLOCK_SIZE: usize = 4 << 20;
/// Pieces of a block handed to the connection, counted on the bar as they go.
const PIECE: usize = 64 << 10;
/// The Blob service version the requests speak (Put Block List's `<Latest>` needs one).
const VERSION: &str = "2021-08-06";

/// `url` with another query parameter.
fn with_query(url: &str, extra: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{extra}")
}

/// Sends `data` to `url` by `PUT` with `headers`, counting it on `bar` (again from where
/// it started at each retry).
async fn put(
    api: &Api,
    url: &str,
    data: Bytes,
    headers: &[(&str, &str)],
    bar: &ProgressBar,
) -> Outcome<()> {
    let start = bar.position();
    let data = &data;
    api.retrying("PUT", true, move || async move {
        bar.set_position(start);
        let counted = bar.clone();
        let pieces: Vec<Bytes> = (0..data.len())
            .step_by(PIECE)
            .map(|offset| data.slice(offset..(offset + PIECE).min(data.len())))
            .collect();
        let body = futures::stream::iter(pieces.into_iter().map(move |piece| {
            counted.inc(piece.len() as u64);
            Ok::<_, std::io::Error>(piece)
        }));
        let mut request = api
            .http()
            .put(url)
            .header(CONTENT_LENGTH, data.len())
            .header("x-ms-version", VERSION)
            .body(reqwest::Body::wrap_stream(body));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Ok((request, url.to_string()))
    })
    .await
    .map(drop)
}

/// Uploads the file at `path` to the SAS `url`.
pub async fn upload(api: &Api, url: &str, path: &Path, bar: &ProgressBar) -> Outcome<()> {
    let mut file = std::fs::File::open(path)
        .map_err(|err| Failure::local(format!("cannot open {}: {err}", path.display())))?;
    let size = file.metadata()?.len();
    if size <= BLOCK_SIZE as u64 {
        let mut data = Vec::with_capacity(size as usize);
        file.read_to_end(&mut data)?;
        put(
            api,
            url,
            data.into(),
            &[("x-ms-blob-type", "BlockBlob")],
            bar,
        )
        .await?;
        bar.finish();
        return Ok(());
    }
    let mut ids = Vec::new();
    let mut block = vec![0u8; BLOCK_SIZE];
    loop {
        let mut filled = 0;
        while filled < BLOCK_SIZE {
            match file.read(&mut block[filled..])? {
                0 => break,
                read => filled += read,
            }
        }
        if filled == 0 {
            break;
        }
        // Every id of a blob must have the same length before encoding.
        let id = STANDARD.encode(format!("block-{:08}", ids.len()));
        let block_url = with_query(
            url,
            &format!(
                "comp=block&blockid={}",
                percent_encoding::utf8_percent_encode(&id, percent_encoding::NON_ALPHANUMERIC)
            ),
        );
        put(
            api,
            &block_url,
            Bytes::copy_from_slice(&block[..filled]),
            &[],
            bar,
        )
        .await?;
        ids.push(id);
    }
    let mut list = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
    for id in &ids {
        list += &format!("<Latest>{id}</Latest>");
    }
    list += "</BlockList>";
    let hidden = ProgressBar::hidden();
    put(
        api,
        &with_query(url, "comp=blocklist"),
        list.into(),
        &[("Content-Type", "application/xml")],
        &hidden,
    )
    .await?;
    bar.finish();
    Ok(())
}
