//! The dashboard's stylesheet, script and icon, embedded in the binary: `GET /admin/assets/:name`.

use poem::{
    IntoResponse, Response, handler,
    http::{StatusCode, header},
    web::Path,
};

/// Name, content type and content of each asset.
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/app.js"),
    ),
    (
        "icon.svg",
        "image/svg+xml",
        include_str!("../../assets/icon.svg"),
    ),
];

/// Serves an asset (cached for an hour: a deploy changes them at most that late), or 404.
#[handler]
pub fn serve(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, ..)| *n == name) {
        Some((_, content_type, body)) => (*body)
            .with_content_type(*content_type)
            .with_header(header::CACHE_CONTROL, "private, max-age=3600")
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
