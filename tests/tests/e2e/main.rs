//! End-to-end tests: the platform over HTTP and the real binary, on the
//! database named by `XINYONG_TEST_DB` (SQLite by default, or PostgreSQL).
//! One test binary, so the workspace links it once.

mod accounts;
mod agency_reads;
mod auth;
mod authz;
mod cases;
mod chain;
mod cli;
mod consents;
mod conventions;
mod feed;
mod fixed;
mod hostile;
mod import;
mod limits;
mod mail;
mod migrations;
mod operations;
mod records;
mod reference;
mod views;
