//! The admin security scheme: a bearer JWT with scope `admin`, not expired, not revoked.
//!
//! 401 without a token or with an invalid, expired or revoked one; 403 with a valid token of
//! another scope. Revocation is checked in Redis; if Redis cannot answer, the request is
//! refused with 503 rather than letting a possibly revoked token through.

use poem::{Request, http::StatusCode};
use poem_openapi::{SecurityScheme, auth::Bearer};
use shared::{
    auth::token::{self, ADMIN_SCOPE, Claims, TokenError},
    service::{
        admin_auth,
        audit::{self, AuditContext},
    },
};

use crate::state::AppState;

/// An authenticated admin (the verified token's claims).
#[derive(SecurityScheme)]
#[oai(
    ty = "bearer",
    bearer_format = "JWT",
    checker = "check_admin_token",
    rename = "AdminAuth"
)]
pub struct AdminAuth(pub Claims);

async fn check_admin_token(req: &Request, bearer: Bearer) -> poem::Result<Claims> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| poem::Error::from_status(StatusCode::INTERNAL_SERVER_ERROR))?;
    let now = state.rules.clock.now();
    let claims = token::verify(&state.settings.jwt_secret, &bearer.token, now, ADMIN_SCOPE)
        .map_err(|e| match e {
            TokenError::Invalid => poem::Error::from_status(StatusCode::UNAUTHORIZED),
            TokenError::WrongScope => poem::Error::from_status(StatusCode::FORBIDDEN),
        })?;
    match admin_auth::is_revoked(&state.redis, &state.keys, &claims.jti).await {
        Ok(false) => Ok(claims),
        Ok(true) => Err(poem::Error::from_status(StatusCode::UNAUTHORIZED)),
        Err(e) => {
            tracing::warn!(error = %e, "token revocation check failed");
            Err(poem::Error::from_status(StatusCode::SERVICE_UNAVAILABLE))
        }
    }
}

impl AdminAuth {
    /// The audit context of this admin in the current request.
    pub fn audit(&self) -> AuditContext {
        audit::admin_context(&self.0.email, crate::middleware::trace_id::current())
    }
}
