# Parses blocks of PowerShell with PowerShell's own parser, for `tejun lint` (rule TJ001).
#
# tejun runs this fixed script in a hosted session (see runtime/src/syntax.rs); the blocks never
# become code. They arrive as data in one variable, $TejunSyntaxBlocks: one block per line, each
# line the block's UTF-8 text base64-encoded (so a block may hold any character, line breaks
# included). Each block is only parsed, never run.
#
# Output, one line per parse error, tab-separated:
#     error <TAB> block index <TAB> start <TAB> end <TAB> ErrorId <TAB> base64 UTF-8 message
# where start and end are the error extent's offsets in the block, in UTF-16 code units (what
# .NET strings count). The message is base64-encoded because it may span several lines and the
# host splits output into lines. A last line `end <TAB> N` says that all N blocks were parsed, so
# output cut short cannot pass for a clean result.

$utf8 = [System.Text.UTF8Encoding]::new($false)
$count = 0
foreach ($line in $TejunSyntaxBlocks.Split("`n")) {
    $text = $utf8.GetString([Convert]::FromBase64String($line))
    $tokens = $null
    $errors = $null
    $null = [System.Management.Automation.Language.Parser]::ParseInput($text, [ref]$tokens, [ref]$errors)
    foreach ($e in $errors) {
        $message = [Convert]::ToBase64String($utf8.GetBytes([string]$e.Message))
        [string]::Join("`t", @('error', $count, $e.Extent.StartOffset, $e.Extent.EndOffset, $e.ErrorId, $message))
    }
    $count++
}
"end`t$count"
