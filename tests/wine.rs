//! tejun's Windows binary end to end, under wine, with a PowerShell 7 host built for Windows
//! (`tests/windows/`). These need the Windows build and wine, which take minutes to prepare, so
//! they are ignored by a plain `cargo test`; `tests/windows/e2e` prepares everything and runs
//! them (`.ci/run` does). Run alone, a missing piece fails them with what to run: they are never
//! skipped silently.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

const LYNC: &str = "runbooks/lync2013-backend-upgrade.runbook";

/// What the tests need: the wrapper that runs a Windows program, `tejun.exe`, and the
/// PowerShell host built for Windows.
struct Wine {
    wrapper: PathBuf,
    tejun: PathBuf,
    shell: PathBuf,
}

fn wine() -> Wine {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cache = std::env::var_os("TEJUN_WINE_DIR")
        .map_or_else(|| PathBuf::from("/var/cache/tejun-wine"), PathBuf::from);
    let tejun = std::env::var_os("TEJUN_EXE").map_or_else(
        || root.join("target/windows-cross/x86_64-pc-windows-gnu/release/tejun.exe"),
        PathBuf::from,
    );
    let wine = Wine {
        wrapper: root.join("tests/windows/wine"),
        tejun,
        shell: cache.join("pwsh/pwsh.exe"),
    };
    for (what, path) in [
        (
            "wine and the PowerShell host (tests/windows/setup)",
            &wine.shell,
        ),
        ("tejun.exe (tests/windows/build-tejun)", &wine.tejun),
    ] {
        assert!(
            path.exists(),
            "{} is missing: {what} has not been built; run tests/windows/e2e",
            path.display()
        );
    }
    wine
}

/// A Linux path as Windows programs under wine see it (drive `Z:` is `/`).
fn windows_path(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap();
    format!("Z:{}", absolute.display()).replace('/', "\\")
}

impl Wine {
    /// `tejun.exe ARGS` from the project's root, with the Windows PowerShell host as `--shell`
    /// where the subcommand takes one.
    fn tejun(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(&self.wrapper);
        cmd.arg(&self.tejun)
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        output_within(cmd, Duration::from_secs(600))
    }

    fn shell(&self) -> String {
        windows_path(&self.shell)
    }
}

/// Runs `cmd`, killing it after `limit` (wine programs can hang on a broken prefix).
fn output_within(mut cmd: Command, limit: Duration) -> Output {
    use std::process::Stdio;
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the wine wrapper starts");
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &id.to_string()]).status();
            panic!("{cmd:?} did not finish within {limit:?}");
        }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_code(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// A simulated Lync server's state file and a state folder, in a folder whose name has a
/// space and Japanese text.
struct Sim {
    dir: tempfile::TempDir,
}

impl Sim {
    fn new() -> Sim {
        Sim {
            dir: tempfile::Builder::new()
                .prefix("tejun wine 作業 ")
                .tempdir()
                .unwrap(),
        }
    }

    fn state_dir(&self) -> PathBuf {
        self.dir.path().join("状態 state")
    }

    fn state_file(&self) -> PathBuf {
        self.dir.path().join("lync-state.json")
    }

    fn run(&self, wine: &Wine, args: &[&str]) -> Output {
        let state_dir = windows_path(&self.state_dir());
        let shell = wine.shell();
        let state_file = windows_path(&self.state_file());
        let mut all = vec![
            "--color=never",
            "run",
            LYNC,
            "--shell",
            &shell,
            "--module-path",
            "fixtures/lync-sim",
            "--state-dir",
            &state_dir,
            // As a Windows operator writes it: PowerShell on Windows runs a script by a relative
            // path only when it starts with `.\` (Linux takes `fixtures/...` as it is).
            "-p",
            "UpdateInstaller=.\\fixtures\\lync-sim\\LyncServerUpdateInstaller.ps1",
            "-p",
            "AutoInstall=true",
            "--by",
            "wine-test",
            "--yes",
        ];
        all.extend_from_slice(args);
        wine.tejun(&all, &[("LYNC_SIM_STATE", &state_file)])
    }

    fn state(&self) -> serde_json::Value {
        let text =
            std::fs::read_to_string(self.state_file()).expect("the simulation wrote its state");
        serde_json::from_str(text.trim_start_matches('\u{feff}')).unwrap()
    }

    fn run_id(&self) -> String {
        let runs: Vec<_> = std::fs::read_dir(self.state_dir().join("runs"))
            .unwrap()
            .flatten()
            .collect();
        assert_eq!(runs.len(), 1, "one run");
        runs[0].file_name().to_string_lossy().into_owned()
    }

    fn journal(&self) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(
            self.state_dir()
                .join("runs")
                .join(self.run_id())
                .join("journal.jsonl"),
        )
        .unwrap();
        text.lines()
            .map(|l| serde_json::from_str(l).expect("journal lines are JSON"))
            .collect()
    }
}

