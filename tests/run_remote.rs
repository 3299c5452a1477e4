//! Steps `on` targets, end to end: tejun's hosted PowerShell opens one remoting session per
//! target over SSH to the lab's servers (`tests/lab`), runs each step's code there as written,
//! with the run's values as variables, keeps what a step defines for the next step on that target,
//! and reopens a session that broke.

// The lab runs OpenSSH servers on loopback and reads /proc: Linux only.
#![cfg(unix)]

mod common;
mod lab;

use common::{Case, text};

const BASICS: &str = r#"runbook remote-basics {
  param Servers: list(string)
  param Greeting: string = "hi'; Remove-Item -Recurse /tmp/nothing; '"

  foreach server in Servers on server {
    step who "Say who runs the step" {
      run { "$env:SIM_HOST on $server says $Greeting"; $kept = 40 + 2 }
    }
    step kept "Variables stay on the target" {
      run { "kept=$kept" }
      ensure { $kept -eq 42 -and $env:SIM_HOST -eq $server }
    }
  }

  step here "Back where tejun runs" {
    run { "here: [$env:SIM_HOST] kept=[$kept]" }
  }

  step exit-code "A native exit code comes back" on "fe02" {
    run { sh -c 'echo from-sh; exit 3' } accept exit 3
  }
}
"#;

