//! Black-box tests of the real application over HTTP, on SQLite or (with
//! `PSA_TEST_POSTGRES_URL`) PostgreSQL.

// Test helpers fail the test by panicking; that is their job.
#![allow(clippy::unwrap_used)]

mod access;
mod answering;
mod audit;
mod backup;
mod charts;
mod cli;
mod counsellors;
mod crash;
mod errors;
mod exports;
mod guessing;
mod hardening;
mod helpers;
mod instances;
mod login;
mod migrations;
mod openapi;
mod organisations;
mod outage;
mod plan;
mod plan_pages;
mod policy;
mod questionnaires;
mod results;
mod rounds;
mod setup;
mod shares;
mod units;
mod vpo;
mod vpo_report;
mod vpo_retention;
