//! The VS Code extension (`editors/vscode`): its CI script installs the locked npm packages, runs the
//! grammar tests and packages the extension; the package must be a zip holding the manifest and the
//! grammar. Node.js and npm are required: a machine without them fails this test, saying how to install
//! them; it is never skipped.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::Command;

const EXTENSION: &str = "editors/vscode";
const VSIX: &str = "editors/vscode/dist/tejun-0.1.0.vsix";

/// The signature of a zip file's end of central directory record.
const ZIP_END: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
/// The signature of an entry of a zip file's central directory.
const ZIP_ENTRY: [u8; 4] = [0x50, 0x4b, 0x01, 0x02];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Fails the test, saying how to install it, when `tool` cannot be started.
fn require(tool: &str) {
    match Command::new(tool).arg("--version").output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "`{tool} --version` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) if e.kind() == ErrorKind::NotFound => panic!(
            "`{tool}` is not installed: the VS Code extension's test needs Node.js 20 or later and npm. \
             Install them with `apt-get install -y nodejs npm` (or from https://nodejs.org)"
        ),
        Err(e) => panic!("cannot start `{tool}`: {e}"),
    }
}

/// The names of the entries of a zip file, read from its central directory.
fn zip_entries(path: &Path) -> Vec<String> {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let u16_at = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]) as usize;
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;

    // The end of central directory record is the last thing in the file, followed only by a comment
    // of at most 65535 bytes.
    assert!(
        bytes.len() >= 22,
        "{} is too short to be a zip file",
        path.display()
    );
    let lowest = bytes.len().saturating_sub(22 + 65535);
    let end = (lowest..=bytes.len() - 22)
        .rev()
        .find(|&at| bytes[at..at + 4] == ZIP_END)
        .unwrap_or_else(|| {
            panic!(
                "{} is not a zip file (no end of central directory)",
                path.display()
            )
        });
    let count = u16_at(end + 10);
    let mut at = u32_at(end + 16);

    let mut names = Vec::with_capacity(count);
    for _ in 0..count {
        assert!(
            at + 46 <= bytes.len() && bytes[at..at + 4] == ZIP_ENTRY,
            "{}: bad central directory entry at byte {at}",
            path.display()
        );
        let (name_len, extra_len, comment_len) =
            (u16_at(at + 28), u16_at(at + 30), u16_at(at + 32));
        names.push(String::from_utf8_lossy(&bytes[at + 46..at + 46 + name_len]).into_owned());
        at += 46 + name_len + extra_len + comment_len;
    }
    names
}

#[test]
fn ci_script_tests_the_grammar_and_packages_the_extension() {
    require("node");
    require("npm");

    let root = root();
    let vsix = root.join(VSIX);
    // A package left by an earlier run must not stand in for this one.
    let _ = std::fs::remove_file(&vsix);

    let out = Command::new("bash")
        .arg(root.join(EXTENSION).join("ci.sh"))
        .current_dir(&root)
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "editors/vscode/ci.sh failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    for file in ["keywords", "strings", "powershell"] {
        assert!(
            stdout.contains(&format!("test/grammar/{file}.runbook run successfuly")),
            "the grammar test {file}.runbook did not report success:\n{stdout}"
        );
    }

    assert!(
        stdout.contains("regions: ") && stdout.contains(" end at the top level"),
        "the grammar was not run over the repository's runbooks:\n{stdout}"
    );

    assert!(vsix.is_file(), "ci.sh succeeded but wrote no {VSIX}");
    let entries = zip_entries(&vsix);
    for needed in [
        "extension/package.json",
        "extension/syntaxes/tejun.tmLanguage.json",
        "extension/language-configuration.json",
        "extension/src/extension.js",
        "extension/node_modules/vscode-languageclient/package.json",
    ] {
        assert!(
            entries.iter().any(|e| e == needed),
            "{VSIX} lacks {needed}; it holds:\n{}",
            entries.join("\n")
        );
    }
    assert!(
        !entries.iter().any(|e| e.starts_with("extension/test/")),
        "{VSIX} holds the tests; .vscodeignore should leave them out"
    );
}