#[test]
fn steps_run_on_their_targets_with_values_as_variables() {
    let lab = lab::Lab::start(&["fe01", "fe02"]);
    let case = Case::new(BASICS);
    std::fs::write(case.dir.path().join("inventory.toml"), lab.inventory_toml()).unwrap();
    let out = case.tejun(&[
        "run",
        "case.runbook",
        "--inventory",
        "inventory.toml",
        "-p",
        "Servers=fe01,fe02",
        "--output",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let transcript = case.transcript();
    for server in ["fe01", "fe02"] {
        assert!(
            transcript.contains(&format!(
                "{server} on {server} says hi'; Remove-Item -Recurse /tmp/nothing; '"
            )),
            "{transcript}"
        );
    }
    assert_eq!(transcript.matches("kept=42").count(), 2, "{transcript}");
    assert!(transcript.contains("here: [] kept=[]"), "{transcript}");
    assert!(transcript.contains("from-sh"), "{transcript}");
    let journal = case.journal();
    let opened: Vec<(&str, bool)> = journal
        .iter()
        .filter(|e| e["event"] == "session_open")
        .map(|e| (e["target"].as_str().unwrap(), e["ok"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        opened,
        [("fe01", true), ("fe02", true)],
        "one session per target, reused"
    );
    let exit = journal
        .iter()
        .find(|e| e["event"] == "command" && e["step"] == "exit-code")
        .unwrap();
    assert_eq!(exit["last_exit_code"], 3, "{exit}");
    let targets: Vec<Option<&str>> = journal
        .iter()
        .filter(|e| e["event"] == "step_start")
        .map(|e| e["target"].as_str())
        .collect();
    assert_eq!(
        targets,
        [
            Some("fe01"),
            Some("fe01"),
            Some("fe02"),
            Some("fe02"),
            None,
            Some("fe02")
        ]
    );
}

#[test]
fn a_broken_session_is_reported_and_reopened_once() {
    let mut lab = lab::Lab::start(&["fe01"]);
    let case = Case::new(
        r#"runbook broken {
  step before "Open the session" on "fe01" {
    run { $remembered = 'set before the break'; "pid $PID" }
  }
  step pause "Wait while the server goes away and comes back" {
    run { while (-not (Test-Path go)) { Start-Sleep -Milliseconds 100 } } timeout 60s
  }
  step after "Use the target again" on "fe01" {
    run { "after: $env:SIM_HOST remembered=[$remembered]" }
  }
}
"#,
    );
    std::fs::write(case.dir.path().join("inventory.toml"), lab.inventory_toml()).unwrap();
    #[allow(deprecated)] // cargo_bin: the binary of this package, as the other tests find it.
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("tejun"))
        .args([
            "--color=never",
            "run",
            "case.runbook",
            "--inventory",
            "inventory.toml",
        ])
        .args(["--state-dir", "state"])
        .current_dir(case.dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The run is in its local step once the first remote step has printed its pid.
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(60) {
        let runs = std::fs::read_dir(case.dir.path().join("state/runs"));
        let pausing = runs.into_iter().flatten().flatten().any(|run| {
            std::fs::read_to_string(run.path().join("journal.jsonl"))
                .is_ok_and(|j| j.contains(r#""step":"pause""#))
        });
        if pausing {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    lab.kill("fe01");
    lab.revive("fe01");
    std::fs::write(case.dir.path().join("go"), "").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let journal = case.journal();
    let broken: Vec<&serde_json::Value> = journal
        .iter()
        .filter(|e| e["event"] == "session_broken")
        .collect();
    assert_eq!(broken.len(), 1, "{journal:?}");
    assert_eq!(broken[0]["target"], "fe01");
    assert_eq!(broken[0]["step"], "after");
    let reopened: Vec<&str> = journal
        .iter()
        .filter(|e| e["event"] == "session_open" && e["ok"] == true)
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reopened, ["first use", "reopened after the session broke"]);
    // A fresh session holds nothing of the broken one: the journal says so, and so does the step.
    assert!(
        case.transcript().contains("after: fe01 remembered=[]"),
        "{}",
        case.transcript()
    );
}

#[test]
fn a_timeout_stops_the_remote_command_and_what_it_started() {
    let lab = lab::Lab::start(&["fe01"]);
    let marker = format!("tejun-remote-timeout-{}", std::process::id());
    let case = Case::new(&format!(
        r#"runbook timeout {{
  step slow "A command that overruns its timeout" on "fe01" {{
    run {{ sh -c 'sleep 300; echo {marker}' }} timeout 2s
  }}
}}
"#
    ));
    std::fs::write(case.dir.path().join("inventory.toml"), lab.inventory_toml()).unwrap();
    let started = std::time::Instant::now();
    let out = case.tejun(&["run", "case.runbook", "--inventory", "inventory.toml"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "stopped in time"
    );
    let command = case
        .journal()
        .into_iter()
        .find(|e| e["event"] == "command")
        .unwrap();
    assert_eq!(command["timed_out"], true, "{command}");
    // Nothing the remote command started is left on the server (the lab's servers are this machine).
    std::thread::sleep(std::time::Duration::from_millis(500));
    let left = std::process::Command::new("pgrep")
        .args(["-f", &marker])
        .output()
        .unwrap();
    assert!(
        left.stdout.is_empty(),
        "left running: {}",
        String::from_utf8_lossy(&left.stdout)
    );
}

#[test]
fn a_loop_over_what_a_target_returns_asks_that_target() {
    let lab = lab::Lab::start(&["fe01", "fe02"]);
    let case = Case::new(
        r#"runbook domains {
  param QueryServer: string doc "A Front End Server to ask about the pool"

  foreach domain in run { (Get-CsPoolUpgradeReadinessState).UpgradeDomains.UpgradeDomain } on QueryServer {
    step report "Report the upgrade domain" {
      run { "domain $domain asked on $env:SIM_HOST" }
    }
  }
}
"#,
    );
    std::fs::write(case.dir.path().join("inventory.toml"), lab.inventory_toml()).unwrap();
    let out = case.tejun(&[
        "run",
        "case.runbook",
        "--inventory",
        "inventory.toml",
        "-p",
        "QueryServer=fe02",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let journal = case.journal();
    let items = &journal.iter().find(|e| e["event"] == "loop_start").unwrap()["items"];
    assert_eq!(
        items,
        &serde_json::json!(["UpgradeDomain1", "UpgradeDomain2"]),
        "the pool's upgrade domains, as fe02 lists them"
    );
    let transcript = case.transcript();
    for domain in ["UpgradeDomain1", "UpgradeDomain2"] {
        assert!(
            transcript.contains(&format!("domain {domain} asked on fe02")),
            "{transcript}"
        );
    }
}

#[test]
fn run_check_evaluates_conditions_on_each_steps_target() {
    let lab = lab::Lab::start(&["fe01"]);
    let case = Case::new(
        r#"runbook check-remote {
  step here "A condition on the target" on "fe01" {
    require { $env:SIM_HOST -eq 'fe01' }
    run { 'would not run in a check' }
  }
  step gone "A target that cannot be reached" on "gone" {
    require { $true }
    run { 'nor this' }
  }
}
"#,
    );
    // `gone` listens nowhere: the lab's first address, on a port nothing has.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let fe01 = lab.target("fe01");
    let inventory = format!(
        "{}\n[targets.gone]\ntransport = \"ssh\"\nhost = \"127.0.0.1\"\nport = {port}\nuser = {:?}\nkey = {:?}\nknown_hosts = {:?}\nconnect_timeout_seconds = 5\n",
        lab.inventory_toml(),
        fe01.user,
        fe01.key.display().to_string(),
        fe01.known_hosts.display().to_string(),
    );
    std::fs::write(case.dir.path().join("inventory.toml"), inventory).unwrap();
    let out = case.tejun(&[
        "run",
        "case.runbook",
        "--inventory",
        "inventory.toml",
        "--check",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        stdout.contains("require  $env:SIM_HOST -eq 'fe01'  → holds"),
        "{stdout}"
    );
    assert!(
        stdout.contains("on       cannot open a session to `gone`"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("would not run in a check\n  |"),
        "{stdout}"
    );
    assert!(
        !case.dir.path().join("state/runs").exists(),
        "a check writes no run"
    );
}

#[test]
fn restart_shell_on_a_target_opens_a_fresh_session_and_secrets_reach_it_as_variables() {
    let lab = lab::Lab::start(&["fe01"]);
    let case = Case::new(
        r#"runbook fresh {
  param Password: secret

  step before "Define something on the target" on "fe01" {
    run { $defined = 'yes'; "length $($Password.Length)"; "defined=[$defined]" }
    restart shell
    run { "after restart: defined=[$defined] pid-changed" }
    ensure { $Password -ceq 'Tr0ub4dor&3' }
  }
}
"#,
    );
    std::fs::write(case.dir.path().join("inventory.toml"), lab.inventory_toml()).unwrap();
    let out = case
        .command(&["run", "case.runbook", "--inventory", "inventory.toml"])
        .env("TEJUN_SECRET_PASSWORD", "Tr0ub4dor&3")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let transcript = case.transcript();
    assert!(transcript.contains("length 11"), "{transcript}");
    assert!(transcript.contains("defined=[yes]"), "{transcript}");
    assert!(
        transcript.contains("after restart: defined=[]"),
        "{transcript}"
    );
    let journal = std::fs::read_to_string(case.run_dir().join("journal.jsonl")).unwrap();
    assert!(
        !journal.contains("Tr0ub4dor"),
        "the secret never reaches the journal"
    );
    let reasons: Vec<String> = case
        .journal()
        .iter()
        .filter(|e| e["event"] == "session_open")
        .map(|e| e["reason"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(reasons, ["first use", "restart shell"]);
}
