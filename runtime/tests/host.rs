//! The hosted PowerShell against a real pwsh: the protocol cases of the research note.
//! A missing pwsh fails these tests with instructions; it is never skipped.

use std::time::{Duration, Instant};

use tejun_grammar::ast::Value;
use tejun_runtime::host::{Host, HostConfig, RunState, Stream, find_shell};

/// The shell under test: `pwsh` from PATH, or the one `TEJUN_TEST_SHELL` names (the Windows
/// build of these tests runs under wine with a PowerShell 7 host built for it: tests/windows/).
fn config() -> HostConfig {
    let shell = std::env::var("TEJUN_TEST_SHELL").unwrap_or_else(|_| "pwsh".into());
    if let Err(e) = find_shell(&shell) {
        panic!(
            "{e}: these tests need a real PowerShell 7. Install it with \
             `dotnet tool install --global PowerShell --version 7.6.9` and put ~/.dotnet/tools on PATH"
        );
    }
    HostConfig {
        shell,
        // PowerShell under wine takes seconds to start on a busy machine.
        startup_timeout: Duration::from_secs(120),
        ..HostConfig::default()
    }
}

async fn host() -> Host {
    Host::start(&config()).await.expect("pwsh starts")
}

async fn run(host: &mut Host, code: &str) -> (tejun_runtime::host::Outcome, Vec<String>) {
    let mut output = Vec::new();
    let outcome = host
        .run(code, Some(Duration::from_secs(30)), |line| {
            if line.stream == Stream::Output {
                output.push(line.text)
            }
        })
        .await
        .expect("the host answers");
    (outcome, output)
}

