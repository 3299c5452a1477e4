//! The simulated Front End pool's own tests (`fixtures/lync-pool-sim/tests/run-tests.ps1`), run
//! with the real pwsh: the pool the remoting tests stand on must itself behave like a Lync pool.

#[test]
fn the_simulated_front_end_pool_passes_its_own_tests() {
    let pwsh = tejun_runtime::host::find_shell("pwsh").unwrap_or_else(|e| {
        panic!("{e}: install PowerShell 7 with `dotnet tool install --global PowerShell --version 7.6.9`")
    });
    let out = std::process::Command::new(pwsh)
        .args([
            "-NoLogo",
            "-NoProfile",
            "-NonInteractive",
            "-File",
            "fixtures/lync-pool-sim/tests/run-tests.ps1",
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
