//! `POST /admin/login`, `POST /admin/logout`.

use poem::web::Data;
use poem_openapi::{ApiResponse, OpenApi, payload::Json};
use shared::service::admin_auth::{self, LoginPolicy};

use crate::{
    auth::AdminAuth,
    dto::admin::session::{LoginBody, TokenView},
    error::ApiError,
    routes::ApiTags,
    state::AppState,
};

/// Session endpoints.
pub struct SessionApi;

/// Logged out.
#[derive(ApiResponse)]
pub enum LoggedOut {
    /// The token no longer works.
    #[oai(status = 204)]
    NoContent,
}

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Admin")]
impl SessionApi {
    /// Log in
    ///
    /// Exchanges the owner's email and password for a JWT (scope `admin`, valid 24 h by
    /// default). Wrong password, unknown email and locked accounts all answer 401 the same way;
    /// 5 consecutive failures lock the account for 15 minutes.
    #[oai(path = "/login", method = "post")]
    async fn login(
        &self,
        state: Data<&AppState>,
        body: Json<LoginBody>,
    ) -> Result<Json<TokenView>, ApiError> {
        let policy = LoginPolicy::from_settings(&state.settings);
        let now = state.rules.clock.now();
        let session =
            admin_auth::login(&state.db, &policy, now, &body.email, &body.password).await?;
        Ok(Json(TokenView {
            access_token: session.token,
            token_type: "Bearer".into(),
            expires_at: session.claims.expires_at(),
            // From the claims, not `now`: `exp` is whole seconds, so `exp - now` would lose
            // the sub-second part of `now` and report 86399 for a 24-hour token.
            expires_in: session.claims.exp - session.claims.iat,
        }))
    }

    /// Log out
    ///
    /// Revokes the presented token until it would have expired.
    #[oai(path = "/logout", method = "post")]
    async fn logout(&self, auth: AdminAuth, state: Data<&AppState>) -> Result<LoggedOut, ApiError> {
        let now = state.rules.clock.now();
        admin_auth::revoke(&state.redis, &state.keys, &auth.0, now).await?;
        Ok(LoggedOut::NoContent)
    }
}
