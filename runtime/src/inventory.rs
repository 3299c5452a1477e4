//! The inventory: how to reach each target a runbook names. A runbook says *on which* server a
//! step runs; the inventory (`--inventory FILE`, TOML) says *how* to reach it, so a runbook never
//! holds connection details or secrets.
//!
//! ```toml
//! [targets.fe01]
//! transport = "ssh"                 # PowerShell 7 remoting over SSH
//! host = "fe01.contoso.local"
//! port = 22                         # optional
//! user = "CONTOSO\\lyncadmin"       # optional: ssh's default
//! key = "keys/id_ed25519"           # optional; relative to the inventory's folder
//! known_hosts = "keys/known_hosts"  # optional; host keys are always checked
//!
//! [targets.fe02]
//! transport = "winrm"               # Windows remoting (WS-Management)
//! computer = "fe02.contoso.local"
//! authentication = "kerberos"       # default | kerberos | negotiate | credssp | basic
//! use_ssl = true                    # optional, default false
//! user = "CONTOSO\lyncadmin"       # with `credential`: whose password it is
//! credential = "AdminPassword"      # optional: a secret parameter of the runbook
//! ```
//!
//! A credential is named, never written here: it is the runbook's secret parameter of that name
//! (its value from `TEJUN_SECRET_<NAME>` or a hidden prompt), so the inventory can be committed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use tejun_grammar::Span;
use toml::Spanned;

/// The default time a remote session may take to open.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Every target, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inventory {
    /// The targets, sorted by name.
    pub targets: BTreeMap<String, Target>,
}

/// One server and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Its name in the runbook and the journal.
    pub name: String,
    /// How PowerShell reaches it.
    pub transport: Transport,
    /// How long opening a session may take.
    pub connect_timeout: Duration,
}

/// PowerShell's two remoting transports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// PowerShell 7 remoting over SSH (`New-PSSession -HostName`).
    Ssh {
        /// Host name or address.
        host: String,
        /// The SSH port, when not 22.
        port: Option<u16>,
        /// The user, when not ssh's default.
        user: Option<String>,
        /// The private key file.
        key: Option<PathBuf>,
        /// The known-hosts file that holds the server's host key.
        known_hosts: Option<PathBuf>,
    },
    /// Windows remoting over WS-Management (`New-PSSession -ComputerName`).
    Winrm {
        /// The computer's name.
        computer: String,
        /// The WinRM port, when not the default for the scheme.
        port: Option<u16>,
        /// HTTPS instead of HTTP.
        use_ssl: bool,
        /// How to authenticate.
        authentication: Authentication,
        /// The user and the runbook's secret parameter that holds their password, if the
        /// session does not use the current user's logon.
        credential: Option<(String, String)>,
    },
}

/// WinRM authentication mechanisms, as `New-PSSession -Authentication` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authentication {
    /// `Default`.
    Default,
    /// `Kerberos`.
    Kerberos,
    /// `Negotiate`.
    Negotiate,
    /// `CredSSP`.
    CredSsp,
    /// `Basic` (only over HTTPS in practice).
    Basic,
}

impl Authentication {
    const ALL: [(&'static str, Authentication); 5] = [
        ("default", Authentication::Default),
        ("kerberos", Authentication::Kerberos),
        ("negotiate", Authentication::Negotiate),
        ("credssp", Authentication::CredSsp),
        ("basic", Authentication::Basic),
    ];

    /// The name `New-PSSession -Authentication` takes.
    pub fn as_powershell(self) -> &'static str {
        match self {
            Authentication::Default => "Default",
            Authentication::Kerberos => "Kerberos",
            Authentication::Negotiate => "Negotiate",
            Authentication::CredSsp => "CredSSP",
            Authentication::Basic => "Basic",
        }
    }
}

/// An inventory that cannot be used, with where the problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryError {
    /// What is wrong and what to write instead.
    pub message: String,
    /// Where, in the inventory's text.
    pub span: Span,
}

impl std::fmt::Display for InventoryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    targets: BTreeMap<Spanned<String>, Spanned<TargetTable>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetTable {
    transport: Spanned<String>,
    host: Option<Spanned<String>>,
    computer: Option<Spanned<String>>,
    port: Option<Spanned<i64>>,
    user: Option<Spanned<String>>,
    key: Option<Spanned<String>>,
    known_hosts: Option<Spanned<String>>,
    use_ssl: Option<Spanned<bool>>,
    authentication: Option<Spanned<String>>,
    credential: Option<Spanned<String>>,
    connect_timeout_seconds: Option<Spanned<i64>>,
}

