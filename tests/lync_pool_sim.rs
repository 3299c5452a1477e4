//! The simulated Front End pool's own tests (`fixtures/lync-pool-sim/tests/run-tests.ps1`), run
//! with the real pwsh: the pool the remoting tests stand on must itself behave like a Lync pool.

mod common;

#[test]
fn the_simulated_front_end_pool_passes_its_own_tests() {
    common::simulation_passes_its_own_tests("fixtures/lync-pool-sim/tests/run-tests.ps1");
}
