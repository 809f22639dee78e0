//! The owner's dashboard in a real browser (headless Chromium over WebDriver), against the
//! real API and worker on a free port: what the owner does, on a laptop and on a phone.
//!
//! Screenshots of each page go to `target/screenshots/` (`docs/screenshots/` with
//! `UPDATE_SCREENSHOTS=1`: the README shows those).

mod dashboard;