#[test]
#[ignore = "Windows binary under wine: run tests/windows/e2e"]
fn the_lync_runbook_runs_for_each_server_role() {
    let wine = wine();
    let cases: [(&[&str], &str, Option<bool>); 3] = [
        (
            &["-p", "ServerRole=StandardEdition"],
            "LocalDatabases",
            None,
        ),
        (
            &[
                "-p",
                "ServerRole=EnterpriseBackEnd",
                "-p",
                "SqlServerFqdn=sql01.contoso.local",
                "-p",
                "CollocatedDatabases=false",
            ],
            "ConfiguredDatabases",
            Some(false),
        ),
        (
            &[
                "-p",
                "ServerRole=EnterpriseBackEnd",
                "-p",
                "SqlServerFqdn=sql01.contoso.local",
                "-p",
                "CollocatedDatabases=true",
            ],
            "ConfiguredDatabases",
            Some(true),
        ),
    ];
    for (args, parameter_set, exclude) in cases {
        let sim = Sim::new();
        let out = sim.run(&wine, args);
        assert_code(&out, 0);
        assert!(
            text(&out.stdout).contains("succeeded: 11 done"),
            "{}",
            text(&out.stdout)
        );
        let state = sim.state();
        assert_eq!(state["InstalledVersion"], state["AvailableVersion"]);
        let updates = state["DatabaseUpdates"].as_array().unwrap();
        assert_eq!(updates.len(), 1, "{state}");
        assert_eq!(updates[0]["ParameterSet"], parameter_set);
        if let Some(exclude) = exclude {
            assert_eq!(updates[0]["ExcludeCollocatedStores"], exclude);
            assert_eq!(updates[0]["SqlServerFqdn"], "sql01.contoso.local");
        }
        let journal = sim.journal();
        let end = journal.last().unwrap();
        assert_eq!(end["event"], "run_end");
        assert_eq!(end["status"], "succeeded");
        let start = &journal[0];
        assert_eq!(start["event"], "run_start");
    }
}

#[test]
#[ignore = "Windows binary under wine: run tests/windows/e2e"]
fn a_parameter_value_reaches_powershell_as_data_only() {
    let wine = wine();
    let sim = Sim::new();
    let hostile =
        "sql01'; Stop-Computer -Force; '$(Remove-Item -Recurse C:\\)`\u{2019}\"; & cmd /c del";
    let out = sim.run(
        &wine,
        &[
            "-p",
            "ServerRole=EnterpriseBackEnd",
            "-p",
            &format!("SqlServerFqdn={hostile}"),
        ],
    );
    assert_code(&out, 0);
    assert_eq!(sim.state()["DatabaseUpdates"][0]["SqlServerFqdn"], hostile);
}

