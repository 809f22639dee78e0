//! Admin views and inputs of blocked nights.

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::{Object, registry::MetaSchema};
use shared::service::blocks::{Block, BlockRequest, MAX_BLOCK_REASON_CHARS};

use crate::dto::constraints::{Doc, IsoDate, Rule};

/// Why nights are closed: at most [`MAX_BLOCK_REASON_CHARS`] characters once trimmed.
#[derive(Debug, Clone, Copy)]
pub struct BlockReason;

impl Rule for BlockReason {
    fn apply(schema: &mut MetaSchema) {
        schema.max_length = Some(MAX_BLOCK_REASON_CHARS);
    }
}

/// Nights the owner closes (maintenance, personal use): `[check_in, check_out)`.
#[derive(Debug, Clone, Object)]
pub struct BlockBody {
    /// First night closed, `YYYY-MM-DD`: today or later, at most 24 months ahead (or as far
    /// ahead as bookings open, if further).
    pub check_in: Doc<String, IsoDate>,
    /// Day after the last night closed, `YYYY-MM-DD` (exclusive; at most 366 nights after
    /// check-in).
    pub check_out: Doc<String, IsoDate>,
    /// Why, for the owner's own records (optional; up to 200 characters once trimmed; blank
    /// is none).
    pub reason: Option<Doc<String, BlockReason>>,
}

impl BlockBody {
    /// The request for the service.
    pub fn into_request(self, accommodation_id: i32) -> BlockRequest {
        BlockRequest {
            accommodation_id,
            check_in: self.check_in.0,
            check_out: self.check_out.0,
            reason: self.reason.map(|r| r.0),
        }
    }
}

/// Closed nights of an accommodation.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct BlockView {
    /// Block id (for `DELETE .../blocks/{block_id}`).
    pub id: uuid::Uuid,
    /// Accommodation id.
    pub accommodation_id: i32,
    /// First night closed.
    pub check_in: NaiveDate,
    /// Day after the last night closed.
    pub check_out: NaiveDate,
    /// Nights closed.
    pub nights: i32,
    /// Why (the owner's reason; for an imported block, what the import kept).
    pub reason: Option<String>,
    /// Who closed the nights: `owner`, or the source of the channel feed it was imported
    /// from (`airbnb`, `booking`, `vrbo`, `other`). Only the owner's can be deleted here.
    pub source: String,
    /// When the block was stored.
    pub created_at: DateTime<Utc>,
}

impl From<Block> for BlockView {
    fn from(b: Block) -> Self {
        Self {
            id: b.id,
            accommodation_id: b.accommodation_id,
            check_in: b.check_in,
            check_out: b.check_out,
            nights: b.nights,
            reason: b.reason,
            source: b.source.as_str().into(),
            created_at: b.created_at,
        }
    }
}
