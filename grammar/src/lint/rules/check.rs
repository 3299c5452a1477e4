//! ## What it does
//! Reports every problem `tejun check` finds: syntax errors, unknown or duplicate names, type
//! mismatches, a `match` that does not cover every value, a parameter that may have no value
//! where it is used, and the checker's warnings.
//!
//! ## Why is this bad?
//! A runbook with a check error cannot run at all: `tejun run` refuses it. Errors of this rule
//! cannot be turned off or allowed; the checker's warnings can.
//!
//! ## Example
//! ```text
//! param Role: choice("Standard", "Enterprise")
//! step s "Stop" {
//!   match Role { "Standard" => run { Stop-CsWindowsService } }
//! }
//! ```
//!
//! ## Use instead
//! ```text
//! match Role {
//!   "Standard" => run { Stop-CsWindowsService }
//!   "Enterprise" => run { Stop-CsWindowsService -ComputerName $Server }
//! }
//! ```
