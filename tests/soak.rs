//! Soak: tejun's memory stays bounded whatever a command prints. Opt-in, because each prints
//! 100–200 MB through a real pwsh and takes a while; run them one at a time on a quiet machine:
//!
//! ```text
//! cargo test --release --test soak -- --ignored --test-threads 1 --nocapture
//! ```
//!
//! Each runs one shape of output through `tejun run` and through a bare `pwsh -File x.ps1 > file`
//! doing the same, then checks that tejun peaked under 64 MB, that its PowerShell peaked under
//! 1.2 times the bare one, and that the transcript holds every byte that was printed. Peaks are
//! the kernel's high-water marks (`VmHWM`) of tejun and of every process under it.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TEJUN_LIMIT_KB: u64 = 64 * 1024;
/// Issue 11's target for the hosted PowerShell's peak against a bare one printing the same.
const PWSH_FACTOR: f64 = 1.2;

/// 1,000,000 lines of 200 characters: 200 MB. Also the throughput case: within 1.5 times the
/// bare pwsh.
#[test]
#[ignore = "soak test: run with --ignored"]
fn lines_of_200_characters() {
    let soak = Soak::new("lines-200");
    let code = "$line = 'x' * 200; foreach ($i in 1..1000000) { $line }";
    let (tejun, bare) = soak.compare(&[code]);
    let seen = soak.transcript();
    assert_eq!(seen.output.lines, 1_000_000, "every line arrived");
    assert_eq!(seen.output.bytes, 200_000_000, "every byte arrived");
    assert_eq!(seen.output.parts, 0, "no line was long enough to split");
    let ratio = tejun.elapsed.as_secs_f64() / bare.elapsed.as_secs_f64();
    assert!(
        ratio <= 1.5,
        "tejun took {:.1}s, {ratio:.2} times the bare pwsh's {:.1}s (load {})",
        tejun.elapsed.as_secs_f64(),
        bare.elapsed.as_secs_f64(),
        load()
    );
}

/// 100 lines of 1 MiB: each comes in parts.
#[test]
#[ignore = "soak test: run with --ignored"]
fn lines_of_1_mb() {
    let soak = Soak::new("lines-1mb");
    let code = "$line = 'y' * 1048576; foreach ($i in 1..100) { $line }";
    soak.compare(&[code]);
    let seen = soak.transcript();
    assert_eq!(seen.output.lines, 100);
    assert_eq!(seen.output.bytes, 100 * 1_048_576);
    assert!(seen.output.parts >= 100 * 15, "{} parts", seen.output.parts);
}

/// One line of 100 MiB with no line break, written straight to stdout in 1 MiB writes.
#[test]
#[ignore = "soak test: run with --ignored"]
fn one_line_of_100_mb_without_a_line_break() {
    let soak = Soak::new("one-line");
    let code = "$part = 'z' * 1048576; foreach ($i in 1..100) { [Console]::Out.Write($part) }; [Console]::Out.Flush(); Start-Sleep -Milliseconds 500";
    soak.compare(&[code]);
    let seen = soak.transcript();
    assert_eq!(seen.stdout.bytes, 100 * 1_048_576, "every byte arrived");
    assert_eq!(
        seen.stdout.lines, 0,
        "the line never ends, so every part says it goes on"
    );
    assert!(seen.stdout.parts >= 1600, "{} parts", seen.stdout.parts);
}

/// 100 MB of random bytes from a native command writing straight to the console.
#[test]
#[ignore = "soak test: run with --ignored"]
fn binary_bytes_from_a_native_command() {
    let soak = Soak::new("binary");
    let data = soak.dir.path().join("random.bin");
    write_random(&data, 100_000_000);
    let code = format!(
        "Start-Process -NoNewWindow -Wait -FilePath cat -ArgumentList '{}'; Start-Sleep -Milliseconds 500",
        data.display()
    );
    soak.compare(&[&code]);
    let seen = soak.transcript();
    let expected = lossy_lines(&std::fs::read(&data).unwrap());
    assert_eq!(seen.stdout.lines, expected.lines, "every line arrived");
    assert_eq!(seen.stdout.bytes, expected.bytes, "every byte arrived");
}

