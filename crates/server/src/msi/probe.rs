//! Package processing: what the worker checks of each installer URL.
//!
//! By default the URL must be a well-formed https URL. With `--verify-package-urls` the URL
//! is fetched instead (http or https): HEAD, and when that fails a GET of at most
//! [`GET_CAP`] bytes, since some download servers refuse HEAD. A package that cannot be
//! reached fails processing.

use std::time::Duration;

use futures::StreamExt;
use storeroom_domain::msi::formats::{is_https_url, is_url};
use storeroom_wire::msi::Package;

/// How much of an installer a GET reads before it is satisfied the URL serves content.
pub const GET_CAP: usize = 1 << 20;
const TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Clone)]
pub struct PackageProbe {
    /// None: check URL well-formedness only; else the client that fetches (or why there is
    /// none).
    client: Option<Result<reqwest::Client, String>>,
}

impl PackageProbe {
    pub fn new(verify_urls: bool) -> Self {
        let client = verify_urls.then(|| {
            reqwest::Client::builder()
                .timeout(TIMEOUT)
                .build()
                .map_err(|err| format!("no HTTP client: {err}"))
        });
        Self { client }
    }

    /// Checks every package; the error names the first that fails and why.
    pub async fn check(&self, packages: &[Package]) -> Result<(), String> {
        for (i, package) in packages.iter().enumerate() {
            let url = package.package_url.trim();
            let field = format!("packages[{i}].packageUrl '{url}'");
            match &self.client {
                None if !is_https_url(url) => {
                    return Err(format!("{field} is not a well-formed https URL"));
                }
                None => {}
                Some(_) if !is_url(url) => {
                    return Err(format!("{field} is not a well-formed URL"));
                }
                Some(client) => {
                    let client = client.as_ref().map_err(Clone::clone);
                    let fetched = match client {
                        Ok(client) => fetch(client, url).await,
                        Err(reason) => Err(reason),
                    };
                    fetched
                        .map_err(|reason| format!("{field} could not be downloaded: {reason}"))?;
                }
            }
        }
        Ok(())
    }
}

async fn fetch(client: &reqwest::Client, url: &str) -> Result<(), String> {
    if let Ok(response) = client.head(url).send().await
        && response.status().is_success()
    {
        return Ok(());
    }
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|err| err.to_string())?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("GET answered {status}"));
    }
    let mut read = 0;
    let mut body = response.bytes_stream();
    while read < GET_CAP {
        match body.next().await {
            Some(Ok(chunk)) => read += chunk.len(),
            Some(Err(err)) => return Err(err.to_string()),
            None => break,
        }
    }
    Ok(())
}
