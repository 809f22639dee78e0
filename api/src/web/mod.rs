//! The owner's dashboard: Spanish, server-rendered HTML pages at [`PREFIX`], over the same
//! services as the admin API. Templates live in `api/templates/` (compiled into the binary
//! by askama, every value HTML-escaped), the stylesheet and script in `api/assets/`
//! (embedded too): nothing to build or deploy beside the `api` binary.

pub mod assets;
pub mod csrf;
pub mod live;
pub mod pages;
pub mod rows;
pub mod session;
pub mod view;

use poem::{Route, get, post};

/// Where the dashboard is mounted.
pub const PREFIX: &str = "/admin";

/// The dashboard's routes (mounted at [`PREFIX`]).
pub fn routes() -> Route {
    Route::new()
        .at("/", get(pages::home::show))
        .at("/inicio/datos", get(pages::home::panels_only))
        .at(
            "/login",
            get(pages::login::show_form).post(pages::login::submit),
        )
        .at("/logout", post(pages::login::logout))
        .at("/reservas", get(pages::reservations::list))
        .at("/reservas/export.csv", get(pages::reservations::export))
        .at(
            "/reservas/nueva",
            get(pages::new_reservation::show).post(pages::new_reservation::create),
        )
        .at("/reservas/:code", get(pages::reservation::show))
        .at("/calendario", get(pages::calendar::show))
        .at("/conversaciones", get(pages::conversations::list))
        .at("/conversaciones/:phone", get(pages::conversations::show))
        .at(
            "/conversaciones/:phone/responder",
            post(pages::conversations::reply),
        )
        .at(
            "/conversaciones/:phone/resolver",
            post(pages::conversations::resolve),
        )
        .at("/operacion", get(pages::operations::show))
        .at(
            "/operacion/trabajos/:id/reintentar",
            post(pages::operations::retry_job),
        )
        .at("/operacion/webhooks", get(pages::webhook_log::list))
        .at(
            "/operacion/webhooks/:id/reenviar",
            post(pages::webhook_log::replay),
        )
        .at(
            "/operacion/calendarios/:id/sincronizar",
            post(pages::operations::sync_feed),
        )
        .at(
            "/operacion/calendarios/:id/quitar",
            post(pages::operations::remove_feed),
        )
        .at("/operacion/calendarios", post(pages::operations::add_feed))
        .at("/configuracion", get(pages::settings::show))
        .at("/configuracion.json", get(pages::settings::export))
        .at(
            "/reservas/:code/confirmar",
            post(pages::reservation::confirm),
        )
        .at("/reservas/:code/cancelar", post(pages::reservation::cancel))
        .at("/reservas/:code/editar", post(pages::reservation::edit))
        .at(
            "/reservas/:code/reenviar-link",
            post(pages::resend_link::resend),
        )
        .at("/assets/:name", get(assets::serve))
        .at("/eventos", get(live::stream))
}
