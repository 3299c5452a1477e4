//! How long reading a large runbook takes: parse alone, check alone and both (`compile`).
//!
//! The input is generated (`generated.rs`): a runbook of 10,000 steps shaped like the real ones
//! in `runbooks/`, 3.67 MB, with every kind of parameter, windows, `when` and `match` branches at
//! runbook and step level, document placeholders, quotes in two languages, polled postconditions
//! and multi-line PowerShell. Throughput is reported in bytes, so criterion prints MB/s. Targets:
//! `compile` under 100 ms, `parse` and `check` together at 20 MB/s or more.
//! `cargo run --release -p tejun-grammar --example generate -- FILE` writes the same runbook to
//! a file for `tejun check` (under callgrind, for instructions per byte).

mod generated;

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use generated::{STEPS, generate};

fn parse_check(c: &mut Criterion) {
    let src = generate(STEPS);
    // The benchmark measures the happy path: the input must compile cleanly.
    match tejun_grammar::compile(&src) {
        Ok(runbook) => assert!(
            runbook.warnings.is_empty(),
            "the generated runbook has warnings:\n{}",
            tejun_grammar::diagnostics::render(
                &runbook.warnings[..runbook.warnings.len().min(3)],
                "generated.runbook",
                &src,
                100,
                false
            )
        ),
        Err(problems) => panic!(
            "the generated runbook does not compile:\n{}",
            tejun_grammar::diagnostics::render(
                &problems[..problems.len().min(3)],
                "generated.runbook",
                &src,
                100,
                false
            )
        ),
    }
    let ast = tejun_grammar::parse(&src).expect("parses");

    let mut group = c.benchmark_group(format!("{STEPS} steps, {} KiB", src.len() / 1024));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Bytes(src.len() as u64));
    group.bench_function("parse", |b| {
        b.iter(|| tejun_grammar::parse(black_box(&src)))
    });
    group.bench_function("check", |b| {
        b.iter_batched(
            || ast.clone(),
            |ast| tejun_grammar::check(black_box(ast)),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("compile", |b| {
        b.iter(|| tejun_grammar::compile(black_box(&src)))
    });
    group.finish();

    // A second point of comparison: the same number of steps, each a single one-line command.
    let mut small = String::from("runbook small {\n  title \"One command per step\"\n");
    for n in 0..STEPS {
        writeln!(
            small,
            "  step s{n} \"Step {n}\" doc {n} {{\n    run {{ Restart-Service -Name svc{n} }}\n  }}"
        )
        .unwrap();
    }
    small.push_str("}\n");
    tejun_grammar::compile(&small).expect("the small runbook compiles");
    let mut group = c.benchmark_group(format!(
        "{STEPS} one-command steps, {} KiB",
        small.len() / 1024
    ));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Bytes(small.len() as u64));
    group.bench_function("compile", |b| {
        b.iter(|| tejun_grammar::compile(black_box(&small)))
    });
    group.finish();
}

criterion_group!(benches, parse_check);
criterion_main!(benches);