#[test]
#[ignore = "Windows binary under wine: run tests/windows/e2e"]
fn the_linux_build_reads_a_windows_journal_back_identically() {
    let wine = wine();
    let sim = Sim::new();
    let out = sim.run(&wine, &["-p", "ServerRole=StandardEdition"]);
    assert_code(&out, 0);
    let id = sim.run_id();
    let state_dir = windows_path(&sim.state_dir());
    let windows = wine.tejun(&["show", &id, "--state-dir", &state_dir], &[]);
    assert_code(&windows, 0);
    let linux = assert_cmd::Command::cargo_bin("tejun")
        .unwrap()
        .args(["show", &id, "--state-dir"])
        .arg(sim.state_dir())
        .output()
        .unwrap();
    assert_code(&linux, 0);
    assert!(!linux.stdout.is_empty());
    // Every line is the same but the last, where each names the transcript as its OS writes
    // the path.
    let (windows_show, linux_show) = (text(&windows.stdout), text(&linux.stdout));
    let split = |show: &str| -> (String, String) {
        let (body, last) = show.trim_end().rsplit_once('\n').unwrap();
        (body.to_owned(), last.to_owned())
    };
    let ((windows_body, windows_last), (linux_body, linux_last)) =
        (split(&windows_show), split(&linux_show));
    assert_eq!(windows_body, linux_body);
    assert!(windows_body.lines().count() > 50, "{windows_body}");
    assert_eq!(
        windows_last,
        format!(
            "transcript: {}",
            windows_path(
                &sim.state_dir()
                    .join("runs")
                    .join(&id)
                    .join("transcript.log")
            )
        )
    );
    assert_eq!(
        linux_last,
        format!(
            "transcript: {}",
            sim.state_dir()
                .join("runs")
                .join(&id)
                .join("transcript.log")
                .display()
        )
    );
    let runs_windows = wine.tejun(&["runs", "--state-dir", &state_dir], &[]);
    let runs_linux = assert_cmd::Command::cargo_bin("tejun")
        .unwrap()
        .args(["runs", "--state-dir"])
        .arg(sim.state_dir())
        .output()
        .unwrap();
    assert_code(&runs_windows, 0);
    assert_eq!(text(&runs_windows.stdout), text(&runs_linux.stdout));
}

#[test]
#[ignore = "Windows binary under wine: run tests/windows/e2e"]
fn a_timeout_ends_everything_the_command_started() {
    let wine = wine();
    let dir = tempfile::tempdir().unwrap();
    let ids = dir.path().join("ids");
    let runbook = dir.path().join("tree.runbook");
    std::fs::write(
        &runbook,
        format!(
            "runbook tree {{\n\
             \x20 step hang \"Start PowerShell that starts PowerShell, then wait\" {{\n\
             \x20   run {{\n\
             \x20     $ids = '{ids}'\n\
             \x20     $inner = '$PID | Out-File -Append -Encoding ascii ''{ids}''; Start-Sleep 600'\n\
             \x20     $null = Start-Process -NoNewWindow \"$PSHOME\\pwsh.exe\" -ArgumentList '-NoProfile','-Command',$inner\n\
             \x20     $PID | Out-File -Append -Encoding ascii $ids\n\
             \x20     Start-Sleep 600\n\
             \x20   }} timeout 20s\n\
             \x20 }}\n\
             }}\n",
            ids = windows_path(&ids)
        ),
    )
    .unwrap();
    let out = wine.tejun(
        &[
            "--color=never",
            "run",
            &windows_path(&runbook),
            "--shell",
            &wine.shell(),
            "--state-dir",
            &windows_path(&dir.path().join("state")),
        ],
        &[],
    );
    assert_code(&out, 1);
    assert!(
        text(&out.stdout).contains("timed out"),
        "{}",
        text(&out.stdout)
    );
    // The grandchild wrote its id: the tree really started. Ask a fresh PowerShell whether
    // anything of it is left.
    let written = std::fs::read_to_string(&ids).unwrap_or_default();
    let pids: Vec<&str> = written.split_whitespace().collect();
    assert!(!pids.is_empty(), "the tree never started: {written:?}");
    let mut check = Command::new(&wine.wrapper);
    check.arg(&wine.shell).args([
        "-NoProfile",
        "-NonInteractive",
        "-Command",
        &format!(
            "@(Get-Process -Id {} -ErrorAction SilentlyContinue).Count",
            pids.join(",")
        ),
    ]);
    let left = output_within(check, Duration::from_secs(300));
    assert_eq!(text(&left.stdout).trim(), "0", "left running: {pids:?}");
}

#[test]
#[ignore = "Windows binary under wine: run tests/windows/e2e"]
fn check_and_lint_work_with_windows_paths() {
    let wine = wine();
    let out = wine.tejun(&["--color=never", "check", LYNC], &[]);
    assert_code(&out, 0);
    let out = wine.tejun(
        &[
            "--color=never",
            "lint",
            "--shell",
            &wine.shell(),
            "--format",
            "json",
            "runbooks",
        ],
        &[],
    );
    assert_code(&out, 0);
    let _: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON findings");
}
