//! `GET /ical/export/{accommodation_id}/{token}` (the path of the system this replaces, with or
//! without `.ics`) and `GET /ical/{token}.ics`: an accommodation's busy nights as iCal, for the
//! channels that poll us. Conditional requests (`If-None-Match`, `If-Modified-Since`) are
//! answered `304` without a body: channels poll every few minutes. The feed comes from the
//! service's cache (ADR 0082), and its body is handed to the response without a copy.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, OpenApi,
    param::{Header, Path},
    payload::Binary,
};
use shared::{
    Error,
    service::ical_export::{Feed, FeedAddress},
};

use super::ApiTags;
use crate::{error::ApiError, state::AppState};

/// iCal export endpoints.
pub struct IcalApi;

/// A calendar, or word that the client's copy is current.
#[derive(ApiResponse)]
pub enum IcalFeed {
    /// The calendar (RFC 5545).
    #[oai(status = 200, content_type = "text/calendar; charset=utf-8")]
    Ok(
        Binary<Bytes>,
        /// A hash of the body (strong).
        #[oai(header = "ETag")]
        String,
        /// When the busy nights last changed (HTTP date).
        #[oai(header = "Last-Modified")]
        String,
    ),
    /// The copy named by `If-None-Match` / `If-Modified-Since` is current.
    #[oai(status = 304)]
    NotModified(
        /// The current entity tag.
        #[oai(header = "ETag")]
        String,
        /// When the busy nights last changed (HTTP date).
        #[oai(header = "Last-Modified")]
        String,
    ),
}

#[OpenApi(tag = "ApiTags::Calendar")]
impl IcalApi {
    /// An accommodation's calendar, by id and token
    ///
    /// The export URL of the system this replaces; `token` may end in `.ics`. A wrong token
    /// and an unknown accommodation both answer 404.
    #[oai(path = "/ical/export/:accommodation_id/:token", method = "get")]
    async fn export(
        &self,
        state: Data<&AppState>,
        /// Accommodation id.
        accommodation_id: Path<String>,
        /// The secret token of one of its export URLs (`.ics` suffix optional).
        token: Path<String>,
        /// Entity tags the client holds.
        #[oai(name = "If-None-Match")]
        if_none_match: Header<Option<String>>,
        /// The `Last-Modified` of the client's copy.
        #[oai(name = "If-Modified-Since")]
        if_modified_since: Header<Option<String>>,
    ) -> Result<IcalFeed, ApiError> {
        let id = accommodation_id
            .0
            .parse()
            .map_err(|_| Error::NotFound("calendar"))?;
        let token = token.0.strip_suffix(".ics").unwrap_or(&token.0);
        let feed = load(&state, FeedAddress::Accommodation { id, token }).await?;
        Ok(answer(feed, &if_none_match, &if_modified_since))
    }

    /// An accommodation's calendar, by token alone
    ///
    /// The export URL shown to the owner (`/ical/{token}.ics`); an unknown token answers 404.
    #[oai(path = "/ical/:file", method = "get")]
    async fn export_by_token(
        &self,
        state: Data<&AppState>,
        /// `{token}.ics`.
        file: Path<String>,
        /// Entity tags the client holds.
        #[oai(name = "If-None-Match")]
        if_none_match: Header<Option<String>>,
        /// The `Last-Modified` of the client's copy.
        #[oai(name = "If-Modified-Since")]
        if_modified_since: Header<Option<String>>,
    ) -> Result<IcalFeed, ApiError> {
        let token = file
            .0
            .strip_suffix(".ics")
            .ok_or(Error::NotFound("calendar"))?;
        let feed = load(&state, FeedAddress::Token(token)).await?;
        Ok(answer(feed, &if_none_match, &if_modified_since))
    }
}

async fn load(state: &AppState, address: FeedAddress<'_>) -> Result<Arc<Feed>, ApiError> {
    Ok(state
        .ical_export
        .feed(&state.db, state.rules.clock.as_ref(), address)
        .await?)
}

/// A kept feed's body as the bytes of a response: shares the cache's copy instead of copying
/// it (a feed of 1,000 stays is about 180 KB).
struct FeedBody(Arc<Feed>);

impl AsRef<[u8]> for FeedBody {
    fn as_ref(&self) -> &[u8] {
        self.0.body.as_bytes()
    }
}

/// `304` when the client's copy is current (RFC 9110 §13.2.2: `If-None-Match` decides when
/// present, `If-Modified-Since` only without it), else the calendar.
fn answer(
    feed: Arc<Feed>,
    if_none_match: &Option<String>,
    if_modified_since: &Option<String>,
) -> IcalFeed {
    let etag = format!("\"{}\"", feed.digest);
    let last_modified = http_date(feed.last_modified);
    let current = match (if_none_match, if_modified_since) {
        (Some(tags), _) => tags
            .split(',')
            .map(|tag| tag.trim().trim_start_matches("W/"))
            .any(|tag| tag == "*" || tag == etag),
        (None, Some(since)) => DateTime::parse_from_rfc2822(since.trim())
            .is_ok_and(|since| feed.last_modified <= since),
        (None, None) => false,
    };
    if current {
        IcalFeed::NotModified(etag, last_modified)
    } else {
        IcalFeed::Ok(
            Binary(Bytes::from_owner(FeedBody(feed))),
            etag,
            last_modified,
        )
    }
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn http_date(at: DateTime<Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}
