//! The admin security schemes: a bearer JWT with scope `admin`, not expired, still current.
//!
//! 401 without a token or with an invalid, expired, revoked or superseded one (the account was
//! deactivated, its password or role reset: see `shared::service::admin_sessions`); 403 with a
//! valid token of another scope, or a staff token on an owner-only operation. If PostgreSQL
//! cannot answer whether the token is current, the request is refused with 503 rather than
//! letting a possibly revoked token through.
//!
//! Which operations are owner-only is decided in `docs/adr/0040-admin-roles.md`.

use poem::{IntoResponse, Request, http::StatusCode};
use poem_openapi::{SecurityScheme, auth::Bearer};
use shared::{
    auth::{
        role::AdminRole,
        token::{self, ADMIN_SCOPE, Claims, TokenError},
    },
    service::{
        admin_sessions,
        audit::{self, AuditContext},
    },
};

use crate::{error::ApiError, state::AppState};

/// An authenticated admin (the verified token's claims).
#[derive(SecurityScheme)]
#[oai(
    ty = "bearer",
    bearer_format = "JWT",
    checker = "check_admin_token",
    rename = "AdminAuth"
)]
pub struct AdminAuth(pub Claims);

/// An authenticated admin (the verified token's claims).
//
// The same scheme as `AdminAuth` (same name and doc line, so the OpenAPI document has one
// scheme), plus the role check: a staff token gets 403.
#[derive(SecurityScheme)]
#[oai(
    ty = "bearer",
    bearer_format = "JWT",
    checker = "check_owner_token",
    rename = "AdminAuth"
)]
pub struct OwnerAuth(pub Claims);

/// Claims already verified for this request (by the idempotency middleware, which must know
/// the caller before it looks a key up), so the scheme's checker does not query twice.
#[derive(Clone)]
pub(crate) struct Verified(pub Claims);

/// Verifies a bearer token completely: signature, expiry, scope, and that it is still current.
pub(crate) async fn verify(state: &AppState, bearer: &str) -> poem::Result<Claims> {
    let now = state.rules.clock.now();
    let claims = token::verify(&state.settings.jwt_secret, bearer, now, ADMIN_SCOPE).map_err(
        |e| match e {
            TokenError::Invalid => poem::Error::from_status(StatusCode::UNAUTHORIZED),
            TokenError::WrongScope => poem::Error::from_status(StatusCode::FORBIDDEN),
        },
    )?;
    match admin_sessions::is_current(&state.db, &claims).await {
        Ok(true) => Ok(claims),
        Ok(false) => Err(poem::Error::from_status(StatusCode::UNAUTHORIZED)),
        Err(e) => Err(poem::Error::from_response(
            ApiError::from(e).into_response(),
        )),
    }
}

async fn check_admin_token(req: &Request, bearer: Bearer) -> poem::Result<Claims> {
    if let Some(Verified(claims)) = req.extensions().get::<Verified>() {
        return Ok(claims.clone());
    }
    let state = req
        .data::<AppState>()
        .ok_or_else(|| poem::Error::from_status(StatusCode::INTERNAL_SERVER_ERROR))?;
    verify(state, &bearer.token).await
}

async fn check_owner_token(req: &Request, bearer: Bearer) -> poem::Result<Claims> {
    let claims = check_admin_token(req, bearer).await?;
    if claims.role != AdminRole::Owner {
        tracing::warn!(role = %claims.role, "owner-only operation refused");
        return Err(poem::Error::from_status(StatusCode::FORBIDDEN));
    }
    Ok(claims)
}

impl AdminAuth {
    /// The audit context of this admin in the current request.
    pub fn audit(&self) -> AuditContext {
        audit::admin_context(&self.0.email, crate::middleware::trace_id::current())
    }
}

impl OwnerAuth {
    /// The audit context of the owner in the current request.
    pub fn audit(&self) -> AuditContext {
        audit::admin_context(&self.0.email, crate::middleware::trace_id::current())
    }
}
