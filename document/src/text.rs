//! Reading a page's words: which text is a command, which bold word opens a callout, and the
//! names a runbook derives from text (step ids, parameter names).

/// The callout a bold label opens (`**Note:**`, `**重要:**`), upper case as `> [!NOTE]` writes it.
pub fn callout_kind(label: &str) -> Option<&'static str> {
    let word = label
        .trim()
        .trim_end_matches([':', '：', '.'])
        .trim()
        .to_lowercase();
    Some(match word.as_str() {
        "note" | "notes" | "注" | "メモ" | "注記" => "NOTE",
        "tip" | "ヒント" => "TIP",
        "important" | "重要" => "IMPORTANT",
        "warning" | "警告" => "WARNING",
        "caution" | "注意" | "注意事項" => "CAUTION",
        _ => return None,
    })
}

/// Whether text given as code is a command to run rather than a name: it starts with a cmdlet
/// (`Verb-Noun`), a script (`.\Script.ps1`, `StartDagServerMaintenance.ps1`) or a well-known
/// command-line tool followed by arguments.
pub fn is_command(text: &str) -> bool {
    let text = text.trim();
    let Some(first) = text.split_whitespace().next() else {
        return false;
    };
    is_cmdlet_name(first)
        || (first.to_ascii_lowercase().ends_with(".ps1") && !first.contains(['<', '>']))
        || (text.contains(' ') && TOOLS.contains(&first.to_ascii_lowercase().as_str()))
}

/// Whether text in running prose (a bold line of its own, inline code) is a command: it starts
/// as [`is_command`] says, and it reads as a command line rather than a sentence about one — no
/// Japanese or other wide characters, no full stop or colon at its end.
pub fn is_inferred_command(text: &str) -> bool {
    let text = text.trim();
    is_command(text)
        && !text.chars().any(crate::blocks::is_wide)
        && !text.ends_with(['.', '。', ':', '：', '…'])
}

/// Command-line tools that procedure pages tell an operator to type, with arguments.
const TOOLS: &[&str] = &[
    "net",
    "iisreset",
    "psconfig",
    "psconfig.exe",
    "stsadm",
    "stsadm.exe",
    "setup",
    "setup.exe",
    "sc",
    "sc.exe",
    "netsh",
    "certutil",
    "dism",
    "msiexec",
    "wmic",
];

/// `Verb-Noun`: one of PowerShell's approved verbs, a dash, a noun starting upper case, letters
/// and digits only.
pub fn is_cmdlet_name(name: &str) -> bool {
    let mut parts = name.split('-');
    let (Some(verb), Some(noun), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    VERBS.contains(&verb)
        && noun.len() >= 2
        && noun.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && noun.chars().all(|c| c.is_ascii_alphanumeric())
}

/// PowerShell's approved verbs (`Get-Verb`), the ones cmdlets are named with.
const VERBS: &[&str] = &[
    "Add",
    "Approve",
    "Assert",
    "Backup",
    "Block",
    "Build",
    "Checkpoint",
    "Clear",
    "Close",
    "Compare",
    "Complete",
    "Compress",
    "Confirm",
    "Connect",
    "Convert",
    "ConvertFrom",
    "ConvertTo",
    "Copy",
    "Debug",
    "Deny",
    "Deploy",
    "Disable",
    "Disconnect",
    "Dismount",
    "Edit",
    "Enable",
    "Enter",
    "Exit",
    "Expand",
    "Export",
    "Find",
    "ForEach",
    "Format",
    "Get",
    "Grant",
    "Group",
    "Hide",
    "Import",
    "Initialize",
    "Install",
    "Invoke",
    "Join",
    "Limit",
    "Lock",
    "Measure",
    "Merge",
    "Mount",
    "Move",
    "New",
    "Open",
    "Optimize",
    "Out",
    "Ping",
    "Pop",
    "Protect",
    "Publish",
    "Push",
    "Read",
    "Receive",
    "Redo",
    "Register",
    "Remove",
    "Rename",
    "Repair",
    "Request",
    "Reset",
    "Resize",
    "Resolve",
    "Restart",
    "Restore",
    "Resume",
    "Revoke",
    "Save",
    "Search",
    "Select",
    "Send",
    "Set",
    "Show",
    "Skip",
    "Sort",
    "Split",
    "Start",
    "Step",
    "Stop",
    "Submit",
    "Suspend",
    "Switch",
    "Sync",
    "Tee",
    "Test",
    "Trace",
    "Unblock",
    "Undo",
    "Uninstall",
    "Unlock",
    "Unprotect",
    "Unpublish",
    "Unregister",
    "Update",
    "Use",
    "Wait",
    "Watch",
    "Where",
    "Write",
];

/// A step id from a step's text: the first few meaningful ASCII words, lower case, joined by
/// `-` (`stop-lync-server-services`); `None` when the text has none (Japanese text without a
/// command name in it).
pub fn slug(text: &str, most_words: usize) -> Option<String> {
    const SKIP: &[&str] = &[
        "a",
        "an",
        "the",
        "to",
        "of",
        "on",
        "in",
        "for",
        "and",
        "or",
        "as",
        "by",
        "at",
        "is",
        "are",
        "be",
        "this",
        "that",
        "these",
        "those",
        "with",
        "from",
        "if",
        "you",
        "your",
        "it",
        "its",
        "then",
        "following",
        "type",
        "run",
        "use",
        "using",
    ];
    let words: Vec<String> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .filter(|w| !SKIP.contains(&w.as_str()))
        .take(most_words)
        .collect();
    let slug = words.join("-");
    let slug = slug.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-');
    (!slug.is_empty()).then(|| slug.to_owned())
}

/// A parameter name from a placeholder: `<SQL Server FQDN>` → `SqlServerFqdn`, `<Pool FQDN>` →
/// `PoolFqdn`; `None` when nothing in it is ASCII.
pub fn param_name(placeholder: &str) -> Option<String> {
    let mut out = String::new();
    for word in placeholder
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'P');
    }
    (!out.is_empty()).then_some(out)
}

