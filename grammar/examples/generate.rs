//! Writes the parse and check benchmark's runbook (10,000 steps, about 3.7 MB) to a file, so that
//! `tejun check` can be timed and profiled on it:
//!
//! ```text
//! cargo run --release -p tejun-grammar --example generate -- /tmp/big.runbook
//! valgrind --tool=callgrind target/release/tejun check /tmp/big.runbook
//! ```

#[path = "../../benches/generated.rs"]
mod generated;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: generate FILE [STEPS]");
        std::process::exit(2);
    };
    let steps = std::env::args()
        .nth(2)
        .map_or(generated::STEPS, |n| n.parse().expect("STEPS is a number"));
    let text = generated::generate(steps);
    std::fs::write(&path, &text).expect("the file can be written");
    println!("{path}: {steps} steps, {} bytes", text.len());
}
