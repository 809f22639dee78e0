//! Webhook plumbing: the raw-body payload and the signature checks.

pub mod signature;

use bytes::Bytes;
use poem::{Request, RequestBody};
use poem_openapi::{
    payload::{ParsePayload, Payload},
    registry::{MetaSchema, MetaSchemaRef},
};

/// The exact bytes of a JSON request body, for signature checks over raw bytes.
///
/// Any content type is accepted: the signature, not the header, decides what is trusted.
/// Size is bounded by the [`crate::middleware::body_limit`] middleware.
#[derive(Debug, Clone)]
pub struct RawJson(pub Bytes);

impl Payload for RawJson {
    const CONTENT_TYPE: &'static str = "application/json";

    fn check_content_type(_content_type: &str) -> bool {
        true
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new("object")))
    }
}

impl ParsePayload for RawJson {
    const IS_REQUIRED: bool = false;

    async fn from_request(_req: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        match body.take() {
            Ok(body) => Ok(Self(body.into_bytes().await?)),
            Err(_) => Ok(Self(Bytes::new())),
        }
    }
}

poem_openapi::impl_apirequest_for_payload!(RawJson,);
