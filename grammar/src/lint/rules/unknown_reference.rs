//! ## What it does
//! Finds windows (`window NAME from A to B`) and other references that name a step the runbook
//! does not declare.
//!
//! ## Why is this bad?
//! The window would never open or close, so its time limit would never be watched: exactly the
//! service outage the window is there to bound.
//!
//! ## Example
//! ```text
//! window backend-down from stop-services to start-service limit 30m
//! ```
//!
//! ## Use instead
//! ```text
//! window backend-down from stop-services to start-services limit 30m
//! ```
