//! `tejun completions SHELL`, `tejun man [DIR]`, and the hidden `tejun __params FILE` the bash
//! and fish scripts call to complete parameter names after `-p`.

use std::io::Write as _;

use clap::CommandFactory;
use clap_complete::Shell as Target;

use crate::cli::{Cli, CompletionsArgs, ManArgs, Shell};
use crate::exit;

/// After clap's bash function: `-p`/`--param` completes `NAME=` from the runbook on the line.
const BASH_PARAMS: &str = r#"
# Parameter names after -p/--param, read from the first *.runbook on the line.
_tejun_with_params() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" word file
    if [[ "$prev" == "-p" || "$prev" == "--param" ]]; then
        for word in "${COMP_WORDS[@]:1}"; do
            if [[ "$word" == *.runbook ]]; then file="$word"; break; fi
        done
        if [[ -n "$file" && "$cur" != *=* ]]; then
            COMPREPLY=($(compgen -W "$(tejun __params "$file" 2>/dev/null)" -- "$cur"))
            compopt -o nospace 2>/dev/null
            return 0
        fi
    fi
    _tejun "$@"
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _tejun_with_params -o nosort -o bashdefault -o default tejun
else
    complete -F _tejun_with_params -o bashdefault -o default tejun
fi
"#;

/// After clap's fish completions: `-p` completes `NAME=` from the runbook on the line.
const FISH_PARAMS: &str = r#"
# Parameter names after -p/--param, read from the first *.runbook on the line.
complete -c tejun -s p -l param -x -a '(set -l f (commandline -opc | string match -- "*.runbook")[1]; and tejun __params $f 2>/dev/null)'
"#;

pub(crate) fn completions(args: &CompletionsArgs) -> u8 {
    let mut cmd = Cli::command();
    let target = match args.shell {
        Shell::Bash => Target::Bash,
        Shell::Zsh => Target::Zsh,
        Shell::Fish => Target::Fish,
        Shell::Powershell => Target::PowerShell,
        Shell::Elvish => Target::Elvish,
    };
    let mut script = Vec::new();
    clap_complete::generate(target, &mut cmd, "tejun", &mut script);
    match args.shell {
        Shell::Bash => script.extend_from_slice(BASH_PARAMS.as_bytes()),
        Shell::Fish => script.extend_from_slice(FISH_PARAMS.as_bytes()),
        _ => {}
    }
    match std::io::stdout().write_all(&script) {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("error: cannot write the completion script: {e}");
            exit::USAGE
        }
    }
}

pub(crate) fn man(args: &ManArgs) -> u8 {
    if let Err(e) = std::fs::create_dir_all(&args.dir) {
        eprintln!("error: cannot make `{}`: {e}", args.dir.display());
        return exit::USAGE;
    }
    let cmd = Cli::command();
    let mut written = Vec::new();
    let mut pages = vec![("tejun".to_owned(), cmd.clone())];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("tejun-{}", sub.get_name());
        let page = sub
            .clone()
            .bin_name(name.clone())
            .display_name(name.clone())
            .version(env!("CARGO_PKG_VERSION"));
        pages.push((name, page));
    }
    for (name, page) in pages {
        let mut out = Vec::new();
        let path = args.dir.join(format!("{name}.1"));
        let result = clap_mangen::Man::new(page)
            .render(&mut out)
            .and_then(|()| std::fs::write(&path, &out));
        if let Err(e) = result {
            eprintln!("error: cannot write `{}`: {e}", path.display());
            return exit::USAGE;
        }
        written.push(path);
    }
    eprintln!(
        "wrote {} man pages into `{}` (read one with `man -l {}`)",
        written.len(),
        args.dir.display(),
        written[0].display()
    );
    exit::OK
}

/// Prints `NAME=` for each parameter of a runbook; prints nothing (and succeeds) for a file that
/// cannot be read or parsed, since a shell is waiting.
pub(crate) fn params(file: Option<&std::path::Path>) -> u8 {
    let Some(Ok(bytes)) = file.map(std::fs::read) else {
        return exit::OK;
    };
    let Ok(text) = tejun_grammar::parse::decode(&bytes) else {
        return exit::OK;
    };
    let Ok(ast) = tejun_grammar::parse(text) else {
        return exit::OK;
    };
    let mut out = String::new();
    for item in &ast.items {
        if let tejun_grammar::ast::Item::Param(p) = item {
            out.push_str(&p.name.value);
            out.push_str("=\n");
        }
    }
    let _ = std::io::stdout().write_all(out.as_bytes());
    exit::OK
}
