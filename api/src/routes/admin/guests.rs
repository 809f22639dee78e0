//! `GET /admin/guests/export`, `POST /admin/guests/erase`: a guest's right to their data —
//! everything stored about them, and its erasure (docs/privacy.md).
//!
//! Both are the owner's: a staff token gets 403, like every operation on guests' data that
//! is not needed to run the day (docs/adr/0040-admin-roles-and-sessions.md).

use poem::web::Data;
use poem_openapi::{OpenApi, param::Query, payload::Json};
use shared::service::guest_data::{self, GuestIdentity};

use crate::{
    auth::OwnerAuth,
    dto::{
        admin::guest::{GuestEraseBody, GuestErasedView, GuestExportView},
        constraints::{Doc, Email, Phone},
    },
    error::ApiError,
    routes::ApiTags,
    state::AppState,
};

/// Guest data endpoints.
pub struct AdminGuestsApi;

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Admin")]
impl AdminGuestsApi {
    /// Export a guest's data
    ///
    /// Everything stored about the guest with this phone and/or email: their stays (with
    /// payments, Mercado Pago's payment data and the emails sent), and their WhatsApp
    /// conversations with every message. The phone is read like everywhere (`+54 9 11
    /// 5555-0123`, `5491155550123`); a stay booked with the email brings the conversations of
    /// its phone too. Empty lists when nothing is stored (or it was erased). `422` without a
    /// phone or email, or with one that does not parse.
    #[oai(path = "/guests/export", method = "get")]
    async fn export(
        &self,
        _auth: OwnerAuth,
        state: Data<&AppState>,
        /// The guest's phone.
        phone: Query<Option<Doc<String, Phone>>>,
        /// The guest's email.
        email: Query<Option<Doc<String, Email>>>,
    ) -> Result<Json<GuestExportView>, ApiError> {
        let who = identity(phone.0.as_ref(), email.0.as_ref())?;
        let data = guest_data::export(&state.db, &who).await?;
        Ok(Json(data.into()))
    }

    /// Erase a guest's data
    ///
    /// What the retention does after `GUEST_DATA_RETENTION_MONTHS`, now: the guest's stays
    /// keep accommodation, dates, amounts and statuses for the books, and lose name (becomes
    /// "Huésped anonimizado"), phone, email, notes, cancellation reason, IP address, the
    /// payer data of their payments and the addresses of their emails; their WhatsApp
    /// conversations are deleted. Audited (`guest.erase`, counts only). Idempotent: repeating
    /// it finds nothing left (counts 0).
    ///
    /// `409 guest_has_live_booking` while the guest holds nights or has a confirmed stay whose
    /// check-out is today or later (nothing is erased: cancel it, or wait until it is over);
    /// `422` without a phone or email, or with one that does not parse.
    #[oai(path = "/guests/erase", method = "post")]
    async fn erase(
        &self,
        auth: OwnerAuth,
        state: Data<&AppState>,
        body: Json<GuestEraseBody>,
    ) -> Result<Json<GuestErasedView>, ApiError> {
        let who = identity(body.0.phone.as_ref(), body.0.email.as_ref())?;
        let erased = guest_data::erase(
            &state.db,
            state.rules.clock.as_ref(),
            state.settings.timezone(),
            &auth.audit(),
            &who,
        )
        .await?;
        Ok(Json(erased.into()))
    }
}

/// The guest a request names (422 naming the bad fields, or `phone` when neither is given).
fn identity(
    phone: Option<&Doc<String, Phone>>,
    email: Option<&Doc<String, Email>>,
) -> Result<GuestIdentity, ApiError> {
    Ok(GuestIdentity::parse(
        phone.map(|p| p.0.as_str()),
        email.map(|e| e.0.as_str()),
    )?)
}