impl Inventory {
    /// Reads an inventory's text. Relative key and known-hosts paths are taken from `base` (the
    /// inventory's folder). Every problem names its place in `text`.
    pub fn parse(text: &str, base: &Path) -> Result<Inventory, InventoryError> {
        let file: File = toml::from_str(text).map_err(|e| InventoryError {
            message: e.message().trim_end().to_owned(),
            span: e
                .span()
                .map_or(Span::default(), |r| Span::new(r.start, r.end)),
        })?;
        let mut targets = BTreeMap::new();
        for (name, table) in file.targets {
            check_name(&name)?;
            let target = target(name.get_ref(), table.get_ref(), base)?;
            targets.insert(name.into_inner(), target);
        }
        Ok(Inventory { targets })
    }

    /// Reads the inventory file at `path`: an unreadable file is an error with no place.
    pub fn load(path: &Path) -> Result<Inventory, (String, InventoryError)> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            (
                String::new(),
                InventoryError {
                    message: format!("cannot read the inventory {}: {e}", path.display()),
                    span: Span::default(),
                },
            )
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Inventory::parse(&text, base).map_err(|e| (text, e))
    }

    /// The target named `name`, or an error that lists the names there are.
    pub fn target(&self, name: &str) -> Result<&Target, String> {
        self.targets.get(name).ok_or_else(|| {
            let close = self
                .targets
                .keys()
                .filter(|k| strsim::jaro_winkler(k, name) > 0.8)
                .max_by(|a, b| {
                    strsim::jaro_winkler(a, name).total_cmp(&strsim::jaro_winkler(b, name))
                });
            match close {
                Some(close) => {
                    format!("no target `{name}` in the inventory; did you mean `{close}`?")
                }
                None if self.targets.is_empty() => {
                    format!("no target `{name}`: the inventory has no targets")
                }
                None => format!(
                    "no target `{name}` in the inventory; it has {}",
                    self.targets
                        .keys()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        })
    }
}

fn span_of<T>(value: &Spanned<T>) -> Span {
    let r = value.span();
    Span::new(r.start, r.end)
}

fn error<T>(at: &Spanned<T>, message: impl Into<String>) -> InventoryError {
    InventoryError {
        message: message.into(),
        span: span_of(at),
    }
}

/// Target names appear in the journal and the console, and a runbook names them: letters,
/// digits, `-`, `_` and `.`, starting with a letter or digit.
fn check_name(name: &Spanned<String>) -> Result<(), InventoryError> {
    let text = name.get_ref();
    let valid = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(())
    } else {
        Err(error(
            name,
            format!(
                "`{text}` is not a target name: use letters, digits, `-`, `_` and `.`, starting with a letter or digit (`fe01`, `sql-01.contoso`)"
            ),
        ))
    }
}

