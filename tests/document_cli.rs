//! `tejun import`, `tejun verify` and `tejun render` from the command line: the two Microsoft
//! runbooks verified against their pages (the byte-for-byte test of the seed), differences as
//! unified diffs, unreadable input, rendering with and without parameters, and
//! `import(render(x))` giving back x's steps and commands.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use tejun_grammar::ast::{Action, Item};

const SEED: &str = "../shared/seeds/000_a90e74dc91a9d0bd.txt";
const BACKEND: &str = "runbooks/lync2013-backend-upgrade.runbook";
const FRONTEND: &str = "runbooks/lync2013-frontend-upgrade.runbook";
const FRONTEND_DOCS: [&str; 2] = [
    "../shared/docs/lync2013-frontend-upgrade.en.md",
    "../shared/docs/lync2013-frontend-upgrade.ja.md",
];

fn tejun(args: &[&str]) -> Output {
    Command::cargo_bin("tejun")
        .unwrap()
        .arg("--color=never")
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn require_shared(path: &str) {
    assert!(
        Path::new(path).exists(),
        "{path} is missing: shared/ must sit beside the checkout"
    );
}

#[test]
fn the_back_end_runbook_replays_the_seed_verbatim() {
    require_shared(SEED);
    let out = tejun(&["verify", BACKEND, SEED]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("replays ../shared/seeds/000_a90e74dc91a9d0bd.txt verbatim: 7 of the page's 7 commands in 11 steps"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn the_front_end_runbook_replays_both_editions_verbatim() {
    for doc in FRONTEND_DOCS {
        require_shared(doc);
        let out = tejun(&["verify", FRONTEND, doc, "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{doc}: {}", stdout(&out));
        let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(json["format"], "tejun-verify/1");
        assert_eq!(json["verbatim"], true);
        let commands: Vec<(String, String)> = json["commands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["step"].as_str().unwrap().to_owned(),
                    c["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            commands,
            [
                ("1".to_owned(), "Get-CsPoolUpgradeReadinessState".to_owned()),
                (
                    "2.1".to_owned(),
                    "Stop-CsWindowsService -Graceful -Verbose".to_owned()
                ),
            ]
        );
        let step3 = json["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["number"] == "3")
            .unwrap();
        assert!(
            step3["left_out"]
                .as_str()
                .is_some_and(|r| r.contains("foreach")),
            "{step3}"
        );
    }
}

#[test]
fn a_changed_command_prints_a_unified_diff_and_exits_1() {
    require_shared(SEED);
    let dir = tempfile::tempdir().unwrap();
    let changed = std::fs::read_to_string(BACKEND)
        .unwrap()
        .replace("-ExcludeCollocatedStores", "-ExcludeCollocatedStore")
        .replace("run { net stop w3svc }", "run { net stop W3SVC }");
    let path = dir.path().join("changed.runbook");
    std::fs::write(&path, changed).unwrap();
    let out = tejun(&["verify", path.to_str().unwrap(), SEED]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let name = path.display().to_string();
    assert!(
        text.contains(&format!(
            "--- {SEED}:36:9 (step 5)\n+++ {name}:69:11 (step `stop-w3svc`)\n@@ -1 +1 @@\n-net stop w3svc\n+net stop W3SVC\n"
        )),
        "{text}"
    );
    assert!(text.contains("-Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn <SQL Server FQDN>  -ExcludeCollocatedStores\n+Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn <SQL Server FQDN>  -ExcludeCollocatedStore\n"), "{text}");
    assert!(
        text.ends_with(
            "does not replay ../shared/seeds/000_a90e74dc91a9d0bd.txt verbatim: 2 differences\n"
        ),
        "{text}"
    );
}

#[test]
fn a_step_left_out_needs_a_reason_and_a_missing_one_is_named() {
    require_shared(SEED);
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(BACKEND).unwrap();
    // Drop step 6 (a manual step) entirely: the page's step 6 is then uncovered.
    let start = src.find("  step close-shells").unwrap();
    let end = start + src[start..].find("\n  }\n").unwrap() + 5;
    let without = format!("{}{}", &src[..start], &src[end..]);
    let path = dir.path().join("without.runbook");
    std::fs::write(&path, &without).unwrap();
    let out = tejun(&["verify", path.to_str().unwrap(), SEED]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("step 6 of the page (line 38) is not covered: no step has `doc 6`; add one, or say why it is left out with `# tejun: left-out(6) REASON`"),
        "{}",
        stdout(&out)
    );
    let marked = without.replacen(
        "runbook lync2013-backend-upgrade {",
        "runbook lync2013-backend-upgrade {\n  # tejun: left-out(6) the operator closes the shells before starting tejun",
        1,
    );
    std::fs::write(&path, marked).unwrap();
    let out = tejun(&["verify", path.to_str().unwrap(), SEED]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("left out: 6 (the operator closes the shells before starting tejun)")
    );
}

#[test]
fn unreadable_input_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.md");
    let out = tejun(&["verify", BACKEND, missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));
    let binary = dir.path().join("page.md");
    std::fs::write(&binary, b"# Title\n\n1.  \xff\xfe step\n").unwrap();
    let out = tejun(&["import", binary.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .contains("page.md:3:5: the page is not UTF-8 text from here on: save it as UTF-8"),
        "{}",
        stderr(&out)
    );
    let broken = dir.path().join("broken.runbook");
    std::fs::write(&broken, "runbook x {\n  step a \"A\" {\n").unwrap();
    let out = tejun(&["verify", broken.to_str().unwrap(), BACKEND]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("broken.runbook:3:1"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn import_writes_a_runbook_that_checks_and_never_overwrites_a_file() {
    require_shared(SEED);
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("seed.runbook");
    let out = tejun(&["import", SEED, "-o", out_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("imported 11 steps and 7 commands (0 inferred from the text)"),
        "{}",
        stderr(&out)
    );
    let check = tejun(&["check", out_path.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    let verify = tejun(&["verify", out_path.to_str().unwrap(), SEED]);
    assert_eq!(verify.status.code(), Some(0), "{}", stdout(&verify));
    // A second import to the same file is refused, and the file is untouched.
    std::fs::write(&out_path, "edited by hand\n").unwrap();
    let again = tejun(&["import", SEED, "-o", out_path.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("does not overwrite a file"),
        "{}",
        stderr(&again)
    );
    assert_eq!(
        std::fs::read_to_string(&out_path).unwrap(),
        "edited by hand\n"
    );
    let forced = tejun(&["import", SEED, "-o", out_path.to_str().unwrap(), "--force"]);
    assert_eq!(forced.status.code(), Some(0));
    assert!(
        std::fs::read_to_string(&out_path)
            .unwrap()
            .starts_with("# Imported by `tejun import`")
    );
}

#[test]
fn render_with_parameters_shows_the_arm_they_take_and_the_values() {
    let out = tejun(&[
        "render",
        BACKEND,
        "-p",
        "ServerRole=EnterpriseBackEnd",
        "-p",
        "SqlServerFqdn=sql01.contoso.local",
        "--lang",
        "ja",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let md = stdout(&out);
    assert!(md.contains("    Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn sql01.contoso.local\n"), "{md}");
    assert!(!md.contains("-LocalDatabases"), "{md}");
    assert!(
        md.contains("これが Enterprise Editionバック エンド サーバーで"),
        "{md}"
    );
    assert!(
        md.contains("| `SqlServerFqdn` | `sql01.contoso.local` |"),
        "{md}"
    );
    // Without parameters, every arm is there with the placeholder.
    let all = stdout(&tejun(&["render", BACKEND]));
    assert!(all.contains("-SqlServerFqdn <SQL Server FQDN>\n"), "{all}");
    assert!(
        all.contains("Install-CsDatabase -Update -LocalDatabases"),
        "{all}"
    );
    assert!(
        all.contains("- If `ServerRole` is \"StandardEdition\":"),
        "{all}"
    );
    // A missing required parameter is a usage error, as for `plan`.
    let missing = tejun(&["render", BACKEND, "-p", "ServerRole=EnterpriseBackEnd"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn render_html_is_one_self_contained_page() {
    let out = tejun(&["render", FRONTEND, "--format", "html"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let html = stdout(&out);
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(
        html.contains("<title>Upgrade or update Front End Servers in Lync Server 2013</title>")
            || html.contains("<title>"),
        "{html}"
    );
    assert!(
        html.contains("<code class=\"language-powershell\">Get-CsPoolUpgradeReadinessState"),
        "{html}"
    );
    for external in ["<script", "<link", "src=\"http", "@import", "url("] {
        assert!(!html.contains(external), "the page loads `{external}`");
    }
}

/// Each step with a `doc` number: its number, title and commands (`run` and a wait's command),
/// in order, branches and loops included.
fn steps_and_commands(src: &str) -> Vec<(String, String, Vec<String>)> {
    fn commands(items: &[Item], out: &mut Vec<String>) {
        for item in items {
            match item {
                Item::Action(Action::Run(r)) => out.push(r.code.text.clone()),
                Item::Action(Action::Wait(w)) => out.push(w.code.text.clone()),
                Item::When(w) => {
                    w.arms.iter().for_each(|a| commands(&a.body.items, out));
                    if let Some(b) = &w.otherwise {
                        commands(&b.items, out);
                    }
                }
                Item::Match(m) => m.arms.iter().for_each(|a| commands(&a.body.items, out)),
                Item::If(i) => {
                    i.arms.iter().for_each(|a| commands(&a.body.items, out));
                    if let Some(b) = &i.otherwise {
                        commands(&b.items, out);
                    }
                }
                _ => {}
            }
        }
    }
    fn steps(items: &[Item], out: &mut Vec<(String, String, Vec<String>)>) {
        for item in items {
            match item {
                Item::Step(s) => {
                    if let Some(doc) = &s.doc {
                        let mut c = Vec::new();
                        commands(&s.items, &mut c);
                        out.push((doc.value.clone(), s.title.value.clone(), c));
                    }
                }
                Item::Foreach(f) => steps(&f.items, out),
                _ => {}
            }
        }
    }
    let runbook = tejun_grammar::compile(src).expect("compiles");
    let mut out = Vec::new();
    steps(&runbook.ast.items, &mut out);
    out
}

#[test]
fn import_of_render_gives_back_the_steps_and_commands() {
    let dir = tempfile::tempdir().unwrap();
    for runbook in [BACKEND, FRONTEND] {
        for lang in ["en", "ja"] {
            let md = dir.path().join(format!("rendered-{lang}.md"));
            let out = tejun(&[
                "render",
                runbook,
                "--lang",
                lang,
                "-o",
                md.to_str().unwrap(),
            ]);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            let back = dir.path().join(format!("back-{lang}.runbook"));
            let out = tejun(&[
                "import",
                md.to_str().unwrap(),
                "-o",
                back.to_str().unwrap(),
                "--force",
            ]);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            let original = steps_and_commands(&std::fs::read_to_string(runbook).unwrap());
            let again = steps_and_commands(&std::fs::read_to_string(&back).unwrap());
            assert_eq!(
                again, original,
                "{runbook} ({lang}) through render and import"
            );
        }
    }
}
