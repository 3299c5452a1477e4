# Constructs that Windows PowerShell 5.1 on .NET Framework 4.5 runs: the scanner must find nothing
# here. Nothing in this file is run.
using namespace System.Text

$ErrorActionPreference = 'Stop'
$builder = [StringBuilder]::new()
$null = $builder.Append('x').AppendLine()
$text = @'
a single-quoted here-string: $not ? expanded : ever
'@
$expanded = @"
an expandable here-string: $text and a tab`t
"@
if ($a -and -not $b -or $c) { $d = 1 } else { $d = 2 }
$bytes = [Text.Encoding]::UTF8.GetBytes('abc')
$back = [Text.Encoding]::UTF8.GetString($bytes)
$utf8 = [UTF8Encoding]::new($false)
$length = $utf8.GetByteCount('abc')
$list = [System.Collections.Generic.List[string]]::new()
$list.Add('x')
$dictionary = [System.Collections.Generic.Dictionary[string, int]]::new([StringComparer]::OrdinalIgnoreCase)
$parts = 'a,b'.Split([char]',')
$joined = [string]::Join(',', $parts)
$table = @{ a = 1 }
$table.a
$ordered = [ordered]@{}
$ordered.anything = 1
$object = [pscustomobject]@{ Name = 'x' }
$array = New-Object System.Collections.ArrayList
$content = Get-Content -Path x -Encoding UTF8 -Raw
'text' | Out-File -FilePath x -Encoding ascii
$now = [DateTime]::UtcNow.ToString('o')
$folder = [Environment+SpecialFolder]::ApplicationData
$path = [System.IO.Path]::Combine('a', 'b', 'c')
$found = 'abc'.Contains('b')
$padded = 'x'.PadLeft(3)
$size = [int]'5' + 1kb
$long = 5l
$hex = 0xFF
$pipe = [System.IO.Pipes.NamedPipeClientStream]::new('.', 'name', [System.IO.Pipes.PipeDirection]::InOut)
$ps = [powershell]::Create()
$null = $ps.AddScript('1').AddCommand('Out-String')
$tokens = $null
$errors = $null
$ast = [System.Management.Automation.Language.Parser]::ParseInput('1', [ref]$tokens, [ref]$errors)
$replaced = [regex]::Replace('a', 'a', [System.Text.RegularExpressions.MatchEvaluator]{ param($m) $m.Value })
$data = '{}' | ConvertFrom-Json
$json = ConvertTo-Json -InputObject @(1) -Depth 3 -Compress
$onWindows = [Environment]::OSVersion.Platform -eq [PlatformID]::Win32NT

function Get-Greeting {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string]$Name,
        [ValidateSet('short', 'long')] [string]$Kind = 'short'
    )
    $Name.ToUpperInvariant().Trim()
}

1..3 | ForEach-Object { $_ } | Where-Object { $_ -gt 1 } | Sort-Object -Descending | Select-Object -First 1
try { Get-Item . } catch [System.IO.IOException] { $_.Exception.Message } finally { }
$evaluator = { param($x) $x }
$result = $evaluator.Invoke(1)
$numbers = @(10mb, 1.5e3, 0x1F, 2d, 3l, -1, 1gb)
$escaped = "a doubled backtick: ``e and ``u{1} stay text"
$fromEnvironment = $env:IsWindows
$script:counter = [System.Threading.Interlocked]::Increment([ref]$total)
$caseless = [System.StringComparer]::OrdinalIgnoreCase.Equals('a', 'A')
