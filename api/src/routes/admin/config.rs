//! `GET /admin/config`: the running configuration, secrets shown only as set/unset.

use std::collections::BTreeMap;

use poem::web::Data;
use poem_openapi::{Object, OpenApi, payload::Json};

use crate::{auth::OwnerAuth, error::ApiError, routes::ApiTags, state::AppState};

/// Admin configuration endpoint.
pub struct AdminConfigApi;

/// The running configuration.
#[derive(Debug, Clone, Object)]
pub struct ConfigView {
    /// Package version.
    pub version: String,
    /// Git commit the binary was built from (`unknown` when not recorded).
    pub git_commit: String,
    /// When the binary was built (`unknown` when not recorded).
    pub build_time: String,
    /// Every setting by its environment variable name; secrets read `set` or `unset`.
    pub settings: BTreeMap<String, serde_json::Value>,
}

impl ConfigView {
    /// The running configuration of `state` (the admin API's and the dashboard's).
    pub fn of(state: &AppState) -> Self {
        let settings = state
            .settings
            .redacted()
            .as_object()
            .into_iter()
            .flatten()
            .map(|(key, value)| (key.to_ascii_uppercase(), value.clone()))
            .collect();
        Self {
            version: env!("CARGO_PKG_VERSION").into(),
            git_commit: state
                .settings
                .git_commit
                .clone()
                .or_else(|| option_env!("GIT_COMMIT").map(str::to_owned))
                .unwrap_or_else(|| "unknown".into()),
            build_time: option_env!("BUILD_TIME").unwrap_or("unknown").into(),
            settings,
        }
    }
}

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Admin")]
impl AdminConfigApi {
    /// Running configuration
    ///
    /// Answers through [`ApiError`] although building the view cannot fail: the admin token
    /// check can (401, 403, 503), and only a route's response type puts those in the document.
    #[oai(path = "/config", method = "get")]
    async fn config(
        &self,
        _auth: OwnerAuth,
        state: Data<&AppState>,
    ) -> Result<Json<ConfigView>, ApiError> {
        Ok(Json(ConfigView::of(&state)))
    }
}
