//! Cabañas HTTP API: the public booking API, health, metrics and docs, built with poem and
//! poem-openapi. Handlers are thin: they parse a DTO, call a `shared` service and map the
//! result. Nothing here holds business rules.

pub mod auth;
pub mod cli;
pub mod client_ip;
pub mod dto;
pub mod error;
pub mod listener;
pub mod middleware;
pub mod pagination;
pub mod routes;
pub mod startup;
pub mod state;
pub mod web;
pub mod webhooks;
