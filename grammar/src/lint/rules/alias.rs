//! ## What it does
//! Finds aliases in runbook code (`%`, `?`, `gci`, `ls`, `rm`, `sleep`, ...) and names the cmdlet
//! each stands for.
//!
//! ## Why is this bad?
//! A runbook is read by people under pressure and run on machines you do not control. Aliases
//! differ between shells and machines (`ls` and `rm` run the Unix tools in PowerShell 7 on
//! Linux; `sc` is `Set-Content` in Windows PowerShell, not the service controller; `curl` is
//! `Invoke-WebRequest` there), and a profile can redefine them. The full name means one thing.
//!
//! ## Example
//! ```text
//! run { gci C:\LyncUpdate | % { $_.Name } }
//! ```
//!
//! ## Use instead
//! ```text
//! run { Get-ChildItem C:\LyncUpdate | ForEach-Object { $_.Name } }
//! ```

use crate::lint::{Context, Finding};

/// Aliases and what they stand for, in Windows PowerShell 5.1 and PowerShell 7.
const ALIASES: &[(&str, &str)] = &[
    ("%", "ForEach-Object"),
    ("?", "Where-Object"),
    ("ac", "Add-Content"),
    ("cat", "Get-Content"),
    ("cd", "Set-Location"),
    ("chdir", "Set-Location"),
    ("clc", "Clear-Content"),
    ("clear", "Clear-Host"),
    ("cls", "Clear-Host"),
    ("compare", "Compare-Object"),
    ("copy", "Copy-Item"),
    ("cp", "Copy-Item"),
    ("cpi", "Copy-Item"),
    ("curl", "Invoke-WebRequest"),
    ("del", "Remove-Item"),
    ("diff", "Compare-Object"),
    ("dir", "Get-ChildItem"),
    ("echo", "Write-Output"),
    ("epal", "Export-Alias"),
    ("erase", "Remove-Item"),
    ("fl", "Format-List"),
    ("foreach", "ForEach-Object"),
    ("ft", "Format-Table"),
    ("fw", "Format-Wide"),
    ("gal", "Get-Alias"),
    ("gc", "Get-Content"),
    ("gci", "Get-ChildItem"),
    ("gcm", "Get-Command"),
    ("gdr", "Get-PSDrive"),
    ("gi", "Get-Item"),
    ("gl", "Get-Location"),
    ("gm", "Get-Member"),
    ("gmo", "Get-Module"),
    ("gp", "Get-ItemProperty"),
    ("gps", "Get-Process"),
    ("group", "Group-Object"),
    ("gsv", "Get-Service"),
    ("gu", "Get-Unique"),
    ("gv", "Get-Variable"),
    ("gwmi", "Get-WmiObject"),
    ("iex", "Invoke-Expression"),
    ("icm", "Invoke-Command"),
    ("ii", "Invoke-Item"),
    ("ipmo", "Import-Module"),
    ("irm", "Invoke-RestMethod"),
    ("iwr", "Invoke-WebRequest"),
    ("kill", "Stop-Process"),
    ("ls", "Get-ChildItem"),
    ("measure", "Measure-Object"),
    ("mi", "Move-Item"),
    ("move", "Move-Item"),
    ("mv", "Move-Item"),
    ("ni", "New-Item"),
    ("nv", "New-Variable"),
    ("oh", "Out-Host"),
    ("popd", "Pop-Location"),
    ("ps", "Get-Process"),
    ("pushd", "Push-Location"),
    ("pwd", "Get-Location"),
    ("r", "Invoke-History"),
    ("rd", "Remove-Item"),
    ("ren", "Rename-Item"),
    ("ri", "Remove-Item"),
    ("rm", "Remove-Item"),
    ("rmdir", "Remove-Item"),
    ("rni", "Rename-Item"),
    ("rp", "Remove-ItemProperty"),
    ("rv", "Remove-Variable"),
    ("sajb", "Start-Job"),
    ("sasv", "Start-Service"),
    ("saps", "Start-Process"),
    ("sc", "Set-Content"),
    ("select", "Select-Object"),
    ("set", "Set-Variable"),
    ("sl", "Set-Location"),
    ("sleep", "Start-Sleep"),
    ("sort", "Sort-Object"),
    ("sp", "Set-ItemProperty"),
    ("spps", "Stop-Process"),
    ("spsv", "Stop-Service"),
    ("start", "Start-Process"),
    ("sv", "Set-Variable"),
    ("tee", "Tee-Object"),
    ("type", "Get-Content"),
    ("wget", "Invoke-WebRequest"),
    ("where", "Where-Object"),
    ("write", "Write-Output"),
];

/// The cmdlet `name` is an alias of, if it is one.
pub(crate) fn expand(name: &str) -> Option<&'static str> {
    ALIASES
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(name))
        .map(|(_, cmdlet)| *cmdlet)
}

pub(crate) fn check(cx: &Context, out: &mut Vec<Finding>) {
    for block in cx.blocks() {
        for command in &cx.scan(block.code).commands {
            let Some(cmdlet) = expand(&command.name) else {
                continue;
            };
            let help = match command.name.to_ascii_lowercase().as_str() {
                "sc" => format!(
                    "write `{cmdlet}`; for the service controller write `sc.exe` (in Windows PowerShell `sc` is `{cmdlet}`)"
                ),
                "curl" | "wget" => format!(
                    "write `{cmdlet}`, or `{}.exe` for the native tool",
                    command.name.to_ascii_lowercase()
                ),
                _ => format!("write `{cmdlet}`"),
            };
            out.push(Finding::new(
                "TJ012",
                command.span,
                format!("`{}` is an alias of `{cmdlet}`", command.name),
                "alias",
                help,
            ));
        }
    }
}