fn target(name: &str, t: &TargetTable, base: &Path) -> Result<Target, InventoryError> {
    let only = |field: Option<&Spanned<String>>, what: &str, transport: &str| match field {
        Some(f) => Err(error(
            f,
            format!(
                "`{what}` is for {transport} targets; target `{name}` uses `{}`",
                t.transport.get_ref()
            ),
        )),
        None => Ok(()),
    };
    let port = match &t.port {
        Some(p) => Some(
            u16::try_from(*p.get_ref())
                .ok()
                .filter(|&p| p > 0)
                .ok_or_else(|| {
                    error(
                        p,
                        format!(
                            "port {} is out of range: write a port from 1 to 65535",
                            p.get_ref()
                        ),
                    )
                })?,
        ),
        None => None,
    };
    let connect_timeout = match &t.connect_timeout_seconds {
        Some(s) if *s.get_ref() < 1 || *s.get_ref() > 3600 => {
            return Err(error(
                s,
                "`connect_timeout_seconds` must be from 1 to 3600 (seconds)",
            ));
        }
        Some(s) => Duration::from_secs(*s.get_ref() as u64),
        None => CONNECT_TIMEOUT,
    };
    let nonempty = |field: &Spanned<String>, what: &str| {
        if field.get_ref().trim().is_empty() {
            Err(error(field, format!("`{what}` is empty: write the value")))
        } else {
            Ok(field.get_ref().clone())
        }
    };
    let path =
        |field: &Option<Spanned<String>>, what: &str| -> Result<Option<PathBuf>, InventoryError> {
            field
                .as_ref()
                .map(|f| nonempty(f, what).map(|p| base.join(p)))
                .transpose()
        };
    let transport = match t.transport.get_ref().as_str() {
        "ssh" => {
            only(t.computer.as_ref(), "computer", "winrm")?;
            only(t.authentication.as_ref(), "authentication", "winrm")?;
            only(t.credential.as_ref(), "credential", "winrm")?;
            if let Some(ssl) = &t.use_ssl {
                return Err(error(
                    ssl,
                    format!(
                        "`use_ssl` is for winrm targets; target `{name}` uses `ssh`, which is always encrypted"
                    ),
                ));
            }
            let Some(host) = &t.host else {
                return Err(error(
                    &t.transport,
                    format!("target `{name}` needs `host = \"...\"`: the server's name or address"),
                ));
            };
            Transport::Ssh {
                host: nonempty(host, "host")?,
                port,
                user: t.user.as_ref().map(|u| nonempty(u, "user")).transpose()?,
                key: path(&t.key, "key")?,
                known_hosts: path(&t.known_hosts, "known_hosts")?,
            }
        }
        "winrm" => {
            only(t.host.as_ref(), "host", "ssh")?;
            only(t.key.as_ref(), "key", "ssh")?;
            only(t.known_hosts.as_ref(), "known_hosts", "ssh")?;
            let Some(computer) = &t.computer else {
                return Err(error(
                    &t.transport,
                    format!(
                        "target `{name}` needs `computer = \"...\"`: the Windows computer's name"
                    ),
                ));
            };
            let authentication = match &t.authentication {
                None => Authentication::Default,
                Some(a) => Authentication::ALL
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(a.get_ref()))
                    .map(|(_, a)| *a)
                    .ok_or_else(|| {
                        error(
                            a,
                            format!(
                                "unknown authentication `{}`: write one of default, kerberos, negotiate, credssp, basic",
                                a.get_ref()
                            ),
                        )
                    })?,
            };
            Transport::Winrm {
                computer: nonempty(computer, "computer")?,
                port,
                use_ssl: t.use_ssl.as_ref().is_some_and(|s| *s.get_ref()),
                authentication,
                credential: match (&t.user, &t.credential) {
                    (Some(user), Some(credential)) => {
                        Some((nonempty(user, "user")?, nonempty(credential, "credential")?))
                    }
                    (None, None) => None,
                    (Some(user), None) => {
                        return Err(error(
                            user,
                            format!(
                                "target `{name}` names a `user` without a `credential`: add `credential = \"SecretParameter\"` (the runbook's secret parameter with the password), or remove `user` to use the current logon"
                            ),
                        ));
                    }
                    (None, Some(credential)) => {
                        return Err(error(
                            credential,
                            format!(
                                "target `{name}` has a `credential` but no `user`: add `user = \"DOMAIN\\\\name\"`"
                            ),
                        ));
                    }
                },
            }
        }
        other => {
            let hint = ["ssh", "winrm"]
                .into_iter()
                .find(|known| strsim::levenshtein(known, &other.to_ascii_lowercase()) <= 2)
                .map_or(String::new(), |k| format!("did you mean `{k}`? "));
            return Err(error(
                &t.transport,
                format!(
                    "unknown transport `{other}`: {hint}write `ssh` (PowerShell 7 over SSH) or `winrm` (Windows remoting)"
                ),
            ));
        }
    };
    Ok(Target {
        name: name.to_owned(),
        transport,
        connect_timeout,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Inventory, InventoryError> {
        Inventory::parse(text, Path::new("/inv"))
    }

    /// The error's message and the text its span covers.
    fn fails(text: &str) -> (String, String) {
        let e = parse(text).expect_err("invalid");
        (e.message, text[e.span.start..e.span.end].to_owned())
    }

    #[test]
    fn ssh_and_winrm_targets_are_read_with_their_defaults() {
        let inv = parse(
            "[targets.fe01]\ntransport = \"ssh\"\nhost = \"127.0.0.11\"\nport = 2201\nuser = \"root\"\nkey = \"keys/id\"\nknown_hosts = \"/etc/kh\"\n\n\
             [targets.fe02]\ntransport = \"winrm\"\ncomputer = \"fe02.contoso.local\"\nauthentication = \"Kerberos\"\nuser = \"CONTOSO\\\\admin\"\ncredential = \"AdminPassword\"\nconnect_timeout_seconds = 5\n",
        )
        .unwrap();
        assert_eq!(
            inv.targets["fe01"].transport,
            Transport::Ssh {
                host: "127.0.0.11".into(),
                port: Some(2201),
                user: Some("root".into()),
                key: Some(PathBuf::from("/inv/keys/id")),
                known_hosts: Some(PathBuf::from("/etc/kh")),
            }
        );
        assert_eq!(inv.targets["fe01"].connect_timeout, CONNECT_TIMEOUT);
        assert_eq!(
            inv.targets["fe02"].transport,
            Transport::Winrm {
                computer: "fe02.contoso.local".into(),
                port: None,
                use_ssl: false,
                authentication: Authentication::Kerberos,
                credential: Some(("CONTOSO\\admin".into(), "AdminPassword".into())),
            }
        );
        assert_eq!(inv.targets["fe02"].connect_timeout, Duration::from_secs(5));
        assert!(parse("").unwrap().targets.is_empty());
    }

    #[test]
    fn every_problem_points_at_its_value_and_says_what_to_write() {
        let (message, at) = fails("[targets.a]\ntransport = \"shh\"\nhost = \"x\"\n");
        assert_eq!(at, "\"shh\"");
        assert!(message.contains("did you mean `ssh`?"), "{message}");

        let (message, at) = fails("[targets.a]\ntransport = \"ssh\"\nhost = \"x\"\nport = 70000\n");
        assert_eq!(at, "70000");
        assert!(message.contains("1 to 65535"), "{message}");

        let (message, at) = fails("[targets.a]\ntransport = \"ssh\"\n");
        assert_eq!(at, "\"ssh\"");
        assert!(message.contains("needs `host"), "{message}");

        let (message, at) =
            fails("[targets.a]\ntransport = \"ssh\"\nhost = \"x\"\ncredential = \"Pw\"\n");
        assert_eq!(at, "\"Pw\"");
        assert!(
            message.contains("`credential` is for winrm targets"),
            "{message}"
        );

        let (message, at) =
            fails("[targets.a]\ntransport = \"winrm\"\ncomputer = \"x\"\ncredential = \"Pw\"\n");
        assert_eq!(at, "\"Pw\"");
        assert!(message.contains("no `user`"), "{message}");

        let (message, at) = fails(
            "[targets.a]\ntransport = \"winrm\"\ncomputer = \"x\"\nauthentication = \"ntlm\"\n",
        );
        assert_eq!(at, "\"ntlm\"");
        assert!(message.contains("kerberos"), "{message}");

        let (message, at) = fails("[targets.a]\ntransport = \"ssh\"\nhots = \"x\"\n");
        assert!(message.contains("unknown field `hots`"), "{message}");
        assert!(at.contains("hots"), "{at}");

        let (message, at) = fails("[targets.\"fe 01\"]\ntransport = \"ssh\"\nhost = \"x\"\n");
        assert!(message.contains("not a target name"), "{message}");
        assert!(at.contains("fe 01"), "{at}");

        let (message, _) = fails("[targets.a]\ntransport = \"ssh\"\nhost = \"\"\n");
        assert!(message.contains("`host` is empty"), "{message}");

        let (message, _) = fails("[targets.a\ntransport = \"ssh\"\n");
        assert!(!message.is_empty());
    }

    #[test]
    fn an_unknown_target_suggests_the_closest_name_or_lists_them() {
        let inv = parse(
            "[targets.fe01]\ntransport = \"ssh\"\nhost = \"a\"\n[targets.sql01]\ntransport = \"ssh\"\nhost = \"b\"\n",
        )
        .unwrap();
        assert!(inv.target("fe01").is_ok());
        assert!(
            inv.target("fe0l")
                .unwrap_err()
                .contains("did you mean `fe01`?")
        );
        let other = inv.target("zzz").unwrap_err();
        assert!(other.contains("`fe01`, `sql01`"), "{other}");
        assert!(
            parse("")
                .unwrap()
                .target("x")
                .unwrap_err()
                .contains("no targets")
        );
    }
}
