//! ## What it does
//! Parses every `run`, `require`, `ensure` and `skip if` block with the real PowerShell parser
//! (`[System.Management.Automation.Language.Parser]::ParseInput`) and reports each parse error
//! at the runbook's own line and column. All blocks of all files go to one hosted PowerShell.
//! `--no-pwsh` skips the rule (and says so); a missing PowerShell is reported, not skipped.
//! Errors that depend on what is installed where the lint runs rather than on the syntax (an
//! unknown type, `using module` of a module that is not there, an assembly that cannot load)
//! are not reported: the runbook's server has what the CI machine lacks.
//!
//! ## Why is this bad?
//! A block that does not parse fails only when the run reaches it: perhaps in step 9 of 11,
//! with the services already stopped.
//!
//! ## Example
//! ```text
//! run { Get-Service w3svc | Where-Object { $_.Status -eq 'Running' }
//! ```
//!
//! ## Use instead
//! ```text
//! run { Get-Service w3svc | Where-Object { $_.Status -eq 'Running' } }
//! ```
