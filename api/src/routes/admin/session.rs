//! `POST /admin/login`, `POST /admin/logout`.

use poem::web::Data;
use poem_openapi::{ApiResponse, OpenApi, payload::Json};
use shared::service::{
    admin_auth::{self, LoginAttempt, LoginPolicy, Session},
    admin_sessions,
};

use crate::{
    auth::AdminAuth,
    client_ip::{self, ClientIp},
    dto::admin::session::{LoginBody, TokenView},
    error::ApiError,
    routes::ApiTags,
    state::AppState,
};

/// Checks an admin's credentials from `client` under the login policy (lockout, bounded
/// password checks): the one login of the admin API and of the dashboard.
pub(crate) async fn log_in(
    state: &AppState,
    client: ClientIp,
    email: &str,
    password: &str,
) -> shared::Result<Session> {
    let policy = LoginPolicy::from_settings(&state.settings);
    let now = state.rules.clock.now();
    let client = client_ip::bucket_key(client.0);
    let attempt = LoginAttempt {
        email,
        password,
        client: &client,
    };
    admin_auth::login(&state.db, &policy, &state.login_hashes, now, attempt).await
}

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
    /// 5 consecutive failures from one network (IPv4 address or IPv6 /64) lock the account
    /// for that network for 15 minutes. When too many logins are being checked at once, the
    /// answer is 429 `busy` with `Retry-After`.
    #[oai(path = "/login", method = "post")]
    async fn login(
        &self,
        state: Data<&AppState>,
        client: ClientIp,
        body: Json<LoginBody>,
    ) -> Result<Json<TokenView>, ApiError> {
        let session = log_in(&state, client, &body.email, &body.password).await?;
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
        admin_sessions::revoke(&state.db, &auth.0, now).await?;
        Ok(LoggedOut::NoContent)
    }
}