/// The first sentence of a text, at most `most` characters (cut at a word, with `…`), on one line.
pub fn first_sentence(text: &str, most: usize) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut end = one_line.len();
    for (i, c) in one_line.char_indices() {
        let next = one_line[i + c.len_utf8()..].chars().next();
        let ends = matches!(c, '。' | '：')
            || (matches!(c, '.' | ':' | '!' | '?') && next.is_none_or(|n| n == ' '));
        if ends {
            end = if matches!(c, ':' | '：') {
                i
            } else {
                i + c.len_utf8()
            };
            break;
        }
    }
    let sentence = one_line[..end].trim();
    if sentence.chars().count() <= most {
        return sentence.to_owned();
    }
    let cut: String = sentence.chars().take(most).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > most / 2 => &cut[..i],
        _ => &cut,
    };
    format!("{}…", cut.trim_end_matches([',', '、', ' ']))
}

/// Whether a text is mostly Japanese: it has kana or CJK ideographs.
pub fn is_japanese(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c as u32, 0x3041..=0x30FF | 0x4E00..=0x9FFF))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_told_from_names() {
        assert!(is_command("Stop-CsWindowsService -Graceful -Verbose"));
        assert!(is_command("Get-CsPoolUpgradeReadinessState"));
        assert!(is_command("net stop w3svc"));
        assert!(is_command(
            ".\\StartDagServerMaintenance.ps1 -serverName EX1"
        ));
        assert!(!is_command("PoolUpgradeState"));
        assert!(!is_command("-Graceful"));
        assert!(!is_command("net"));
        assert!(!is_command("Lync-Server 2013 is"));
        assert!(!is_inferred_command(
            "Get-CsPoolUpgradeReadinessState コマンドレットを実行すると"
        ));
        assert!(!is_inferred_command("Run Stop-CsWindowsService."));
        assert!(is_inferred_command(
            "Stop-CsWindowsService -Graceful -Verbose"
        ));
    }

    #[test]
    fn names_come_from_text() {
        assert_eq!(
            slug("Stop the World Wide Web service. At the command line", 4).as_deref(),
            Some("stop-world-wide-web")
        );
        assert_eq!(slug("更新をインストールします。", 4), None);
        assert_eq!(
            param_name("<SQL Server FQDN>").as_deref(),
            Some("SqlServerFqdn")
        );
        assert_eq!(param_name("<サーバー名>"), None);
        assert_eq!(
            first_sentence("Stop Lync Server services. At the command line, type:", 80),
            "Stop Lync Server services."
        );
        assert_eq!(
            first_sentence(
                "更新をダウンロードして、ローカル ハードディスクに抽出します。次へ",
                80
            ),
            "更新をダウンロードして、ローカル ハードディスクに抽出します。"
        );
        assert_eq!(callout_kind("注:"), Some("NOTE"));
        assert_eq!(callout_kind("Important"), Some("IMPORTANT"));
    }
}
