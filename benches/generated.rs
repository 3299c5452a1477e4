//! The runbook the parse and check benchmark reads: 10,000 steps shaped like the real ones in
//! `runbooks/`, with every kind of parameter, windows, `when` and `match` branches at runbook and
//! step level, document placeholders, quotes in two languages, polled postconditions and
//! multi-line PowerShell. Shared by `benches/parse_check.rs` and `grammar/examples/generate.rs`
//! (which writes it to a file, for `tejun check` under a profiler).

use std::fmt::Write as _;

/// The number of steps in the generated runbook.
pub const STEPS: usize = 10_000;

/// Writes one step's body: one of seven shapes, picked by the step's number.
fn step_body(out: &mut String, n: usize) {
    match n % 7 {
        0 => {
            writeln!(
                out,
                "    quote ja \"手順 {n}: Lync Server 管理シェルでコマンドを実行します。\""
            )
            .unwrap();
            writeln!(
                out,
                "    quote en \"Step {n}: run the command in the Lync Server Management Shell.\""
            )
            .unwrap();
            writeln!(
                out,
                "    manual \"Confirm that the server is ready for step {n}.\""
            )
            .unwrap();
        }
        1 => {
            writeln!(out, "    run {{ Stop-CsWindowsService -Name RTCSRV{n} }} timeout 15m retries 2 every 30s accept exit 0, 3010")
                .unwrap();
            writeln!(out, "    ensure {{ -not (Get-CsWindowsService | Where-Object Status -ne 'Stopped') }} within 5m every 10s")
                .unwrap();
            writeln!(
                out,
                "      message \"some Lync Server services are still running after step {n}\""
            )
            .unwrap();
        }
        2 => {
            writeln!(
                out,
                "    skip if {{ (Get-Service w3svc).Status -eq 'Stopped' }}"
            )
            .unwrap();
            writeln!(
                out,
                "    run {{ net stop w3svc }} timeout 5m accept exit 0, 2"
            )
            .unwrap();
            writeln!(
                out,
                "    ensure {{ (Get-Service w3svc).Status -eq 'Stopped' }} within 2m every 5s"
            )
            .unwrap();
        }
        3 => {
            out.push_str(concat!(
                "    match ServerRole {\n",
                "      \"EnterpriseBackEnd\" when not Collocated => {\n",
                "        run { Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn <SQL Server FQDN> } timeout 60m\n",
                "      }\n",
                "      \"EnterpriseBackEnd\" => {\n",
                "        run { Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn <SQL Server FQDN> -ExcludeCollocatedStores } timeout 60m\n",
                "      }\n",
                "      \"StandardEdition\" | \"Director\" => run { Install-CsDatabase -Update -LocalDatabases } timeout 60m\n",
                "    }\n",
            ));
        }
        4 => {
            out.push_str(concat!(
                "    when Collocated and Attempts in (1, 2, 3) {\n",
                "      run { Get-CsDatabase -Pool <Pool FQDN> | Format-Table } retries 3\n",
                "    } else when Ticket is set {\n",
                "      run { Write-Output \"Change <Change Ticket>: $(Get-Date -Format 'u')\" }\n",
                "    } else {\n",
                "      manual \"Record the change by hand.\"\n",
                "    }\n",
            ));
        }
        5 => {
            writeln!(out, "    run {{").unwrap();
            writeln!(out, "      $settings = @{{ Step = {n}; Share = $Share; Options = @{{ Force = $true }} }}").unwrap();
            writeln!(out, "      $note = @'").unwrap();
            writeln!(
                out,
                "      A verbatim note with }} braces {{ and # hashes for step {n}"
            )
            .unwrap();
            writeln!(out, "      '@").unwrap();
            writeln!(out, "      Get-ChildItem -LiteralPath $Share | Where-Object {{ $_.Length -gt {n} }} | ForEach-Object {{").unwrap();
            writeln!(out, "        Copy-Item $_.FullName -Destination \"${{env:TEMP}}\\step{n}\" # copy }} each file").unwrap();
            writeln!(out, "      }}").unwrap();
            writeln!(out, "    }} timeout 10m").unwrap();
        }
        _ => {
            writeln!(out, "    require {{ Test-Path -LiteralPath $Share -PathType Container }} message \"the share is missing\"")
                .unwrap();
            writeln!(
                out,
                "    run {{ Connect-Sql -Server <SQL Server FQDN> -Password $AdminPassword }}"
            )
            .unwrap();
        }
    }
}

/// A runbook of `steps` steps. Every hundredth step sits in a `when` at runbook level; the
/// `<SQL Server FQDN>` steps are guarded so the parameter always has a value where it is used.
pub fn generate(steps: usize) -> String {
    let mut out = String::with_capacity(steps * 400);
    out.push_str(concat!(
        "# Generated for the parse and check benchmark.\n",
        "runbook generated {\n",
        "  title \"A generated runbook shaped like the Lync Server 2013 upgrade\"\n",
        "  source \"JJ721942(v=OCS.15)\" url \"https://technet.microsoft.com/ja-jp/library/JJ721942(v=OCS.15)\" updated 2012-11-01\n",
        "  description \"\"\"\n",
        "    Thousands of steps, each shaped like a step of a real runbook.\n",
        "  \"\"\"\n",
        "  param ServerRole: choice(\"EnterpriseBackEnd\", \"StandardEdition\", \"Director\")\n",
        "    doc \"Which kind of server this is\"\n",
        "  param SqlServerFqdn: string required when ServerRole == \"EnterpriseBackEnd\"\n",
        "    placeholder \"<SQL Server FQDN>\" doc \"The SQL Server of the pool\"\n",
        "  param PoolFqdn: string placeholder \"<Pool FQDN>\"\n",
        "  param Collocated: bool = false\n",
        "  param Attempts: int = 3\n",
        "  param Share: path = \"C:\\\\Share\"\n",
        "  param AdminPassword: secret\n",
        "  param Ticket: string optional placeholder \"<Change Ticket>\"\n",
    ));
    for w in (0..steps).step_by(1000) {
        let last = (w + 999).min(steps - 1);
        writeln!(out, "  window w{w} from step-{w:05} to step-{last:05} limit 30m warn \"steps {w} to {last} took 30 minutes\"")
            .unwrap();
    }
    for n in 0..steps {
        // Shape 3 matches on `ServerRole`; under this guard two of its arms could never be taken.
        let guarded = n % 7 == 6 || (n % 100 == 99 && n % 7 != 3);
        let indent = if guarded { "  " } else { "" };
        if guarded {
            out.push_str("  when ServerRole == \"EnterpriseBackEnd\" {\n");
        }
        writeln!(
            out,
            "{indent}  step step-{n:05} \"Step number {n} of the procedure\" doc {}.{} {{",
            n / 100 + 1,
            n % 100
        )
        .unwrap();
        let mut body = String::new();
        step_body(&mut body, n);
        for line in body.lines() {
            writeln!(out, "{indent}{line}").unwrap();
        }
        writeln!(out, "{indent}  }}").unwrap();
        if guarded {
            out.push_str("  }\n");
        }
    }
    out.push_str(concat!(
        "  finally {\n",
        "    run { Start-CsWindowsService } timeout 15m\n",
        "    run { net start w3svc } timeout 5m accept exit 0, 2\n",
        "  }\n",
        "}\n",
    ));
    out
}
