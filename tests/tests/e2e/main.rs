//! End-to-end tests: the platform over HTTP and the real binary, on the
//! database named by `XINYONG_TEST_DB` (SQLite by default, or PostgreSQL).
//! One test binary, so the workspace links it once.

mod auth;
mod cli;
mod conventions;
mod import;
mod limits;
mod migrations;
mod operations;
mod records;
mod views;
