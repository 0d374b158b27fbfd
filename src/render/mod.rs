//! Rendering: bytes from domain values. HTML pages now; charts, CSV, XLSX and PDF come with the
//! results and export features.

pub mod charts;
pub mod export;
pub mod pages;
pub mod plan;
pub mod respond;
pub mod results;
