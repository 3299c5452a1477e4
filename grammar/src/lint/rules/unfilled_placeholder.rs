//! ## What it does
//! Finds document placeholders such as `<SQL Server FQDN>` left in code with no parameter
//! declaring them (`param SqlServerFqdn: string placeholder "<SQL Server FQDN>"`).
//!
//! ## Why is this bad?
//! PowerShell reads `<` as a redirection operator: the command fails, or worse, does something
//! else. A placeholder is a value the operator must supply, so it belongs in a parameter.
//!
//! ## Example
//! ```text
//! run { Install-CsDatabase -ConfiguredDatabases -SqlServerFqdn <SQL Server FQDN> }
//! ```
//!
//! ## Use instead
//! ```text
//! param SqlServerFqdn: string required placeholder "<SQL Server FQDN>"
//! run { Install-CsDatabase -ConfiguredDatabases -SqlServerFqdn <SQL Server FQDN> }
//! ```
//! The command stays as the document writes it; tejun passes the value as `$SqlServerFqdn`.
