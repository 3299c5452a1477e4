//! The simulated Lync server's own tests (`fixtures/lync-sim/tests/run-tests.ps1`), run with the
//! real pwsh: the simulation the end-to-end tests stand on must itself behave like Lync.

#[test]
fn the_simulated_lync_server_passes_its_own_tests() {
    let pwsh = tejun_runtime::host::find_shell("pwsh").unwrap_or_else(|e| {
        panic!("{e}: install PowerShell 7 with `dotnet tool install --global PowerShell --version 7.6.9`")
    });
    let out = std::process::Command::new(pwsh)
        .args([
            "-NoLogo",
            "-NoProfile",
            "-NonInteractive",
            "-File",
            "fixtures/lync-sim/tests/run-tests.ps1",
        ])
        .output()
        .expect("pwsh runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains(" 0 failed"),
        "the simulation's tests failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
