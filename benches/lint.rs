//! How long `tejun lint` takes, with and without the rule that asks PowerShell's parser.
//!
//! - `1000 runbooks, no pwsh`: compile, lint and finish 1,000 generated runbooks of ten steps
//!   shaped like `runbooks/lync2013-backend-upgrade.runbook`. Target: under 1 s.
//! - `TJ001 over 1000 commands`: start a hosted PowerShell, parse 1,000 blocks of those runbooks
//!   in it, shut it down. Target: under 5 s, start-up included. Each distinct text is parsed
//!   once (`syntax::Prepared`): 1,000 blocks of these runbooks are 317 texts.
//! - `process per command`: what a process per block would cost instead, one
//!   `pwsh -NoProfile -Command` parsing one block; multiply by 1,000 to compare.
//! - `tejun lint, 1000 files` (`--no-pwsh` and with TJ001): the command as a user runs it over a
//!   folder of 1,000 such runbooks (20,000 blocks), reading the files, starting PowerShell and
//!   printing included. Target with TJ001: under 2 s.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use tejun_grammar::lint::{self, Config, Context};
use tejun_runtime::host::{Host, HostConfig, find_shell};

/// The number of runbooks for the lint without PowerShell.
const RUNBOOKS: usize = 1_000;

/// The number of blocks PowerShell parses.
const COMMANDS: usize = 1_000;

/// A runbook of ten steps and twenty blocks of PowerShell, numbered `n`: parameters with a
/// document placeholder, a window, quotes in two languages, manual steps, polled
/// postconditions, `skip if`, a shell restart, `when` and `match` branches, a multi-line block
/// and `finally`.
fn runbook(n: usize) -> String {
    let mut out = String::new();
    writeln!(
        out,
        r#"# Generated runbook {n}, shaped like runbooks/lync2013-backend-upgrade.runbook.
runbook pool-update-{n} {{
  title "Update the Back End Server of pool {n}"
  param ServerRole: choice("EnterpriseBackEnd", "StandardEdition")
    doc "Which kind of server this is"
  param SqlServerFqdn: string required when ServerRole == "EnterpriseBackEnd"
    placeholder "<SQL Server FQDN>"
    doc "FQDN of the SQL Server that holds the pool's Back End databases"
  param UpdateInstaller: path = "C:\\Update{n}\\LyncServerUpdateInstaller.exe"
    doc "Where the update's installer was extracted"
  param AutoInstall: bool = false
    doc "Run the installer unattended"

  window backend-down from stop-services to apply-database-changes limit 30m
    warn "The Back End has been down 30 minutes or more"

  step log-on "Log on as a member of the CsAdministrator role" doc 1 {{
    quote ja "サーバー {n} に CsAdministrator の役割のメンバーとしてログオンします。"
    quote en "Log on to server {n} as a member of the CsAdministrator role."
    manual "Log on to server {n} as a member of the CsAdministrator role."
  }}

  step download-update "Download the update and extract it" doc 2 {{
    manual "Download the update and extract it to a folder on the local hard drive."
    ensure {{ Test-Path -LiteralPath $UpdateInstaller -PathType Leaf }}
      message "the installer is not where the UpdateInstaller parameter says"
  }}

  step start-shell "Start the Lync Server Management Shell" doc 3 {{
    run {{ Import-Module Lync }}
    ensure {{ [bool](Get-Command Stop-CsWindowsService -ErrorAction SilentlyContinue) }}
      message "the Lync Server cmdlets are not available in this shell"
  }}

  step stop-services "Stop the Lync Server services" doc 4 {{
    run {{ Stop-CsWindowsService -ComputerName "pool{n}.contoso.com" }} timeout 15m
    ensure {{ -not (Get-CsWindowsService | Where-Object Status -ne 'Stopped') }} within 5m every 10s
      message "some Lync Server services are still running"
  }}

  step stop-w3svc "Stop the World Wide Web service" doc 5 {{
    skip if {{ (Get-Service w3svc).Status -eq 'Stopped' }}
    run {{ net stop w3svc }} timeout 5m accept exit 0, 2
    ensure {{ (Get-Service w3svc).Status -eq 'Stopped' }} within 2m every 5s
      message "the World Wide Web service is still running"
  }}

  step install-update "Install the update" doc 6 {{
    require {{ Test-Path -LiteralPath $UpdateInstaller -PathType Leaf }}
      message "the installer is not where the UpdateInstaller parameter says"
    when AutoInstall {{
      run {{ & $UpdateInstaller /silentmode }} timeout 90m
    }} else {{
      manual "Run the installer from the extracted update and install every update it lists."
    }}
  }}

  step restart-shell "Start the Lync Server Management Shell again" doc 7 {{
    restart shell
    run {{
      Import-Module Lync
      $pool = Get-CsPool -Identity "pool{n}.contoso.com"
      foreach ($server in $pool.Computers) {{
        Write-Output "found $server in pool {n}"
      }}
    }}
    ensure {{ [bool](Get-Command Install-CsDatabase -ErrorAction SilentlyContinue) }}
      message "the Lync Server cmdlets are not available in this shell"
  }}

  step start-w3svc "Restart the World Wide Web service" doc 8 {{
    skip if {{ (Get-Service w3svc).Status -eq 'Running' }}
    run {{ net start w3svc }} timeout 5m accept exit 0, 2
    ensure {{ (Get-Service w3svc).Status -eq 'Running' }} within 2m every 5s
      message "the World Wide Web service is not running"
  }}

  # tejun: allow(TJ003) Install-CsDatabase fails when a database cannot be updated
  step apply-database-changes "Apply the changes to the SQL Server databases" doc 9 {{
    match ServerRole {{
      "EnterpriseBackEnd" => {{
        run {{ Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn <SQL Server FQDN> }} timeout 60m
      }}
      "StandardEdition" => {{
        run {{ Install-CsDatabase -Update -LocalDatabases }} timeout 60m
      }}
    }}
  }}

  step check-pool "Check that pool {n} is up" doc 10 {{
    quote ja "プール {n} のサービスが開始されたことを確認します。"
    manual "Sign in with a test user of pool {n} and send an instant message."
    ensure {{ (Get-CsPool -Identity "pool{n}.contoso.com").Computers.Count -gt 0 }}
      message "pool {n} has no servers"
  }}

  finally {{
    run {{ Start-CsWindowsService }} timeout 15m
    run {{ net start w3svc }} timeout 5m accept exit 0, 2
  }}
}}"#
    )
    .unwrap();
    out
}

