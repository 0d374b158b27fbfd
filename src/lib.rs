//! psa: the psychosocial-risk (PSA) module of the Dutch RI&E.
//!
//! `domain` is the pure core; `db` is storage; `http` is the actix adapter; `render` turns domain
//! values into bytes. Dependencies point towards `domain` only.

rust_i18n::i18n!("locales", fallback = "en");

pub mod accounts;
pub mod calendar;
pub mod catalog;
pub mod charts;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod export;
pub mod http;
pub mod i18n;
pub mod keys;
pub mod plan;
pub mod render;
pub mod results;
pub mod secret;
pub mod shares;
pub mod startup;
pub mod telemetry;
pub mod vpo;
