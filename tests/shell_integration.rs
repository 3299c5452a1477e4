//! `tejun completions` and `tejun man`: the scripts load in their shells and complete what a
//! user types (bash, and PowerShell through its own `TabExpansion2`), parameter names after
//! `-p` come from the runbook on the line, and a man page is written for every subcommand.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

fn tejun(args: &[&str]) -> Output {
    Command::cargo_bin("tejun")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

#[cfg(unix)]
/// A PATH with the tejun under test first, for shells that call `tejun __params`.
fn path_with_tejun() -> String {
    let bin = assert_cmd::cargo::cargo_bin("tejun");
    let dir = bin.parent().unwrap().display().to_string();
    format!("{dir}:{}", std::env::var("PATH").unwrap_or_default())
}

#[test]
fn every_shell_gets_a_script_naming_every_subcommand() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = tejun(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        for sub in [
            "check", "plan", "run", "resume", "lint", "fmt", "import", "verify", "render",
        ] {
            assert!(script.contains(sub), "{shell}: `{sub}` missing");
        }
        // `__params` is only called by the hooks bash and fish get, never offered.
        let hooks = usize::from(matches!(shell, "bash" | "fish"));
        assert_eq!(script.matches("__params").count(), hooks, "{shell}");
    }
    let out = tejun(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}

#[cfg(unix)]
#[test]
fn bash_completes_subcommands_and_the_runbooks_parameter_names() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("tejun.bash");
    std::fs::write(&script, tejun(&["completions", "bash"]).stdout).unwrap();
    let syntax = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        syntax.status.success(),
        "{}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    let complete = |words: &str, cword: usize| -> Vec<String> {
        let program = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD={cword}; _tejun_with_params tejun \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        );
        let out = std::process::Command::new("bash")
            .args(["-c", &program])
            .env("PATH", path_with_tejun())
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(complete("tejun ver", 1), ["verify"]);
    let names = complete(
        "tejun plan runbooks/lync2013-backend-upgrade.runbook -p ''",
        4,
    );
    assert_eq!(
        names,
        [
            "ServerRole=",
            "SqlServerFqdn=",
            "CollocatedDatabases=",
            "UpdateInstaller=",
            "AutoInstall="
        ]
    );
    assert_eq!(
        complete(
            "tejun run runbooks/lync2013-backend-upgrade.runbook --param Sq",
            4
        ),
        ["SqlServerFqdn="]
    );
}

#[test]
fn powershell_completes_subcommands_with_its_own_tab_expansion() {
    let pwsh = tejun_runtime::host::find_shell("pwsh").unwrap_or_else(|e| {
        panic!("{e}: install PowerShell 7 with `dotnet tool install --global PowerShell --version 7.6.9`")
    });
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("tejun.ps1");
    std::fs::write(&script, tejun(&["completions", "powershell"]).stdout).unwrap();
    let program = format!(
        ". '{}'; (TabExpansion2 -inputScript 'tejun ver' -cursorColumn 9).CompletionMatches.CompletionText; (TabExpansion2 -inputScript 'tejun lint --for' -cursorColumn 16).CompletionMatches.CompletionText",
        script.display()
    );
    let out = std::process::Command::new(pwsh)
        .args(["-NoProfile", "-NonInteractive", "-Command", &program])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines, ["verify", "--format"], "{text}");
}

#[test]
fn man_writes_a_page_for_tejun_and_each_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let out = tejun(&["man", dir.path().to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for page in [
        "tejun",
        "tejun-run",
        "tejun-resume",
        "tejun-lint",
        "tejun-import",
        "tejun-verify",
        "tejun-render",
        "tejun-completions",
    ] {
        let text = std::fs::read_to_string(dir.path().join(format!("{page}.1")))
            .unwrap_or_else(|e| panic!("{page}.1: {e}"));
        assert!(text.contains(&format!(".TH {page} 1")), "{page}: {text}");
        assert!(text.contains(".SH SYNOPSIS"), "{page}");
    }
    let run = std::fs::read_to_string(dir.path().join("tejun-run.1")).unwrap();
    assert!(run.contains("\\-\\-inventory"), "{run}");
    assert!(!Path::new(&dir.path().join("tejun-__params.1")).exists());
}

#[test]
fn params_prints_nothing_for_a_file_it_cannot_read() {
    let out = tejun(&["__params", "no-such.runbook"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
}
