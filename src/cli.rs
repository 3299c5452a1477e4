use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// tejun runs operational procedures written as runbooks, through a hosted PowerShell.
#[derive(Debug, Parser)]
#[command(name = "tejun", version, about, long_about = None)]
pub(crate) struct Cli {
    /// When to colour the output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check runbooks for errors without running anything.
    ///
    /// Exit status: 0 when no file has an error, 1 when one has, 2 when a file cannot be read.
    Check(CheckArgs),
    /// Show what a run would do with the given parameters: every step in order, branches
    /// resolved, each command as written and as sent to PowerShell.
    Plan(PlanArgs),
    /// Run a runbook through a hosted PowerShell, journaling every step.
    ///
    /// Exit status: 0 the run succeeded, 1 a step failed, 2 usage or tool error, 3 the run
    /// paused at a manual step that nobody could confirm.
    Run(RunArgs),
    /// Go on with a paused, failed or interrupted run, in the same journal.
    ///
    /// A paused manual step is confirmed with `--confirm STEP --by NAME`. The postconditions of
    /// the last completed step are checked again first; if they no longer hold, that step runs
    /// again. Refuses when the runbook changed since the run started, unless `--force`.
    Resume(ResumeArgs),
    /// List the runs in `.tejun/runs` with their status.
    Runs(RunsArgs),
    /// Show one run's journal.
    Show(ShowArgs),
    /// Write one run as a self-contained HTML page: parameters (secrets masked), who confirmed
    /// what and when, a timeline of steps and commands with durations, windows against their
    /// limits, each command's output, failures, the cleanup and every resume.
    ///
    /// Exit status: 0 written, 2 unknown run, unreadable journal or unwritable output.
    Report(ReportArgs),
    /// Lint runbooks: every `check` problem plus rules for safe, repeatable procedures.
    ///
    /// Exit status: 0 clean, 1 a problem at error level (warnings too with `--deny-warnings`),
    /// 2 usage error, an unreadable file or a failed tool (a missing pwsh without `--no-pwsh`).
    Lint(LintArgs),
    /// Lay runbooks out the one canonical way, keeping comments and PowerShell text as written.
    ///
    /// Exit status: 0 formatted (or already formatted), 1 with `--check` when a file would
    /// change, 2 usage error or a file that cannot be read or does not parse.
    Fmt(FmtArgs),
    /// Write a runbook from a procedure page (MicrosoftDocs markdown), as a starting point.
    ///
    /// Every command is the page's, byte for byte; guesses are marked `# guess(import)` and what
    /// the page asks that the import could not say `# TODO(import)`. The runbook passes `check`.
    /// Exit status: 0 written, 2 the page cannot be read or the output file exists.
    Import(ImportArgs),
    /// Prove a runbook replays a procedure page verbatim: every command of the page, byte for
    /// byte, in the page's order, in the step with the page's number; every numbered step
    /// covered or marked as left out.
    ///
    /// Exit status: 0 verbatim, 1 a difference (printed as a unified diff), 2 unreadable input.
    Verify(VerifyArgs),
    /// Write a runbook out as a document for people: steps with their quotes, commands as they
    /// will be sent, conditions, checks, waits and windows in words, manual steps as checklists.
    ///
    /// Exit status: 0 written, 1 the runbook has errors, 2 usage error or an invalid parameter.
    Render(RenderArgs),
    /// Print a shell's completion script: subcommands, options, runbook files and (bash, fish)
    /// the parameter names of the runbook on the line after `-p`.
    ///
    /// Install: bash `tejun completions bash > ~/.local/share/bash-completion/completions/tejun`;
    /// zsh `tejun completions zsh > ~/.zfunc/_tejun`; fish `tejun completions fish >
    /// ~/.config/fish/completions/tejun.fish`; PowerShell `tejun completions powershell >> $PROFILE`.
    Completions(CompletionsArgs),
    /// Write a man page for tejun and for each subcommand into a folder.
    Man(ManArgs),
    /// Serve the language server protocol over standard input and output, for editors:
    /// diagnostics as you type and lint on save, hover, go to definition, references, the
    /// outline, formatting, completion and quick fixes (docs/lsp.md).
    ///
    /// Exit status: 0 after the client's `shutdown` and `exit`, 1 when it exits without
    /// `shutdown`.
    Lsp,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The shells `completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Shell {
    /// GNU bash.
    Bash,
    /// Z shell.
    Zsh,
    /// fish.
    Fish,
    /// PowerShell (7 and Windows PowerShell 5.1).
    Powershell,
    /// Elvish.
    Elvish,
}

#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// The folder to write `tejun.1`, `tejun-run.1`, ... into; made when missing.
    #[arg(value_name = "DIR", default_value = "man", value_hint = clap::ValueHint::DirPath)]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// The procedure page: MicrosoftDocs markdown.
    #[arg(value_name = "DOC.md")]
    pub doc: PathBuf,
    /// Where to write the runbook; standard output when not given. An existing file is left
    /// alone unless `--force`.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The language of the quotes (the page's own, found from its text, when not given).
    #[arg(long, value_name = "LANG", value_parser = ["ja", "en"])]
    pub lang: Option<String>,
    /// Overwrite the output file.
    #[arg(long)]
    pub force: bool,
    /// Print the figures (steps, commands, guesses) as JSON on standard error.
    #[arg(long)]
    pub report_json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// The runbook.
    #[arg(value_name = "RUNBOOK")]
    pub runbook: PathBuf,
    /// The procedure page it replays.
    #[arg(value_name = "DOC.md")]
    pub doc: PathBuf,
    /// `text`: the differences as unified diffs; `json`: every command and step with where it
    /// was found.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub(crate) struct RenderArgs {
    /// The runbook.
    #[arg(value_name = "RUNBOOK")]
    pub runbook: PathBuf,
    /// Parameter values (`NAME=VALUE`, repeatable): branches are resolved and commands shown
    /// with the values; without any, every branch is shown and commands keep their placeholders.
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// The language of the quotes (the first quote of each step when not given).
    #[arg(long, value_name = "LANG")]
    pub lang: Option<String>,
    /// `md`: markdown; `html`: one self-contained HTML page.
    #[arg(long, value_enum, default_value_t = DocFormat::Md)]
    pub format: DocFormat,
    /// Where to write it; standard output when not given.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The format `render` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum DocFormat {
    /// Markdown.
    Md,
    /// One self-contained HTML page.
    Html,
}

#[derive(Debug, Args)]
pub(crate) struct LintArgs {
    /// Runbook files or folders (searched for `*.runbook`, respecting `.gitignore`); the current
    /// folder when none is given.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = LintFormat::Human)]
    pub format: LintFormat,
    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Skip the rule that parses embedded PowerShell with the real PowerShell parser.
    #[arg(long)]
    pub no_pwsh: bool,
    /// The PowerShell whose parser checks embedded code: `pwsh`, `powershell` or a path.
    #[arg(long, default_value = "pwsh")]
    pub shell: String,
    /// The configuration file (default: `tejun.toml` in the current folder or the nearest
    /// folder above it).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print the documentation of a rule (by code or name) and exit.
    #[arg(long, value_name = "CODE", conflicts_with = "list_rules")]
    pub explain: Option<String>,
    /// List every rule with its code, name and default level, and exit.
    #[arg(long)]
    pub list_rules: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LintFormat {
    /// For people: source snippets with the problem marked.
    Human,
    /// A JSON document (docs/lint-output.md).
    Json,
    /// SARIF 2.1.0, as GitHub code scanning reads it.
    Sarif,
    /// GitHub Actions workflow commands: annotations on the pull request.
    Github,
    /// JUnit XML: a test case per file.
    Junit,
}

#[derive(Debug, Args)]
pub(crate) struct FmtArgs {
    /// Runbook files or folders (searched for `*.runbook`, respecting `.gitignore`); the current
    /// folder when none is given.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Change nothing: print a diff of what would change and exit 1 if anything would.
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Args)]
pub(crate) struct RunsArgs {
    /// Where run journals are kept.
    #[arg(long, value_name = "DIR", default_value = ".tejun")]
    pub state_dir: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// The run's id.
    #[arg(value_name = "RUN")]
    pub run: String,
    /// Where run journals are kept.
    #[arg(long, value_name = "DIR", default_value = ".tejun")]
    pub state_dir: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// The run's id (its folder under `.tejun/runs/`).
    #[arg(value_name = "RUN")]
    pub run: String,
    /// Where to write the page; default: `report.html` in the run's folder, next to its
    /// journal and transcript (which the page links to). `-` writes it to standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Where run journals are kept.
    #[arg(long, value_name = "DIR", default_value = ".tejun")]
    pub state_dir: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct ResumeArgs {
    /// The run's id (its folder under `.tejun/runs/`).
    #[arg(value_name = "RUN")]
    pub run: String,
    /// Confirm the manual step the run paused at.
    #[arg(long, value_name = "STEP")]
    pub confirm: Option<String>,
    /// Who confirms, for the journal (default: the user name).
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
    /// Resume even though the runbook changed since the run started.
    #[arg(long)]
    pub force: bool,
    /// Confirm later manual steps unattended.
    /// The inventory (TOML) to reach targets with; default: the one the run started with.
    #[arg(long, value_name = "FILE")]
    pub inventory: Option<PathBuf>,
    /// Multiply every pause between polls, retries and `wait` attempts by this factor (0 to 1).
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0, value_parser = pause_scale)]
    pub pause_scale: f64,
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// How to report progress.
    #[arg(long, value_enum, default_value_t = OutputMode::Text)]
    pub output: OutputMode,
    /// Where run journals are kept.
    #[arg(long, value_name = "DIR", default_value = ".tejun")]
    pub state_dir: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The runbook.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// A parameter value, `NAME=VALUE`; repeat for each parameter.
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// The PowerShell to host: `pwsh`, `powershell` (Windows PowerShell 5.1) or a path.
    #[arg(long, default_value = "pwsh")]
    pub shell: String,
    /// A folder prepended to `PSModulePath`; repeatable.
    #[arg(long, value_name = "DIR")]
    pub module_path: Vec<PathBuf>,
    /// The inventory (TOML): how to reach the targets steps run `on` (docs/inventory.md).
    #[arg(long, value_name = "FILE")]
    pub inventory: Option<PathBuf>,
    /// Multiply every pause between polls, retries and `wait` attempts by this factor (0 to 1):
    /// for rehearsing a runbook against a lab, where `every 10m` need not take ten minutes.
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0, value_parser = pause_scale)]
    pub pause_scale: f64,
    /// Confirm manual steps unattended.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Evaluate each step's `skip if` and `require` conditions against the machine as it is now
    /// and show what would run, without running any command.
    #[arg(long)]
    pub check: bool,
    /// Who confirms manual steps, for the journal (default: the user name).
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
    /// How to report progress.
    #[arg(long, value_enum, default_value_t = OutputMode::Text)]
    pub output: OutputMode,
    /// Where run journals are kept.
    #[arg(long, value_name = "DIR", default_value = ".tejun")]
    pub state_dir: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputMode {
    /// For people.
    Text,
    /// The event stream as JSON Lines on stdout (docs/run-events.md).
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Runbook files to check, or folders (searched for `*.runbook`, respecting `.gitignore`).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Treat warnings as errors (exit 1 when there are any).
    #[arg(long)]
    pub deny_warnings: bool,
}

#[derive(Debug, Args)]
pub(crate) struct PlanArgs {
    /// The runbook.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// A parameter value, `NAME=VALUE`; repeat for each parameter. A secret may instead come
    /// from the environment variable `TEJUN_SECRET_<NAME>`.
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also show the document's text quoted for each step (text format).
    #[arg(long)]
    pub quotes: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// For people.
    Text,
    /// For programs: the shape is documented in docs/plan-json.md.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour when writing to a terminal, unless `NO_COLOR` is set or `TERM` is `dumb`.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// `--pause-scale`: a factor from 0 to 1.
fn pause_scale(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(f) if (0.0..=1.0).contains(&f) => Ok(f),
        _ => Err(format!(
            "`{text}` is not a factor from 0 to 1, such as 0.01"
        )),
    }
}
