//! Uniform pagination, filtering and sorting of list endpoints (placeholder).
