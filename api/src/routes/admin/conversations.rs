//! `GET /admin/conversations`, `GET /admin/conversations/{phone}`,
//! `POST /admin/conversations/{phone}/reply`, `POST /admin/conversations/{phone}/resolve`: the
//! concierge's WhatsApp conversations, and the owner taking over the ones handed off.
//!
//! Any admin may read them; writing to a guest and handing a conversation back to the bot are
//! the owner's, like closing nights (docs/adr/0040-admin-roles-and-sessions.md).

use poem::web::Data;
use poem_openapi::{
    ApiResponse, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use shared::{
    Error,
    domain::PhoneNumber,
    service::{
        conversation_admin::{self, ConversationFilter},
        conversation_reply::{self, NotConfigured},
    },
};

use crate::{
    auth::{AdminAuth, OwnerAuth},
    dto::{
        admin::conversation::{
            ConversationDetailView, ConversationMessageView, ConversationView, GuestPhone,
            ReplyBody, ResolvedView,
        },
        constraints::{Doc, PageNumber, PageSize, inner},
    },
    error::{ApiError, ErrorBody},
    middleware::idempotency::idempotent,
    pagination::{Page, PageParams},
    routes::ApiTags,
    state::AppState,
};

/// Admin conversation endpoints.
pub struct AdminConversationsApi;

/// Where the owner's reply stands.
#[derive(ApiResponse)]
pub enum ReplyAnswer {
    /// Meta took it (`state` sent, with its `wamid`), or refused it for good (`state` failed,
    /// the reason in `error`).
    #[oai(status = 200)]
    Done(Json<ConversationMessageView>),
    /// Stored but not sent yet (`state` queued): Meta could not be reached. It goes out, in
    /// order, the next time the conversation's messages are sent (the guest's next message, a
    /// booking notice).
    #[oai(status = 202)]
    Queued(Json<ConversationMessageView>),
}

/// The `{phone}` of a path: E.164 with or without `+` (`%2B` too); anything else is a 422
/// naming `phone`.
fn guest(raw: &str) -> Result<PhoneNumber, ApiError> {
    Ok(conversation_admin::guest_phone(raw)?)
}

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Admin")]
impl AdminConversationsApi {
    /// List WhatsApp conversations
    ///
    /// One row per guest who wrote, latest activity first (the later of the conversation's
    /// last message and the guest's). `handed_off=true`: the conversations the bot handed to
    /// the owner (it does not answer them until resolved); `unanswered=true`: those with
    /// guest messages nobody answered. Paged like every list (`page`, `page_size`).
    #[oai(path = "/conversations", method = "get")]
    async fn list(
        &self,
        _auth: AdminAuth,
        state: Data<&AppState>,
        /// Only conversations the owner has (`true`) or the bot has (`false`).
        handed_off: Query<Option<bool>>,
        /// Only conversations with (`true`) or without (`false`) unanswered guest messages.
        unanswered: Query<Option<bool>>,
        /// Page number, from 1.
        page: Query<Option<Doc<i64, PageNumber>>>,
        /// Rows per page, 1 to 100 (default 20).
        page_size: Query<Option<Doc<i64, PageSize>>>,
    ) -> Result<Json<Page<ConversationView>>, ApiError> {
        let params = PageParams::from_query(inner(page.0), inner(page_size.0))?;
        let filter = ConversationFilter {
            handed_off: handed_off.0,
            unanswered: unanswered.0,
            phone: None,
        };
        let now = state.rules.clock.now();
        let paged = conversation_admin::list(&state.db, &filter, params.into(), now).await?;
        Ok(Json(Page::of(paged, params)))
    }

    /// A conversation
    ///
    /// The guest, where the conversation stands, and its latest 200 messages both ways, oldest
    /// first, each with its state and (ours) Meta's delivery status; `has_older` says whether
    /// older messages were left out. `404` when no guest with that phone ever wrote.
    #[oai(path = "/conversations/:phone", method = "get")]
    async fn get(
        &self,
        _auth: AdminAuth,
        state: Data<&AppState>,
        /// The guest's phone, E.164 with or without `+` (`+5491155550123`, `5491155550123`).
        phone: Path<Doc<String, GuestPhone>>,
    ) -> Result<Json<ConversationDetailView>, ApiError> {
        let phone = guest(&phone.0.0)?;
        let now = state.rules.clock.now();
        let detail = conversation_admin::detail(&state.db, &phone, now).await?;
        Ok(Json(detail.into()))
    }

    /// Reply to a guest
    ///
    /// The owner's text goes to the guest on WhatsApp and the guest's unanswered messages
    /// become `answered`. Answers with the stored message: `200` sent (or failed for good,
    /// with `error`), `202` queued when Meta could not be reached (sent later). The
    /// conversation stays with the owner until resolved.
    ///
    /// `409 window_closed` when the guest last wrote more than 24 hours ago (WhatsApp allows
    /// free text only within 24 hours; nothing is stored: wait for the guest to write);
    /// `503 whatsapp_not_configured` without `WHATSAPP_PHONE_ID` and `WHATSAPP_ACCESS_TOKEN`;
    /// `404` for an unknown guest; `422` for an empty text or one over 4096 characters.
    #[oai(
        path = "/conversations/:phone/reply",
        method = "post",
        transform = "idempotent",
        request_header(
            name = "Idempotency-Key",
            ty = "Option<crate::dto::constraints::Doc<String, crate::dto::constraints::IdempotencyKey>>",
            description = "Retry safely: the same key and body replay the first answer (the text is sent once)."
        )
    )]
    async fn reply(
        &self,
        auth: OwnerAuth,
        state: Data<&AppState>,
        /// The guest's phone, E.164 with or without `+`.
        phone: Path<Doc<String, GuestPhone>>,
        body: Json<ReplyBody>,
    ) -> Result<ReplyAnswer, ApiError> {
        let phone = guest(&phone.0.0)?;
        let sent = conversation_reply::reply(state.outbox(), &auth.audit(), &phone, &body.0.text.0)
            .await
            .map_err(not_configured)?;
        let queued = sent.state == shared::domain::whatsapp::MessageState::Queued;
        let view = Json(sent.into());
        Ok(if queued {
            ReplyAnswer::Queued(view)
        } else {
            ReplyAnswer::Done(view)
        })
    }

    /// Give a conversation back to the bot
    ///
    /// Ends the hand-off: the bot answers the guest's next messages again (its
    /// misunderstood count starts over), and the guest's messages still unanswered become
    /// `ignored` (the owner dealt with them). Idempotent: a conversation that is not handed
    /// off is left as it is (`changed` false). `404` for an unknown guest.
    #[oai(
        path = "/conversations/:phone/resolve",
        method = "post",
        transform = "idempotent",
        request_header(
            name = "Idempotency-Key",
            ty = "Option<crate::dto::constraints::Doc<String, crate::dto::constraints::IdempotencyKey>>",
            description = "Retry safely: the same key replays the first answer."
        )
    )]
    async fn resolve(
        &self,
        auth: OwnerAuth,
        state: Data<&AppState>,
        /// The guest's phone, E.164 with or without `+`.
        phone: Path<Doc<String, GuestPhone>>,
    ) -> Result<Json<ResolvedView>, ApiError> {
        let phone = guest(&phone.0.0)?;
        let clock = state.rules.clock.as_ref();
        let resolved = conversation_admin::resolve(&state.db, clock, &auth.audit(), &phone).await?;
        Ok(Json(resolved.into()))
    }
}

/// `503 whatsapp_not_configured` for a reply that cannot be sent at all; other errors as usual.
fn not_configured(err: Error) -> ApiError {
    match err {
        Error::Unavailable(source) if source.is::<NotConfigured>() => {
            ApiError::Unavailable(Json(ErrorBody::new(
                "whatsapp_not_configured",
                "WhatsApp is not configured on this server (WHATSAPP_PHONE_ID, WHATSAPP_ACCESS_TOKEN): replies cannot be sent",
            )))
        }
        other => other.into(),
    }
}
