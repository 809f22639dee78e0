//! Fetching a channel's iCal feed: one conditional GET, bounded in time and size.
//!
//! The client sends back the validators of the last body accepted (`If-None-Match`,
//! `If-Modified-Since`), follows a few redirects, gives up after the timeout (whole request,
//! body included) and stops reading a body past the size limit. Whatever goes wrong comes back
//! as a [`FetchFailed`] with a short reason for metrics and a detail for the owner; the caller
//! keeps the previous blocks. Feed URLs carry the channel's secret: only [`url_host`] of one
//! is ever logged.

use std::time::Duration;

use reqwest::{StatusCode, header};

use crate::{Error, Result};

/// The validators of a body, sent back on the next request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Validators {
    /// The `ETag` header.
    pub etag: Option<String>,
    /// The `Last-Modified` header.
    pub last_modified: Option<String>,
}

/// What a fetch brought.
#[derive(Debug)]
pub enum Fetched {
    /// `304 Not Modified`: the feed is as last accepted.
    NotModified,
    /// A `2xx` body (at most the size limit), with its validators.
    Body {
        /// The raw bytes.
        body: Vec<u8>,
        /// Its `ETag` and `Last-Modified`.
        validators: Validators,
    },
}

/// Why a fetch failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{reason}: {detail}")]
pub struct FetchFailed {
    /// A short, bounded word for metrics (`http_status`, `timeout`, `too_large`,
    /// `unreachable`).
    pub reason: &'static str,
    /// What the owner reads (e.g. `the server answered 503`); never contains the URL.
    pub detail: String,
}

impl FetchFailed {
    fn new(reason: &'static str, detail: impl Into<String>) -> Self {
        Self {
            reason,
            detail: detail.into(),
        }
    }

    fn from_reqwest(e: &reqwest::Error) -> Self {
        if e.is_timeout() {
            Self::new("timeout", "the channel did not answer in time")
        } else if e.is_redirect() {
            Self::new("unreachable", "too many redirects")
        } else if e.is_connect() {
            Self::new("unreachable", "could not connect to the channel")
        } else {
            Self::new("unreachable", "the connection to the channel failed")
        }
    }
}

/// The feed fetcher: one pooled HTTP client with the limits every fetch obeys.
#[derive(Clone, Debug)]
pub struct FeedFetcher {
    http: reqwest::Client,
    max_bytes: usize,
}

/// Most redirects followed (channels move feeds behind a redirect now and then).
const MAX_REDIRECTS: usize = 5;

impl FeedFetcher {
    /// A fetcher whose requests give up after `timeout` and whose bodies stop at `max_bytes`.
    pub fn new(timeout: Duration, max_bytes: usize) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
            .user_agent(concat!("cabanas-calendar-sync/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Internal(Box::new(e)))?;
        Ok(Self { http, max_bytes })
    }

    /// The size limit of a body.
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// One conditional GET of `url`.
    pub async fn fetch(
        &self,
        url: &str,
        known: &Validators,
    ) -> std::result::Result<Fetched, FetchFailed> {
        let mut request = self
            .http
            .get(url)
            .header(header::ACCEPT, "text/calendar, */*;q=0.5");
        if let Some(etag) = &known.etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(date) = &known.last_modified {
            request = request.header(header::IF_MODIFIED_SINCE, date);
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| FetchFailed::from_reqwest(&e))?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(FetchFailed::new(
                "http_status",
                format!("the channel answered {}", status.as_u16()),
            ));
        }
        let too_large = || {
            FetchFailed::new(
                "too_large",
                format!("the feed is larger than {} bytes", self.max_bytes),
            )
        };
        if response
            .content_length()
            .is_some_and(|len| len > self.max_bytes as u64)
        {
            return Err(too_large());
        }
        let validators = Validators {
            etag: header_text(response.headers(), header::ETAG),
            last_modified: header_text(response.headers(), header::LAST_MODIFIED),
        };
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| FetchFailed::from_reqwest(&e))?
        {
            if body.len() + chunk.len() > self.max_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched::Body { body, validators })
    }
}

/// Longest validator kept (a longer one is not sent back: the next fetch is unconditional).
const MAX_VALIDATOR_LEN: usize = 256;

fn header_text(headers: &header::HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= MAX_VALIDATOR_LEN)
        .map(str::to_owned)
}

/// The host of a feed URL, the only part of it that may be logged (`?` when it has none).
pub fn url_host(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_host_of_a_feed_url_is_shown() {
        assert_eq!(
            url_host("https://www.airbnb.com/calendar/ical/123.ics?s=secret"),
            "www.airbnb.com"
        );
        assert_eq!(url_host("not a url"), "?");
    }
}