#[tokio::test(flavor = "multi_thread")]
async fn state_persists_between_commands_and_multi_line_code_runs() {
    let mut host = host().await;
    assert!(host.version.starts_with('7'), "version {}", host.version);
    let (first, _) = run(
        &mut host,
        "$count = 41\nfunction Get-Next { $count + 1 }\nSet-Location ([IO.Path]::GetTempPath())",
    )
    .await;
    assert!(first.succeeded(&[0]));
    let (second, out) = run(&mut host, "Get-Next\n(Get-Location).Path").await;
    assert!(second.succeeded(&[0]));
    let temp = std::env::temp_dir().display().to_string();
    let separators: &[char] = &['/', '\\'];
    assert_eq!(out[0], "42");
    assert_eq!(
        out[1].trim_end_matches(separators).to_lowercase(),
        temp.trim_end_matches(separators).to_lowercase()
    );
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_session_starts_quiet_and_in_utf8_and_follows_the_location() {
    let mut host = host().await;
    let (first, out) = run(
        &mut host,
        "\"$($OutputEncoding.WebName) $ProgressPreference\"\n[datetime]::new(2026, 12, 2).Year",
    )
    .await;
    assert!(first.succeeded(&[0]), "{first:?}");
    assert_eq!(out, ["utf-8 SilentlyContinue", "2026"]);
    // A relative path given to .NET resolves against PowerShell's location, after a command
    // that ends normally and after one that fails.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("here.txt"), "found").unwrap();
    let path = dir.path().display().to_string().replace('\'', "''");
    let (_, _) = run(&mut host, &format!("Set-Location -LiteralPath '{path}'")).await;
    let (_, out) = run(&mut host, "[IO.File]::ReadAllText('here.txt')").await;
    assert_eq!(out, ["found"]);
    let (failed, _) = run(
        &mut host,
        "Set-Location -LiteralPath ([IO.Path]::GetTempPath()); throw 'x'",
    )
    .await;
    assert!(!failed.succeeded(&[0]));
    let (_, out) = run(&mut host, "[IO.File]::Exists('here.txt')").await;
    assert_eq!(out, ["False"], "the location moved with the failed command");
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn exit_n_throw_and_error_records_are_classified() {
    let mut host = host().await;
    let (exit, out) = run(&mut host, "Write-Output before\nexit 3").await;
    assert_eq!(out, ["before"]);
    assert_eq!(exit.exit, Some(3));
    assert!(!exit.succeeded(&[0]));
    assert!(exit.succeeded(&[0, 3]));

    let (thrown, _) = run(&mut host, "throw 'boom'").await;
    assert_eq!(thrown.state, RunState::Failed);
    assert!(
        thrown
            .failure
            .as_deref()
            .unwrap_or_default()
            .starts_with("boom")
    );
    assert!(!thrown.succeeded(&[0]));

    let (written, out) = run(&mut host, "Write-Error 'not terminating'; 'after'").await;
    assert_eq!(out, ["after"]);
    assert_eq!(written.errors().count(), 1);
    assert!(!written.succeeded(&[0]));

    // The session survives all of it.
    let (ok, out) = run(&mut host, "'still here'").await;
    assert!(ok.succeeded(&[0]));
    assert_eq!(out, ["still here"]);
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn native_exit_codes_are_reset_before_each_command() {
    let mut host = host().await;
    // A native program that writes to stderr and exits 3. By its full path on Windows: pwsh under
    // wine finds no program on PATH by name (tests/windows/README.md).
    let native_code = if cfg!(windows) {
        "& \"$env:SystemRoot\\system32\\cmd.exe\" /c 'echo progress 1>&2 & exit /b 3'"
    } else {
        "sh -c 'echo progress >&2; exit 3'"
    };
    let (native, _) = run(&mut host, native_code).await;
    assert_eq!(native.last_exit_code, Some(3));
    assert!(!native.succeeded(&[0]));
    assert!(
        native.succeeded(&[0, 3]),
        "native stderr alone is not a failure: {native:?}"
    );
    let (after, _) = run(&mut host, "Write-Output fine").await;
    assert_eq!(
        after.last_exit_code, None,
        "a stale $LASTEXITCODE must not leak into the next command"
    );
    assert!(after.succeeded(&[0]));
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn prompts_fail_at_once_instead_of_waiting() {
    let mut host = host().await;
    for code in [
        "Read-Host 'Your name'",
        "Get-Credential",
        "Remove-Item -Path / -Recurse -Confirm",
    ] {
        let started = Instant::now();
        let (outcome, _) = run(&mut host, code).await;
        assert!(started.elapsed() < Duration::from_secs(10), "{code} waited");
        assert!(!outcome.succeeded(&[0]), "{code} must fail: {outcome:?}");
    }
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn stdin_readers_see_end_of_file() {
    let mut host = host().await;
    let started = Instant::now();
    // A native program that reads its stdin to the end: `cat`, or on Windows PowerShell itself.
    let reader = if cfg!(windows) {
        "& \"$PSHOME\\pwsh.exe\" -NoProfile -Command '$null = [Console]::In.ReadToEnd()'"
    } else {
        "cat"
    };
    let (outcome, out) = run(&mut host, &format!("{reader}; 'after cat'")).await;
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(outcome.succeeded(&[0]));
    assert_eq!(out, ["after cat"]);
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn japanese_text_travels_both_ways() {
    let mut host = host().await;
    host.set_vars(&[(
        "Message".into(),
        Value::Str("バックエンド サーバーを停止します".into()),
    )])
    .await
    .unwrap();
    let (outcome, out) = run(
        &mut host,
        "Write-Output '日本語テキスト'; $Message; $Message.Length",
    )
    .await;
    assert!(outcome.succeeded(&[0]));
    assert_eq!(
        out,
        ["日本語テキスト", "バックエンド サーバーを停止します", "17"]
    );
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn parameter_values_never_execute() {
    let mut host = host().await;
    let hostile = [
        "'; Write-Output pwned; '",
        "\"; Write-Output pwned; \"",
        "$(Write-Output pwned)",
        "`$(Write-Output pwned)`",
        "\u{2019}; Write-Output pwned; \u{2018}",
        "x\nWrite-Output pwned",
        "@'\nWrite-Output pwned\n'@",
    ];
    for value in hostile {
        host.set_vars(&[("SqlServerFqdn".into(), Value::Str(value.into()))])
            .await
            .unwrap();
        let (outcome, out) = run(
            &mut host,
            "Write-Output $SqlServerFqdn; Write-Output \"in a string: $SqlServerFqdn\"",
        )
        .await;
        assert!(outcome.succeeded(&[0]));
        assert!(
            !out.iter().any(|l| l == "pwned"),
            "{value:?} executed: {out:?}"
        );
        assert_eq!(out.join("\n"), format!("{value}\nin a string: {value}"));
    }
    host.set_vars(&[
        ("Flag".into(), Value::Bool(true)),
        ("Count".into(), Value::Int(7)),
    ])
    .await
    .unwrap();
    let (_, out) = run(
        &mut host,
        "$Flag.GetType().Name; $Count.GetType().Name; $Count * 6",
    )
    .await;
    assert_eq!(out, ["Boolean", "Int64", "42"]);
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn conditions_evaluate_to_true_or_false() {
    let mut host = host().await;
    for (code, expected) in [
        ("1 -eq 1", true),
        ("-not (1 -eq 1)", false),
        ("$null", false),
        ("@()", false),
        ("'text'", true),
        ("Test-Path /definitely/not/here", false),
        ("$false, $false", true),
        // A flood of values: only the first two are kept, and the answer is the same.
        ("1..300000 | ForEach-Object { $false }", true),
    ] {
        let outcome = host.eval(code, None).await.unwrap();
        assert_eq!(outcome.value, Some(expected), "{code}");
    }
    host.shutdown().await;
}

// Unix: `sh` and `pgrep` over the process group; Windows has its Job Object counterparts below.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_timeout_stops_the_command_and_its_process_tree() {
    let mut host = host().await;
    let started = Instant::now();
    let code = "sh -c 'sleep 1000 & sleep 1000'";
    let outcome = host
        .run(code, Some(Duration::from_millis(1500)), |_| {})
        .await
        .unwrap();
    assert!(outcome.timed_out);
    assert_eq!(outcome.state, RunState::Stopped);
    assert!(started.elapsed() < Duration::from_secs(10));
    // Nothing the command started is left in the host's process group.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let strays = std::process::Command::new("pgrep")
        .args(["-g", &host.pid.to_string()])
        .output()
        .unwrap();
    let strays: Vec<String> = String::from_utf8_lossy(&strays.stdout)
        .lines()
        .filter(|p| *p != host.pid.to_string() && *p != host.shell_pid.to_string())
        // A killed process whose parent is gone stays a zombie until init reaps it: it is dead.
        .filter(|p| {
            let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).unwrap_or_default();
            stat.rsplit_once(')')
                .is_some_and(|(_, rest)| rest.split_whitespace().next() != Some("Z"))
        })
        .map(|p| {
            let cmd = std::fs::read_to_string(format!("/proc/{p}/cmdline"))
                .unwrap_or_default()
                .replace('\0', " ");
            let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).unwrap_or_default();
            format!("{p}: {cmd} [{stat}]")
        })
        .collect();
    assert!(
        strays.is_empty(),
        "processes left behind: {strays:?} (host {} shell {})",
        host.pid,
        host.shell_pid
    );
    // And the session goes on.
    let (after, out) = run(&mut host, "'alive'").await;
    assert!(after.succeeded(&[0]));
    assert_eq!(out, ["alive"]);
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_command_that_ignores_stop_is_killed() {
    let mut host = host().await;
    let started = Instant::now();
    let outcome = host
        // Long enough for the sleep to have begun even on a loaded machine: a stop that reaches
        // PowerShell before the pipeline runs ends it as stopped, not killed.
        .run(
            "[System.Threading.Thread]::Sleep(600000)",
            Some(Duration::from_millis(2000)),
            |_| {},
        )
        .await
        .unwrap();
    assert_eq!(outcome.state, RunState::Killed, "{outcome:?}");
    assert!(outcome.timed_out);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
    // The session is gone: the next request reports it, and a fresh host works.
    assert!(
        host.run("'anyone?'", Some(Duration::from_secs(5)), |_| {})
            .await
            .is_err()
    );
    let mut fresh = self::host().await;
    let (ok, _) = run(&mut fresh, "'fresh'").await;
    assert!(ok.succeeded(&[0]));
    fresh.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dying_process_is_reported() {
    let mut host = host().await;
    let result = host
        .run(
            "[Environment]::Exit(137)",
            Some(Duration::from_secs(10)),
            |_| {},
        )
        .await;
    let error = result.expect_err("the host died");
    assert!(error.to_string().contains("ended unexpectedly"), "{error}");
    assert!(error.to_string().contains("137"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn output_written_straight_to_the_console_is_attached_to_the_command() {
    let mut host = host().await;
    let mut stray = Vec::new();
    let outcome = host
        .run("[Console]::Out.WriteLine('straight to stdout'); [Console]::Out.Flush(); Start-Sleep -Milliseconds 200", None, |line| {
            if line.stream == Stream::Stdout {
                stray.push(line.text)
            }
        })
        .await
        .unwrap();
    assert!(outcome.succeeded(&[0]));
    assert_eq!(stray, ["straight to stdout"]);
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_channel_that_answers_without_the_token_is_refused() {
    // The driver reads the token from its environment; a wrong one stands for whoever connected
    // to the channel first without knowing it.
    let config = HostConfig {
        env: vec![("TEJUN_TOKEN".into(), "not-the-token".into())],
        ..config()
    };
    let error = Host::start(&config).await.err().expect("refused");
    assert!(
        error.to_string().contains("answered with a wrong token"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_shell_is_a_clear_error() {
    let config = HostConfig {
        shell: "/no/such/pwsh".into(),
        ..HostConfig::default()
    };
    let error = Host::start(&config).await.err().expect("no shell there");
    assert!(
        error.to_string().contains("cannot find PowerShell"),
        "{error}"
    );
}

// Unix only: the program that is not PowerShell is a `#!/bin/sh` script. On Windows a `.cmd` file
// would play that part (issue 9 adds the Windows end-to-end tests).
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_program_that_is_not_powershell_fails_at_once_with_what_it_said() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("not-pwsh");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho 'this is not PowerShell' >&2\nexit 7\n",
    )
    .unwrap();
    let mut perms = std::fs::metadata(&fake).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&fake, perms).unwrap();
    let config = HostConfig {
        shell: fake.display().to_string(),
        ..HostConfig::default()
    };
    let started = std::time::Instant::now();
    let error = Host::start(&config).await.err().expect("not PowerShell");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "waited {:?} for a program that had exited",
        started.elapsed()
    );
    let text = error.to_string();
    assert!(
        text.contains("exited (exit status: 7) before it connected"),
        "{text}"
    );
    assert!(text.contains("this is not PowerShell"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn control_characters_quotes_and_backslashes_survive_the_protocol() {
    let mut host = host().await;
    let (outcome, out) = run(&mut host, "\"tab`there\\back\"\"quote$([char]1)end\"").await;
    assert!(outcome.succeeded(&[0]));
    assert_eq!(out, ["tab\there\\back\"quote\u{1}end"]);
    host.shutdown().await;
}

// Linux only from here to `mod job`: these find processes by command line in `/proc` and start
// them with `setsid` and double forks, which Windows does not have. Their Windows counterparts,
// where a Job Object holds the tree, are in `mod job` at the end.

/// A command line no other test (or other checkout's test run) uses: `sleep` with a fraction made
/// of this process's id, so a `/proc` scan finds exactly what this test started.
#[cfg(target_os = "linux")]
fn unique_sleep(seconds: u32) -> String {
    format!("sleep {seconds}.{}", std::process::id())
}

/// The live processes (zombies are dead) whose command line is exactly `cmdline`.
#[cfg(target_os = "linux")]
fn running(cmdline: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let cmd = std::fs::read_to_string(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let zombie = stat
                .rsplit_once(')')
                .is_some_and(|(_, rest)| rest.split_whitespace().next() == Some("Z"));
            !zombie && cmd.trim_end_matches('\0').replace('\0', " ") == cmdline
        })
        .collect()
}

/// Waits up to five seconds for every process with one of these command lines to end, and says
/// which are still running if they do not.
#[cfg(target_os = "linux")]
async fn assert_all_end(cmdlines: &[&str]) {
    let give_up = Instant::now() + Duration::from_secs(5);
    loop {
        let left: Vec<(&str, Vec<u32>)> = cmdlines
            .iter()
            .map(|c| (*c, running(c)))
            .filter(|(_, pids)| !pids.is_empty())
            .collect();
        if left.is_empty() {
            return;
        }
        if Instant::now() > give_up {
            for (_, pids) in &left {
                for pid in pids {
                    let _ = std::process::Command::new("kill")
                        .args(["-9", &pid.to_string()])
                        .status();
                }
            }
            panic!("still running (now killed by the test): {left:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits up to five seconds until no `sleep` is a zombie child of this process: tejun (here the
/// test process) is the subreaper of what the sessions start, so it must reap what it kills.
#[cfg(target_os = "linux")]
async fn assert_no_zombie_sleeps() {
    let me = std::process::id().to_string();
    let zombies = || -> Vec<String> {
        std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
            .filter(|stat| {
                let fields: Vec<&str> = stat
                    .rsplit_once(')')
                    .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
                stat.contains("(sleep)")
                    && fields.first() == Some(&"Z")
                    && fields.get(1) == Some(&me.as_str())
            })
            .collect()
    };
    let give_up = Instant::now() + Duration::from_secs(5);
    while !zombies().is_empty() {
        assert!(Instant::now() < give_up, "zombies left: {:?}", zombies());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Checks that both sleeps really started, so the test cannot pass by running nothing.
#[cfg(target_os = "linux")]
async fn assert_started(cmdline: &str) {
    let give_up = Instant::now() + Duration::from_secs(30);
    while running(cmdline).is_empty() {
        assert!(Instant::now() < give_up, "`{cmdline}` never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn a_timeout_ends_what_left_the_process_group() {
    let mut host = host().await;
    let (daemon, waiter) = (unique_sleep(613), unique_sleep(614));
    let code = format!("bash -c 'setsid {daemon} & {waiter}'");
    let check = tokio::spawn({
        let daemon = daemon.clone();
        async move { assert_started(&daemon).await }
    });
    let outcome = host
        .run(&code, Some(Duration::from_millis(1500)), |_| {})
        .await
        .unwrap();
    check.await.unwrap();
    assert!(outcome.timed_out, "{outcome:?}");
    assert_all_end(&[&daemon, &waiter]).await;
    let (after, out) = run(&mut host, "'alive'").await;
    assert!(after.succeeded(&[0]));
    assert_eq!(out, ["alive"]);
    host.shutdown().await;
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn a_timeout_ends_a_double_forked_daemon() {
    let mut host = host().await;
    let (daemon, waiter) = (unique_sleep(615), unique_sleep(616));
    let code = format!("bash -c '(setsid {daemon} &) ; {waiter}'");
    let check = tokio::spawn({
        let daemon = daemon.clone();
        async move { assert_started(&daemon).await }
    });
    let outcome = host
        .run(&code, Some(Duration::from_millis(1500)), |_| {})
        .await
        .unwrap();
    check.await.unwrap();
    assert!(outcome.timed_out, "{outcome:?}");
    assert_all_end(&[&daemon, &waiter]).await;
    host.shutdown().await;
    assert_no_zombie_sleeps().await;
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn an_interrupt_ends_what_the_command_started() {
    let mut host = host().await;
    let (tx, rx) = tokio::sync::watch::channel(false);
    host.set_interrupt(rx);
    let (daemon, waiter) = (unique_sleep(617), unique_sleep(618));
    let code = format!("bash -c '(setsid {daemon} &) ; {waiter}'");
    let press = tokio::spawn({
        let daemon = daemon.clone();
        async move {
            assert_started(&daemon).await;
            let _ = tx.send(true);
        }
    });
    let outcome = host.run(&code, None, |_| {}).await.unwrap();
    press.await.unwrap();
    assert!(outcome.interrupted, "{outcome:?}");
    assert_all_end(&[&daemon, &waiter]).await;
    host.shutdown().await;
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn ending_the_session_ends_the_daemons_it_left() {
    let mut host = host().await;
    let daemon = unique_sleep(619);
    // A daemon lets go of the output, or PowerShell would wait for it.
    let code = format!("bash -c '(setsid {daemon} >/dev/null 2>&1 </dev/null &)'");
    let (outcome, _) = run(&mut host, &code).await;
    assert!(outcome.succeeded(&[0]), "{outcome:?}");
    assert_started(&daemon).await;
    host.shutdown().await;
    assert_all_end(&[&daemon]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn long_lines_come_in_marked_parts_that_rejoin_exactly() {
    use tejun_runtime::host::CHUNK;
    let mut host = host().await;
    // Output, an error record and text written straight to stdout, each longer than a chunk,
    // with a character of several bytes and a surrogate pair to cut around.
    let code = "$long = ('é日😀' + ('x' * 997)) * 300\n\
                $long\n'after'\n\
                Write-Error $long\n\
                [Console]::Out.Write($long); [Console]::Out.WriteLine(); [Console]::Out.Flush()\n\
                Start-Sleep -Milliseconds 200";
    let mut lines = Vec::new();
    let outcome = host
        .run(code, Some(Duration::from_secs(30)), |line| lines.push(line))
        .await
        .unwrap();
    assert_eq!(
        outcome.errors_written, 1,
        "one error record, however many parts"
    );
    let expected = ("é日😀".to_owned() + &"x".repeat(997)).repeat(300);
    for stream in [Stream::Output, Stream::Error, Stream::Stdout] {
        let parts: Vec<_> = lines.iter().filter(|l| l.stream == stream).collect();
        assert!(
            parts.len() > 2,
            "{stream:?} comes in parts: {}",
            parts.len()
        );
        let whole: Vec<_> = parts.iter().take_while(|l| l.partial).collect();
        assert!(
            whole.len() >= 2,
            "{stream:?}: every part but the last is marked"
        );
        assert!(parts.iter().all(|l| l.text.len() <= 3 * CHUNK));
        let rejoined: String = parts[..=whole.len()]
            .iter()
            .map(|l| l.text.as_str())
            .collect();
        if stream == Stream::Error {
            assert!(rejoined.contains(&expected), "the error record rejoins");
        } else {
            assert_eq!(rejoined, expected, "{stream:?} rejoins exactly");
        }
    }
    let output: Vec<_> = lines
        .iter()
        .filter(|l| l.stream == Stream::Output)
        .collect();
    assert_eq!(output.last().map(|l| l.text.as_str()), Some("after"));
    assert!(
        outcome.tail.iter().all(|l| l.text.len() <= 2100),
        "the tail keeps bounded bytes"
    );
    host.shutdown().await;
}

/// Windows: what a command starts lives in the session's Job Object. Each test starts a tree,
/// PowerShell starting PowerShell that starts PowerShell, and checks by process id that all of it
/// ended, as the Linux tests above do by command line.
#[cfg(windows)]
mod job {
    use super::*;

    /// Code that starts PowerShell, which starts another, both sleeping; each writes its process
    /// id to `dir/ids`. The command then waits, unless `wait` is false.
    fn tree(dir: &std::path::Path, wait: bool) -> String {
        let quote = |p: std::path::PathBuf| p.display().to_string().replace('\'', "''");
        let (child, ids) = (quote(dir.join("child.ps1")), quote(dir.join("ids")));
        std::fs::write(
            dir.join("child.ps1"),
            "param($Ids)\n\
             $PID | Out-File -Append -Encoding ascii $Ids\n\
             $null = Start-Process -NoNewWindow \"$PSHOME\\pwsh.exe\" -ArgumentList '-NoProfile','-Command','$PID | Out-File -Append -Encoding ascii $env:TEJUN_IDS; Start-Sleep 600'\n\
             Start-Sleep 600\n",
        )
        .unwrap();
        let mut code = format!(
            "$env:TEJUN_IDS = '{ids}'\n\
             $null = Start-Process -NoNewWindow \"$PSHOME\\pwsh.exe\" -ArgumentList '-NoProfile','-File',\"`\"{child}`\"\",\"`\"{ids}`\"\"\n"
        );
        if wait {
            code.push_str("Start-Sleep 600\n");
        }
        code
    }

    /// Waits (up to two minutes: PowerShell under wine starts slowly) for both ids.
    async fn started(ids: &std::path::Path) -> Vec<u32> {
        let give_up = Instant::now() + Duration::from_secs(120);
        loop {
            let pids: Vec<u32> = std::fs::read_to_string(ids)
                .unwrap_or_default()
                .split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect();
            if pids.len() == 2 {
                assert!(pids.iter().all(|&p| alive(p)), "{pids:?} started");
                return pids;
            }
            assert!(Instant::now() < give_up, "the tree never started: {pids:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn alive(pid: u32) -> bool {
        use windows_sys::Win32::Foundation::{CloseHandle, STILL_ACTIVE};
        use windows_sys::Win32::System::Threading::{
            GetExitCodeProcess, OpenProcess, PROCESS_QUERY_LIMITED_INFORMATION,
        };
        // SAFETY: the handle is checked and closed here.
        unsafe {
            let process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid);
            if process.is_null() {
                return false;
            }
            let mut code = 0u32;
            let ok = GetExitCodeProcess(process, &mut code);
            CloseHandle(process);
            ok != 0 && code == STILL_ACTIVE as u32
        }
    }

    async fn assert_all_end(pids: &[u32]) {
        let give_up = Instant::now() + Duration::from_secs(10);
        while pids.iter().any(|&p| alive(p)) {
            assert!(
                Instant::now() < give_up,
                "still running: {:?}",
                pids.iter().filter(|&&p| alive(p)).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_timeout_ends_the_whole_tree_and_the_session_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let mut host = host().await;
        let watch = tokio::spawn({
            let dir = dir.path().to_owned();
            async move { started(&dir.join("ids")).await }
        });
        let outcome = host
            .run(
                &tree(dir.path(), true),
                Some(Duration::from_secs(60)),
                |_| {},
            )
            .await
            .unwrap();
        let pids = watch.await.unwrap();
        assert!(outcome.timed_out, "{outcome:?}");
        assert_all_end(&pids).await;
        let (after, out) = run(&mut host, "'alive'").await;
        assert!(after.succeeded(&[0]));
        assert_eq!(out, ["alive"]);
        host.shutdown().await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn an_interrupt_ends_the_whole_tree() {
        let dir = tempfile::tempdir().unwrap();
        let mut host = host().await;
        let (tx, rx) = tokio::sync::watch::channel(false);
        host.set_interrupt(rx);
        let press = tokio::spawn({
            let dir = dir.path().to_owned();
            async move {
                let pids = started(&dir.join("ids")).await;
                let _ = tx.send(true);
                pids
            }
        });
        let outcome = host
            .run(&tree(dir.path(), true), None, |_| {})
            .await
            .unwrap();
        let pids = press.await.unwrap();
        assert!(outcome.interrupted, "{outcome:?}");
        assert_all_end(&pids).await;
        host.shutdown().await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn ending_the_session_ends_what_it_left_running() {
        let dir = tempfile::tempdir().unwrap();
        let mut host = host().await;
        let (outcome, _) = run(&mut host, &tree(dir.path(), false)).await;
        assert!(outcome.succeeded(&[0]), "{outcome:?}");
        let pids = started(&dir.path().join("ids")).await;
        host.shutdown().await;
        assert_all_end(&pids).await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_killed_session_takes_its_tree_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut host = host().await;
        let (outcome, _) = run(&mut host, &tree(dir.path(), false)).await;
        assert!(outcome.succeeded(&[0]), "{outcome:?}");
        let pids = started(&dir.path().join("ids")).await;
        let shell = host.shell_pid;
        host.kill().await;
        assert_all_end(&[pids[0], pids[1], shell]).await;
    }
}
