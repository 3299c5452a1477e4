//! The Front End upgrade runbook runs end to end against the simulated pool over SSH
//! (`tests/lab`): readiness polled Busy then Ready, one server at a time behind the health gate,
//! and a halted rollout when a server does not come back, resumed once it is. That it replays
//! Microsoft's document verbatim, in both editions, is `tejun verify`'s test in
//! `tests/document_cli.rs`.

#[cfg(unix)]
const RUNBOOK: &str = "runbooks/lync2013-frontend-upgrade.runbook";

mod common;
#[cfg(unix)]
mod lab;

#[cfg(unix)]
mod end_to_end {
    use super::common::{Case, text};
    use super::lab;

    fn installer() -> String {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/lync-pool-sim/LyncServerUpdateInstaller.ps1")
            .display()
            .to_string()
    }

    fn pool(lab: &lab::Lab) -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(&lab.pool_state).unwrap()).unwrap()
    }

    fn versions(lab: &lab::Lab) -> Vec<(String, String)> {
        pool(lab)["Servers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["Name"].as_str().unwrap().to_owned(),
                    s["InstalledVersion"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    fn case(lab: &lab::Lab) -> Case {
        let src = std::fs::read_to_string(super::RUNBOOK).unwrap();
        let case = Case::new(&src);
        std::fs::write(case.dir.path().join("inventory.toml"), lab.inventory_toml()).unwrap();
        case
    }

    fn run_args(installer: &str) -> Vec<String> {
        [
            "run",
            "case.runbook",
            "--inventory",
            "inventory.toml",
            "--pause-scale",
            "0.001",
            "-p",
            "Servers=fe01,fe02,fe03",
            "-p",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([format!("UpdateInstaller={installer}")])
        .collect()
    }

    #[test]
    fn the_pool_is_upgraded_one_server_at_a_time_over_remoting() {
        // The pool is Busy for its first two readiness polls.
        let lab = lab::Lab::start_with_env(
            &["fe01", "fe02", "fe03"],
            &[("LYNC_POOL_SIM_BUSY_POLLS", "2")],
        );
        let case = case(&lab);
        let args = run_args(&installer());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = case.tejun(&args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        for (name, version) in versions(&lab) {
            assert_eq!(version, "5.0.8308.556", "{name} is upgraded");
        }
        let journal = case.journal();
        let attempts: Vec<(String, String)> = journal
            .iter()
            .filter(|e| e["event"] == "wait_attempt")
            .map(|e| {
                (
                    e["step"].as_str().unwrap().to_owned(),
                    e["outcome"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            attempts,
            [
                ("readiness[fe01]", "pending"),
                ("readiness[fe01]", "pending"),
                ("readiness[fe01]", "done"),
                ("readiness[fe02]", "done"),
                ("readiness[fe03]", "done"),
            ]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
        );
        // The document's commands went to each server as written.
        for command in [
            "Get-CsPoolUpgradeReadinessState",
            "Stop-CsWindowsService -Graceful -Verbose",
        ] {
            let sent: Vec<&str> = journal
                .iter()
                .filter(|e| {
                    // A wait's command is sent inside the few lines that keep its `$Result`.
                    let code = e["code"].as_str().unwrap_or("");
                    e["event"] == "command"
                        && (code == command || code.contains(&format!("\n{command}\n")))
                })
                .map(|e| e["step"].as_str().unwrap())
                .collect();
            assert!(sent.len() >= 3, "`{command}` ran on each server: {sent:?}");
        }
        let items: Vec<(&str, &str)> = journal
            .iter()
            .filter(|e| e["event"] == "item_end")
            .map(|e| (e["item"].as_str().unwrap(), e["status"].as_str().unwrap()))
            .collect();
        assert_eq!(
            items,
            [("fe01", "done"), ("fe02", "done"), ("fe03", "done")]
        );
        let gates = journal
            .iter()
            .filter(|e| e["event"] == "check" && e["kind"] == "gate" && e["held"] == true)
            .count();
        assert_eq!(gates, 2, "a gate between each two servers");
        // One server at a time: in the pool's log, each server's update comes after the previous
        // server's restart.
        let log: Vec<(String, String)> = pool(&lab)["Log"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["Host"].as_str().unwrap_or("").to_owned(),
                    e["Command"].as_str().unwrap_or("").to_owned(),
                )
            })
            .filter(|(_, c)| c == "LyncServerUpdateInstaller" || c == "Restart-Computer")
            .collect();
        let order: Vec<String> = log.iter().map(|(h, c)| format!("{h} {c}")).collect();
        assert_eq!(
            order,
            [
                "fe01 LyncServerUpdateInstaller",
                "fe01 Restart-Computer",
                "fe02 LyncServerUpdateInstaller",
                "fe02 Restart-Computer",
                "fe03 LyncServerUpdateInstaller",
                "fe03 Restart-Computer",
            ]
        );
    }

    #[test]
    fn a_server_that_does_not_come_back_halts_the_rollout_and_resume_goes_on_once_it_is_back() {
        let lab = lab::Lab::start_with_env(
            &["fe01", "fe02", "fe03"],
            &[("LYNC_POOL_SIM_FAULT_NO_COMEBACK", "fe02")],
        );
        let case = case(&lab);
        let args = run_args(&installer());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = case.tejun(&args);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("ROLLOUT HALTED"), "{stdout}");
        assert!(stdout.contains("not touched: fe03"), "{stdout}");
        // fe03 was not touched: still the old version, with its services running.
        let before = versions(&lab);
        assert_eq!(
            before,
            [
                ("fe01".to_owned(), "5.0.8308.556".to_owned()),
                ("fe02".to_owned(), "5.0.8308.556".to_owned()),
                ("fe03".to_owned(), "5.0.8308.0".to_owned()),
            ]
        );
        let journal = case.journal();
        let halted = journal
            .iter()
            .find(|e| e["event"] == "rollout_halted")
            .expect("the rollout halted");
        assert_eq!(halted["after"], "fe02");
        assert_eq!(halted["pending"], serde_json::json!(["fe03"]));
        // `show` says where each server stands.
        let run = case.run_id();
        let show = case.tejun(&["show", &run]);
        let shown = String::from_utf8_lossy(&show.stdout);
        for line in ["fe01  done", "fe02  failed", "fe03  pending"] {
            assert!(shown.contains(line), "{line}:\n{shown}");
        }

        // The operator brings fe02 back by hand (its services start when the fault is not set).
        let pwsh = tejun_runtime::host::find_shell("pwsh").unwrap();
        let fixed = std::process::Command::new(pwsh)
            .args([
                "-NoProfile",
                "-NonInteractive",
                "-Command",
                "Import-Module Lync; Start-CsWindowsService",
            ])
            .env(
                "PSModulePath",
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/lync-pool-sim"),
            )
            .env("LYNC_POOL_STATE", &lab.pool_state)
            .env("SIM_HOST", "fe02")
            .output()
            .unwrap();
        assert!(fixed.status.success(), "{}", text(&fixed));

        let out = case.tejun(&["resume", &run, "--pause-scale", "0.001"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        for (name, version) in versions(&lab) {
            assert_eq!(
                version, "5.0.8308.556",
                "{name} is upgraded after the resume"
            );
        }
        let journal = case.journal();
        let resumed_at = journal.iter().find(|e| e["event"] == "resume").unwrap();
        assert_eq!(
            resumed_at["from_step"], "restart[fe02]",
            "resume goes on with the failed server"
        );
        // fe02's restart is not repeated: its command finished before the run halted.
        let restarts = pool(&lab)["Log"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["Command"] == "Restart-Computer" && e["Host"] == "fe02")
            .count();
        assert_eq!(restarts, 1);
        let show = case.tejun(&["show", &run]);
        let shown = String::from_utf8_lossy(&show.stdout);
        for line in ["fe01  done", "fe02  done", "fe03  done"] {
            assert!(shown.contains(line), "{line}:\n{shown}");
        }
    }
}
