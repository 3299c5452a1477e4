//! The simulated Lync server's own tests (`fixtures/lync-sim/tests/run-tests.ps1`), run with the
//! real pwsh: the simulation the end-to-end tests stand on must itself behave like Lync.

mod common;

#[test]
fn the_simulated_lync_server_passes_its_own_tests() {
    common::simulation_passes_its_own_tests("fixtures/lync-sim/tests/run-tests.ps1");
}
