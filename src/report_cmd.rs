//! `tejun report RUN [--state-dir DIR] [-o FILE]`: one run as an HTML page (src/report/).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::cli::ReportArgs;
use crate::exit;
use crate::report::{self, Options};

pub(crate) fn run(args: &ReportArgs) -> u8 {
    let dir = match report::run_dir(&args.state_dir, &args.run) {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let to_stdout = args.output.as_deref() == Some(Path::new("-"));
    let output: PathBuf = match &args.output {
        Some(path) if !to_stdout => path.clone(),
        _ => dir.join("report.html"),
    };
    // The page links to the transcript relative to where it is written.
    let page_dir = if to_stdout {
        PathBuf::from(".")
    } else {
        match output.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    };
    let options = Options {
        transcript_href: report::href(&page_dir, &dir.join("transcript.log")),
        bounds: report::Bounds::default(),
    };
    let built = match report::build(&args.run, &dir, &options) {
        Ok(built) => built,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    for s in &built.skipped {
        if s.cut {
            eprintln!(
                "note: the journal's last line ({} bytes) is cut short; the report leaves it out and says so",
                s.bytes
            );
        } else {
            eprintln!(
                "note: line {} of the journal is damaged; the report leaves it out and says so",
                s.line
            );
        }
    }
    if to_stdout {
        return match std::io::stdout().write_all(built.html.as_bytes()) {
            Ok(()) => exit::OK,
            Err(e) => {
                eprintln!("error: cannot write the report: {e}");
                exit::USAGE
            }
        };
    }
    if let Err(e) = std::fs::write(&output, &built.html) {
        eprintln!("error: cannot write `{}`: {e}", output.display());
        return exit::USAGE;
    }
    println!(
        "wrote the report of run `{}` ({}) to {}",
        args.run,
        built.status,
        output.display()
    );
    exit::OK
}
