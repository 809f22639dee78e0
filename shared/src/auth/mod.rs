//! Admin authentication: password hashing and signed, revocable access tokens.

pub mod password;
pub mod token;
