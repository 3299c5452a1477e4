//! Windows PowerShell 5.1 compatibility of the PowerShell that tejun sends to the hosted shell,
//! checked statically: Windows PowerShell cannot run here, so `tests/ps51/scan.ps1` reads each
//! script with PowerShell 7's parser and looks every construct, cmdlet, parameter, .NET type and
//! member up in tables and reference assemblies that describe 5.1 on .NET Framework 4.5
//! (`docs/windows.md` says what that covers and what it does not).
//!
//! The scripts: the driver and `syntax.ps1` (both embedded with `include_str!`), and the code that
//! Rust builds, a plan's placeholder references. The scanner runs once, in one pwsh, over those and
//! over the fixtures: `tests/ps51/bad/*.ps1` (one construct each, its first line
//! `# expect: ID[, ID]` naming exactly the findings it must get) and `tests/ps51/good.ps1` (5.1
//! constructs that must get none).
//!
//! A missing pwsh fails these tests with how to install it; they are never skipped. The scanner
//! restores the reference assemblies from NuGet into `TEJUN_NET45_CACHE` (default
//! `/var/cache/tejun-net45`) the first time.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tejun_runtime::ParamValues;
use tejun_runtime::host::{DRIVER, find_shell};
use tejun_runtime::plan::{PlanAction, plan};

/// How long the scanner may take, a first restore of the reference assemblies included.
const SCAN_LIMIT: Duration = Duration::from_secs(300);

/// The scanner's findings by file, and its summary line.
struct Scan {
    findings: BTreeMap<PathBuf, Vec<Finding>>,
    summary: String,
    /// The Rust-built code, as it was scanned.
    built: PathBuf,
    _dir: tempfile::TempDir,
}

struct Finding {
    id: String,
    line: String,
}

fn here() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cache_dir() -> PathBuf {
    match std::env::var_os("TEJUN_NET45_CACHE") {
        Some(dir) => PathBuf::from(dir),
        None if cfg!(unix) => PathBuf::from("/var/cache/tejun-net45"),
        None => std::env::temp_dir().join("tejun-net45"),
    }
}

fn bad_fixtures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(here().join("tests/ps51/bad"))
        .expect("tests/ps51/bad exists")
        .map(|e| e.expect("a readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ps1"))
        .collect();
    files.sort();
    files
}

/// The scripts tejun embeds, as files in the repository.
fn embedded_scripts() -> [PathBuf; 2] {
    [here().join("driver.ps1"), here().join("syntax.ps1")]
}

/// Code built by Rust: a plan turns each declared placeholder into a variable reference
/// (`$Name`, or `${Name}` inside a double-quoted string; `plan.rs`). One instance of each form.
fn built_code() -> String {
    let src = r#"runbook ps51-built {
  title "Placeholders become variables"
  source "KB-0001" url "https://example.com/kb/0001" updated 2024-02-29
  param SqlFqdn: string placeholder "<SQL Server FQDN>"
  step one "Use the server" doc 1 {
    require { Test-Path -LiteralPath <SQL Server FQDN> }
    run { Get-Item -LiteralPath <SQL Server FQDN>; Write-Output "server: <SQL Server FQDN>" }
  }
}
"#;
    let runbook = tejun_grammar::compile(src).expect("the runbook compiles");
    let values = ParamValues::resolve(&runbook, &["SqlFqdn=sql01".to_owned()], |_| Ok(None))
        .expect("the parameters resolve");
    let planned = plan(&runbook, src, &values);
    let mut code = String::new();
    for action in planned.steps.iter().flat_map(|s| &s.actions) {
        if let PlanAction::Run { sent, .. } | PlanAction::Require { sent, .. } = action {
            code.push_str(sent);
            code.push('\n');
        }
    }
    assert!(
        code.contains("-LiteralPath $SqlFqdn") && code.contains("\"server: ${SqlFqdn}\""),
        "both placeholder forms are built:\n{code}"
    );
    code
}

/// Runs the scanner once for every test in this file.
fn scan() -> &'static Scan {
    static SCAN: OnceLock<Scan> = OnceLock::new();
    SCAN.get_or_init(run_scan)
}

