//! Guest emails: the Spanish (es-AR) texts of each lifecycle notice, in plain text and HTML.
//! Sending is `providers::email`; when and to whom is the `guest_notice.v1` job.

pub mod templates;

pub use templates::{NoticeFacts, render};