/// Ten commands in a row, 20 MB each: nothing piles up from one to the next.
#[test]
#[ignore = "soak test: run with --ignored"]
fn ten_commands_in_a_row() {
    let soak = Soak::new("ten");
    let code = "$line = 'w' * 200; foreach ($i in 1..100000) { $line }";
    soak.compare(&[code; 10]);
    let seen = soak.transcript();
    assert_eq!(seen.output.lines, 1_000_000);
    assert_eq!(seen.output.bytes, 200_000_000);
}

/// 300,000 objects formatted as a table (about 45 MB of text): the formatter's path, not strings.
#[test]
#[ignore = "soak test: run with --ignored"]
fn objects_formatted_as_a_table() {
    let soak = Soak::new("table");
    let code = "foreach ($i in 1..300000) { [pscustomobject]@{ Id = $i; Name = 'v' * 120 } }";
    soak.compare(&[code]);
    let seen = soak.transcript();
    // A header, its rule, then one row per object (a table may end with blank lines).
    assert!(seen.output.lines >= 300_002, "{} lines", seen.output.lines);
}

/// One soak: a folder with the runbook, the bare script, the bare output and tejun's state.
struct Soak {
    dir: tempfile::TempDir,
    name: &'static str,
}

/// The peaks and time of one run.
#[derive(Debug)]
struct Run {
    /// The process's own peak (tejun; the `pwsh` launcher for the bare run).
    own_kb: u64,
    /// The largest peak among the processes under it (PowerShell).
    under_kb: u64,
    elapsed: Duration,
}

impl Soak {
    fn new(name: &'static str) -> Soak {
        if let Err(e) = tejun_runtime::host::find_shell("pwsh") {
            panic!(
                "{e}: soak tests need a real PowerShell 7. Install it with \
                 `dotnet tool install --global PowerShell --version 7.6.9` and put ~/.dotnet/tools on PATH"
            );
        }
        Soak {
            dir: tempfile::tempdir().unwrap(),
            name,
        }
    }

    /// Runs the commands through tejun (one step each) and through a bare pwsh, checks the
    /// peaks, and prints the figures.
    fn compare(&self, commands: &[&str]) -> (Run, Run) {
        let script = self.dir.path().join("bare.ps1");
        std::fs::write(&script, commands.join("\n") + "\n").unwrap();
        let pwsh = tejun_runtime::host::find_shell("pwsh").unwrap();
        let mut bare = Command::new(pwsh);
        bare.args(["-NoLogo", "-NoProfile", "-NonInteractive", "-File"])
            .arg(&script)
            .stdout(std::fs::File::create(self.dir.path().join("bare.out")).unwrap());
        let bare = watch(&mut bare);
        let bare_bytes = std::fs::metadata(self.dir.path().join("bare.out"))
            .unwrap()
            .len();

        let mut runbook = String::from("runbook soak {\n");
        for (i, code) in commands.iter().enumerate() {
            runbook.push_str(&format!(
                "  step soak{} \"Print\" {{\n    run {{ {code} }} timeout 20m\n  }}\n",
                i + 1
            ));
        }
        runbook.push_str("}\n");
        let path = self.dir.path().join("soak.runbook");
        std::fs::write(&path, runbook).unwrap();
        let mut tejun = Command::new(assert_cmd::cargo::cargo_bin("tejun"));
        tejun
            .args(["--color=never", "run"])
            .arg(&path)
            .arg("--state-dir")
            .arg(self.dir.path().join("state"))
            .stdout(Stdio::null());
        let tejun = watch(&mut tejun);

        println!(
            "soak {}: tejun peak {} MB; pwsh under tejun {} MB, bare {} MB ({:.2}x); \
             {:.1}s against bare {:.1}s ({:.2}x, {:.0} MB/s against {:.0} MB/s); load {}",
            self.name,
            tejun.own_kb / 1024,
            tejun.under_kb / 1024,
            bare.under_kb.max(bare.own_kb) / 1024,
            tejun.under_kb as f64 / bare.under_kb.max(bare.own_kb) as f64,
            tejun.elapsed.as_secs_f64(),
            bare.elapsed.as_secs_f64(),
            tejun.elapsed.as_secs_f64() / bare.elapsed.as_secs_f64(),
            bare_bytes as f64 / 1e6 / tejun.elapsed.as_secs_f64(),
            bare_bytes as f64 / 1e6 / bare.elapsed.as_secs_f64(),
            load(),
        );
        assert!(
            tejun.own_kb > 0 && tejun.own_kb <= TEJUN_LIMIT_KB,
            "tejun peaked at {} kB",
            tejun.own_kb
        );
        let bare_kb = bare.under_kb.max(bare.own_kb);
        assert!(
            tejun.under_kb as f64 <= PWSH_FACTOR * bare_kb as f64,
            "the hosted pwsh peaked at {} kB, more than {PWSH_FACTOR} times the bare pwsh's {bare_kb} kB",
            tejun.under_kb
        );
        (tejun, bare)
    }

