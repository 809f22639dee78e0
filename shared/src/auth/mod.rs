//! Admin authentication: password hashing (bounded in concurrency), roles, and signed access
//! tokens that logout, a password reset or a deactivation can invalidate.

pub mod hash_limit;
pub mod password;
pub mod role;
pub mod token;
