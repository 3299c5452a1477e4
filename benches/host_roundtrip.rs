//! The hosted PowerShell against a process per command (what most runbook tools do).
//!
//! - `round trip`: a trivial command through the long-lived host. Target: median at most 0.5 ms
//!   on an idle machine (issue 11).
//! - `process per command`: `pwsh -NoProfile -NonInteractive -Command '$null'`. Target: the host is at
//!   least 100 times faster.
//! - `host start-up` against `bare pwsh start`: target within 10%; `host start-up and a first
//!   command` (an object printed, so the formatter is on the path): within 15% (issue 11).

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use tejun_runtime::host::{Host, HostConfig, find_shell};

fn host_roundtrip(c: &mut Criterion) {
    let pwsh = find_shell("pwsh").expect(
        "the benchmark needs pwsh (dotnet tool install --global PowerShell --version 7.6.9)",
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut host = rt
        .block_on(Host::start(&HostConfig::default()))
        .expect("pwsh starts");
    // Warm up: the first commands JIT-compile the driver's paths.
    for _ in 0..50 {
        rt.block_on(host.run("$null", None, |_| {})).unwrap();
    }

    let mut group = c.benchmark_group("pwsh");
    group
        .sample_size(100)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("round trip", |b| {
        b.iter(|| rt.block_on(host.run("$null", None, |_| {})).unwrap())
    });
    group.bench_function("condition round trip", |b| {
        b.iter(|| rt.block_on(host.eval("$true", None)).unwrap())
    });
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    // What most runbook tools do: a fresh pwsh for each command.
    let pwsh_command = |script: &str| {
        std::process::Command::new(&pwsh)
            .args([
                "-NoLogo",
                "-NoProfile",
                "-NonInteractive",
                "-Command",
                script,
            ])
            .output()
            .unwrap()
    };
    group.bench_function("process per command", |b| b.iter(|| pwsh_command("$null")));
    group.bench_function("bare pwsh start", |b| b.iter(|| pwsh_command("exit")));
    group.bench_function("host start-up", |b| {
        b.iter(|| {
            rt.block_on(async {
                let h = Host::start(&HostConfig::default()).await.unwrap();
                h.shutdown().await;
            })
        })
    });
    // Issue 11's row: start-up to the first command, which prints an object (so the formatter is
    // on the path), against the bare start above. Target: within 1.15 times.
    group.bench_function("host start-up and a first command", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut h = Host::start(&HostConfig::default()).await.unwrap();
                h.run("[datetime]::Now", None, |_| {}).await.unwrap();
                h.shutdown().await;
            })
        })
    });
    group.finish();
    rt.block_on(host.shutdown());
}

criterion_group!(benches, host_roundtrip);
criterion_main!(benches);