/// Compiles every runbook, panicking on one that does not check: the benchmark would measure
/// the wrong thing.
fn compiled(sources: &[String]) -> Vec<tejun_grammar::Runbook> {
    sources
        .iter()
        .map(|src| tejun_grammar::compile(src).expect("the generated runbook checks"))
        .collect()
}

fn lint_without_pwsh(c: &mut Criterion) {
    let sources: Vec<String> = (0..RUNBOOKS).map(runbook).collect();
    compiled(&sources[..1]);
    let config = Config::default();
    let mut group = c.benchmark_group("lint");
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("1000 runbooks, no pwsh", |b| {
        b.iter(|| {
            for (i, src) in sources.iter().enumerate() {
                let path = format!("runbooks/pool-{i}.runbook");
                let result = tejun_grammar::compile(src);
                let findings = lint::lint(src, &result, &config, &path);
                black_box(lint::finish(findings, src, &result, &config, &path));
            }
        })
    });
    group.finish();
}

fn lint_with_pwsh(c: &mut Criterion) {
    let pwsh = find_shell("pwsh").expect(
        "the benchmark needs pwsh (dotnet tool install --global PowerShell --version 7.6.9)",
    );
    // Enough runbooks for exactly COMMANDS blocks.
    let per_runbook = {
        let src = runbook(0);
        let runbook = tejun_grammar::compile(&src).expect("the generated runbook checks");
        Context::new(&runbook, &src).blocks().count()
    };
    assert_eq!(
        COMMANDS % per_runbook,
        0,
        "{per_runbook} blocks per runbook"
    );
    let sources: Vec<String> = (0..COMMANDS / per_runbook).map(runbook).collect();
    let runbooks = compiled(&sources);
    let pairs: Vec<(&str, &tejun_grammar::Runbook)> = sources
        .iter()
        .map(String::as_str)
        .zip(runbooks.iter())
        .collect();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let lint_all = || {
        rt.block_on(async {
            let mut host = Host::start(&HostConfig::default())
                .await
                .expect("pwsh starts");
            let found = tejun_runtime::syntax::lint(&mut host, &pairs, Duration::from_secs(60))
                .await
                .expect("PowerShell parses the blocks");
            host.shutdown().await;
            found
        })
    };
    let found = lint_all();
    assert!(
        found.iter().all(Vec::is_empty),
        "the generated blocks parse: {found:?}"
    );

    let mut group = c.benchmark_group("lint");
    // Each iteration starts PowerShell: a second or so.
    group
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("TJ001 over 1000 commands, one pwsh", |b| {
        b.iter(|| black_box(lint_all()))
    });
    // One process per sample: ten samples are ten commands.
    group.measurement_time(Duration::from_secs(5));
    let command = "Stop-CsWindowsService -ComputerName \"pool1.contoso.com\"";
    group.bench_function("process per command (one of 10)", |b| {
        b.iter(|| {
            let out = std::process::Command::new(&pwsh)
                .args([
                    "-NoLogo",
                    "-NoProfile",
                    "-NonInteractive",
                    "-Command",
                    "$e = $null; $null = [System.Management.Automation.Language.Parser]::ParseInput($env:TEJUN_BLOCK, [ref]$null, [ref]$e); $e.Count",
                ])
                .env("TEJUN_BLOCK", command)
                .output()
                .expect("pwsh runs");
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0");
        })
    });
    group.finish();
}

fn lint_command(c: &mut Criterion) {
    find_shell("pwsh").expect(
        "the benchmark needs pwsh (dotnet tool install --global PowerShell --version 7.6.9)",
    );
    let folder = tempfile::tempdir().expect("a temporary folder");
    for n in 0..RUNBOOKS {
        std::fs::write(
            folder.path().join(format!("pool-{n:04}.runbook")),
            runbook(n),
        )
        .expect("the runbook is written");
    }
    let tejun = env!("CARGO_BIN_EXE_tejun");
    let lint = |extra: &[&str]| {
        let out = std::process::Command::new(tejun)
            .arg("lint")
            .args(extra)
            .arg(folder.path())
            .output()
            .expect("tejun runs");
        assert!(
            out.status.success(),
            "tejun lint failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let mut group = c.benchmark_group("lint");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("tejun lint --no-pwsh, 1000 files", |b| {
        b.iter(|| lint(&["--no-pwsh"]))
    });
    group.bench_function("tejun lint, 1000 files", |b| b.iter(|| lint(&[])));
    group.finish();
}

criterion_group!(benches, lint_without_pwsh, lint_with_pwsh, lint_command);
criterion_main!(benches);
