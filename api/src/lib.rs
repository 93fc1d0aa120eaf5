//! Xinyong (信用): a public credit information platform.
//!
//! Layers, from the outside in: `http` (axum routes and middleware) →
//! `graphql` (thin resolvers) → `service` (use cases, one transaction each)
//! → `domain` (pure rules, a crate of its own) and `entity` (tables).

pub use domain;

pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod db;
pub mod graphql;
pub mod http;
pub mod import;
pub mod jobs;
pub mod mail;
pub mod ratelimit;
pub mod server;
pub mod service;
pub mod state;
pub mod telemetry;
