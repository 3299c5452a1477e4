//! ## What it does
//! Checks inline allows (`# tejun: allow(CODE) reason`): each must name a rule by code or name,
//! say why, and allow a finding on its line, the next line, or the step that follows it.
//!
//! ## Why is this bad?
//! An allow that names no rule or allows nothing hides nothing, yet tells readers something is
//! hidden; an allow without a reason leaves the next reader guessing whether it is still right.
//!
//! ## Example
//! ```text
//! # tejun: allow(TJ03)
//! step stop "Stop the services" { run { Stop-CsWindowsService } }
//! ```
//!
//! ## Use instead
//! ```text
//! # tejun: allow(TJ003) the next step checks every service
//! step stop "Stop the services" { run { Stop-CsWindowsService } }
//! ```
