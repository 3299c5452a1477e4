//! The `tejun` command line: arguments to a validated config, then one function per subcommand.
//! This is the only place that prints.

mod check_cmd;
mod cli;
mod completions_cmd;
mod console;
mod files;
mod fmt_cmd;
mod import_cmd;
mod input;
mod lint_cmd;
mod lint_format;
mod lint_pwsh;
mod lsp;
mod plan_cmd;
mod plan_text;
mod render_cmd;
mod report;
mod report_cmd;
mod resume_cmd;
mod run_cmd;
mod runs_cmd;
mod style;
mod verify_cmd;

use std::process::ExitCode;

use clap::Parser;

/// Exit codes, as the README documents them.
pub(crate) mod exit {
    /// Everything succeeded.
    pub const OK: u8 = 0;
    /// A step, check or lint rule failed.
    pub const FAILED: u8 = 1;
    /// Usage error, or tejun itself failed.
    pub const USAGE: u8 = 2;
    /// A run paused waiting for a person.
    pub const PAUSED: u8 = 3;
}

fn main() -> ExitCode {
    // Die quietly when the reader of our output goes away (`tejun plan ... | head`), as other
    // command-line tools do, instead of panicking on a failed write.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // `tejun __params FILE`, which the completion scripts call, is not a subcommand: it stays out
    // of `--help`, the man pages and the scripts themselves.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "__params") {
        return ExitCode::from(completions_cmd::params(
            args.get(2).map(std::path::Path::new),
        ));
    }
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    style::init(cli.color);
    // Diagnostics go to stderr; commands that print findings or runs to stdout ask for themselves.
    let color = style::enabled(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let code = match cli.command {
        cli::Command::Check(args) => check_cmd::run(&args, color),
        cli::Command::Plan(args) => plan_cmd::run(&args, color),
        cli::Command::Run(args) => run_cmd::run(&args, color),
        cli::Command::Resume(args) => resume_cmd::run(&args, color),
        cli::Command::Runs(args) => runs_cmd::list(&args),
        cli::Command::Show(args) => runs_cmd::show(&args),
        cli::Command::Report(args) => report_cmd::run(&args),
        cli::Command::Lint(args) => lint_cmd::run(&args, color),
        cli::Command::Fmt(args) => fmt_cmd::run(&args, color),
        cli::Command::Import(args) => import_cmd::run(&args, color),
        cli::Command::Verify(args) => verify_cmd::run(&args, color),
        cli::Command::Render(args) => render_cmd::run(&args, color),
        cli::Command::Completions(args) => completions_cmd::completions(&args),
        cli::Command::Man(args) => completions_cmd::man(&args),
        cli::Command::Lsp => lsp::run(),
    };
    ExitCode::from(code)
}