fn run_scan() -> Scan {
    let pwsh = find_shell("pwsh").unwrap_or_else(|e| {
        panic!(
            "{e}: the Windows PowerShell 5.1 compatibility check needs a real PowerShell 7. Install it with \
             `dotnet tool install --global PowerShell --version 7.6.9` and put ~/.dotnet/tools on PATH"
        )
    });
    for (file, text) in embedded_scripts()
        .iter()
        .zip([DRIVER, tejun_runtime::syntax::SCRIPT])
    {
        let on_disk = std::fs::read_to_string(file).expect("the script is readable");
        assert_eq!(on_disk, text, "{} is what tejun embeds", file.display());
    }
    let dir = tempfile::tempdir().expect("a temporary folder");
    let built = dir.path().join("built-placeholders.ps1");
    std::fs::write(&built, built_code()).expect("the built code is written");

    let mut files: Vec<PathBuf> = embedded_scripts().to_vec();
    files.push(built.clone());
    files.push(here().join("tests/ps51/good.ps1"));
    files.extend(bad_fixtures());

    let mut child = Command::new(pwsh)
        .args(["-NoLogo", "-NoProfile", "-NonInteractive", "-File"])
        .arg(here().join("tests/ps51/scan.ps1"))
        .arg("-CacheDir")
        .arg(cache_dir())
        .args(&files)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pwsh starts");
    let started = Instant::now();
    while child.try_wait().expect("pwsh can be waited for").is_none() {
        if started.elapsed() > SCAN_LIMIT {
            child.kill().ok();
            panic!("the scanner did not finish within {SCAN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().expect("the scanner's output");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    // 0: no finding, 1: findings; anything else means it could not check (it says why).
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "the scanner failed ({}):\n{stderr}\n{stdout}",
        output.status
    );

    let mut findings: BTreeMap<PathBuf, Vec<Finding>> = BTreeMap::new();
    let mut summary = String::new();
    'lines: for line in stdout.lines() {
        if line.starts_with("ps51 scan: ") {
            summary = line.to_owned();
            continue;
        }
        for file in &files {
            let Some(rest) = line.strip_prefix(&format!("{}:", file.display())) else {
                continue;
            };
            let id = rest
                .split_once(": [")
                .and_then(|(_, tail)| tail.split_once(']'))
                .map(|(id, _)| id.to_owned())
                .unwrap_or_else(|| panic!("a finding has an id: {line}"));
            findings.entry(file.clone()).or_default().push(Finding {
                id,
                line: line.to_owned(),
            });
            continue 'lines;
        }
        panic!("unexpected scanner output: {line}\n{stderr}");
    }
    assert!(
        summary.starts_with(&format!("ps51 scan: {} files", files.len())),
        "the scanner read every file: {summary}\n{stderr}"
    );
    Scan {
        findings,
        summary,
        built,
        _dir: dir,
    }
}

fn findings_of(scan: &Scan, file: &Path) -> Vec<String> {
    scan.findings
        .get(file)
        .map(|f| f.iter().map(|f| f.line.clone()).collect())
        .unwrap_or_default()
}

#[test]
fn the_scripts_tejun_sends_are_windows_powershell_51_compatible() {
    let scan = scan();
    let mut problems = Vec::new();
    for file in embedded_scripts().iter().chain([&scan.built]) {
        problems.extend(findings_of(scan, file));
    }
    assert!(
        problems.is_empty(),
        "PowerShell that Windows PowerShell 5.1 cannot run (see docs/windows.md):\n{}",
        problems.join("\n")
    );
    // A scan that found no member would pass as well: the driver alone uses well over a hundred.
    let members: usize = scan
        .summary
        .split(" type names and ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the summary counts members: {}", scan.summary));
    assert!(members >= 100, "{}", scan.summary);
}

#[test]
fn every_bad_fixture_gets_exactly_the_findings_it_expects() {
    let scan = scan();
    let mut problems = Vec::new();
    for file in bad_fixtures() {
        let text = std::fs::read_to_string(&file).expect("the fixture is readable");
        let expected: BTreeSet<String> = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{} starts with `# expect: ID`", file.display()))
            .split(',')
            .map(|id| id.trim().to_owned())
            .collect();
        let got: BTreeSet<String> = scan
            .findings
            .get(&file)
            .map(|f| f.iter().map(|f| f.id.clone()).collect())
            .unwrap_or_default();
        if got != expected {
            problems.push(format!(
                "{}: expected {expected:?}, got {got:?}\n  {}",
                file.display(),
                findings_of(scan, &file).join("\n  ")
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_good_fixture_gets_no_finding() {
    let scan = scan();
    let problems = findings_of(scan, &here().join("tests/ps51/good.ps1"));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
