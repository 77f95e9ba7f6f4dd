//! propdesk — the server: staff pages, the JSON API, the CLI and the background jobs.

pub mod api;
pub mod app;
pub mod auth;
pub mod bench;
pub mod bench_work_orders;
pub mod cli;
pub mod demo;
pub mod error;
pub mod files;
pub mod i18n;
pub mod jobs;
pub mod ops;
pub mod serve;
pub mod staff;
pub mod state;
pub mod telemetry;
pub mod xlsx;