    /// What the transcript holds, per stream.
    fn transcript(&self) -> Transcript {
        let runs = self.dir.path().join("state/runs");
        let run = std::fs::read_dir(runs)
            .unwrap()
            .flatten()
            .next()
            .unwrap()
            .path();
        Transcript::read(&run.join("transcript.log"))
    }
}

/// Lines, parts and text bytes of one stream in a transcript.
#[derive(Debug, Default, PartialEq)]
struct Count {
    /// Whole lines (a line in parts counts once).
    lines: u64,
    /// Parts marked as going on in the next part.
    parts: u64,
    /// Bytes of text, without the line breaks.
    bytes: u64,
}

#[derive(Debug, Default)]
struct Transcript {
    output: Count,
    stdout: Count,
}

impl Transcript {
    /// Reads `[step] stream: text` and `[step] stream+: part` lines.
    fn read(path: &Path) -> Transcript {
        let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
        let mut seen = Transcript::default();
        for line in file.split(b'\n') {
            let line = line.unwrap();
            let Some(at) = line.windows(2).position(|w| w == b": ") else {
                continue;
            };
            let head = &line[..at];
            let Some(space) = head.iter().position(|&b| b == b' ') else {
                continue;
            };
            let (stream, partial) = match &head[space + 1..] {
                s if s.ends_with(b"+") => (&s[..s.len() - 1], true),
                s => (s, false),
            };
            let count = match stream {
                b"output" => &mut seen.output,
                b"stdout" => &mut seen.stdout,
                _ => continue,
            };
            count.bytes += (line.len() - at - 2) as u64;
            if partial {
                count.parts += 1;
            } else {
                count.lines += 1;
            }
        }
        seen
    }
}

/// What tejun makes of bytes written straight to stdout: lines (a CR before the LF dropped),
/// decoded as UTF-8 with U+FFFD for invalid bytes. Text after the last line break is no line: it
/// never ended, so it comes as parts.
fn lossy_lines(bytes: &[u8]) -> Count {
    let mut count = Count::default();
    let mut lines = bytes.split(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        let ended = lines.peek().is_some();
        let line = line.strip_suffix(b"\r").filter(|_| ended).unwrap_or(line);
        count.lines += u64::from(ended);
        count.bytes += String::from_utf8_lossy(line).len() as u64;
    }
    count
}

/// Writes `len` pseudo-random bytes (xorshift: the same every run).
fn write_random(path: &PathBuf, len: usize) {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut bytes = Vec::with_capacity(len);
    while bytes.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    bytes.truncate(len);
    std::fs::write(path, bytes).unwrap();
}

/// Runs `cmd` to its end, polling the high-water marks of it and everything under it.
fn watch(cmd: &mut Command) -> Run {
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let root = child.id();
    let mut run = Run {
        own_kb: 0,
        under_kb: 0,
        elapsed: Duration::ZERO,
    };
    loop {
        run.own_kb = run.own_kb.max(hwm_kb(root));
        for pid in descendants(root) {
            run.under_kb = run.under_kb.max(hwm_kb(pid));
        }
        if let Some(status) = child.try_wait().unwrap() {
            run.elapsed = started.elapsed();
            assert!(status.success(), "{cmd:?} failed: {status}");
            return run;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn hwm_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse().ok())
        .unwrap_or(0)
}

/// Every process under `root`, from `/proc/*/stat`.
fn descendants(root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let parent = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse().ok());
        if let Some(parent) = parent {
            children.entry(parent).or_default().push(pid);
        }
    }
    let mut found = Vec::new();
    let mut queue = vec![root];
    while let Some(pid) = queue.pop() {
        for &child in children.get(&pid).into_iter().flatten() {
            found.push(child);
            queue.push(child);
        }
    }
    found
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}
