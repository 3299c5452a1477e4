# tejun's PowerShell driver.
#
# tejun starts PowerShell with this script and talks to it over a private channel (a Unix domain
# socket in a 0700 directory, or a named pipe on Windows), never over stdin/stdout: those belong to
# the commands it runs. Messages are JSON, one per line, UTF-8 without a BOM. Strings that carry
# code or values travel base64-encoded so that no JSON or date coercion can change them.
#
# User code runs in a runspace this script owns, so variables, modules and the location persist
# from request to request. That runspace has no user interface: a prompt (Read-Host, a
# confirmation, Get-Credential) fails at once instead of waiting for a person.
#
# Written for Windows PowerShell 5.1 as well as PowerShell 7: no ternaries, no `??`, no classes.
# No cmdlet from a module either (New-Object, ConvertFrom-Json, Start-Sleep): loading
# Microsoft.PowerShell.Utility costs a tenth of a second at start-up; `[Type]::new()` (5.0+) does not.
#
# Requests are tab-separated words, one request per line (parsing JSON here would load a module
# and cost a fifth of a second at start-up):
#            vars <TAB> Name <TAB> string|int|bool <TAB> base64 [<TAB> Name <TAB> type <TAB> base64 ...]
#                                            (type list: N,base64,base64,... -> a [string[]] of N items)
#            run <TAB> N <TAB> base64         run code, output formatted as text
#            eval <TAB> N <TAB> base64        evaluate a condition to true/false
#            cancel <TAB> N                   stop the running request
#            exit
# Events:    {"ev":"hello",...} once; {"ev":"done","id":N,...} per request; {"ev":"vars_set"};
#            {"ev":"output"|"error"|"warning"|"verbose"|"debug"|"information","id":N,"cont":bool,
#            "text64":"..."} with the text base64-encoded UTF-8 (an error also has "fqid", "category"
#            and "position"). An output event holds lines joined by a line feed.
#
# Memory stays bounded whatever a command prints. No event holds more than $chunkChars (64 Ki)
# UTF-16 code units of text: a longer line (or record) is cut into parts, and "cont":true says the
# last line of an event goes on in the next event of the same stream. Output does not pile up
# here either: the pipeline hands each formatted line to a sink that blocks while $boxLimit
# characters wait to be sent, so a command printing faster than tejun records is slowed down.

$ErrorActionPreference = 'Stop'
Set-StrictMode -Off

# The last stage of a `run` pipeline, on the pipeline's thread in the user's runspace: it hands
# every formatted line to the driver's loop and waits while too much is waiting, which slows the
# command down to the pace of the channel instead of letting the output collect in memory.
# The user's code has all its streams merged into its output, so records (errors, warnings,
# verbose, debug, information and Write-Host) reach the sink in the order they were written,
# between the objects; the sink formats objects with `Out-String -Stream` (one steppable pipeline
# for the whole command, so a table keeps one header) and passes records on as they are.
# It is a function of the user's runspace, `Out-TejunSink`, made with the runspace (a script
# added to every pipeline costs a millisecond per command), and its state comes from the
# process's AppDomain (parameters would cost more again).
$sinkScript = @'
begin {
    $sink = [AppDomain]::CurrentDomain.GetData('tejun.sink')
    $box = $sink[0]
    $size = $sink[1]
    $signal = $sink[2]
    $limit = $sink[3]
    # What the command leaves behind, for its `done` event: read here, on the runspace's own
    # thread, costs nothing; read by the driver, each is a call across threads.
    $after = $sink[4]
    $after[0] = $null
    $global:LASTEXITCODE = $null
    # The formatter is made for the first object that needs it: a command that prints only text
    # (or nothing) never loads Out-String's module.
    $format = $null
    $pending = [System.Collections.Generic.List[object]]::new()
    # Once an object went to the formatter, strings go through it too: it may hold objects back
    # (a table waits for a few rows to size its columns), and a string must not overtake them.
    $formatting = $false
}
process {
    # Per line, the cheapest path first: a string is already text (tejun splits it into lines),
    # a record goes on as it is, anything else is formatted.
    if ($_ -is [string] -and -not $formatting) {
        $text = $_
        [System.Threading.Monitor]::Enter($box)
        try {
            $box.Add($text)
            $size[0] += $text.Length + 1
        } finally { [System.Threading.Monitor]::Exit($box) }
    } else {
        $pending.Clear()
        if ($_ -is [System.Management.Automation.ErrorRecord] -or
            $_ -is [System.Management.Automation.InformationalRecord] -or
            $_ -is [System.Management.Automation.InformationRecord]) { $pending.Add($_) }
        else {
            if (-not $formatting) {
                $format = { Out-String -Stream -Width 4096 }.GetSteppablePipeline()
                $format.Begin($true)
                $formatting = $true
            }
            foreach ($line in $format.Process($_)) { $pending.Add([string]$line) }
        }
        [System.Threading.Monitor]::Enter($box)
        try {
            foreach ($item in $pending) {
                $box.Add($item)
                $size[0] += ([string]$item).Length + 1
            }
        } finally { [System.Threading.Monitor]::Exit($box) }
    }
    if ($size[0] -ge $limit) {
        $null = $signal.Set()
        [System.Threading.Monitor]::Enter($box)
        try {
            while ($size[0] -ge $limit) { $null = [System.Threading.Monitor]::Wait($box, 100) }
        } finally { [System.Threading.Monitor]::Exit($box) }
    }
}
end {
    $after[0] = $global:LASTEXITCODE
    # .NET resolves relative paths against the process directory, not PowerShell's location.
    $location = $ExecutionContext.SessionState.Path.CurrentFileSystemLocation
    if ($null -ne $location) { [Environment]::CurrentDirectory = $location.ProviderPath }
    $after[1] = $true
    if (-not $formatting) { return }
    $pending.Clear()
    foreach ($line in $format.End()) { $pending.Add([string]$line) }
    [System.Threading.Monitor]::Enter($box)
    try {
        foreach ($item in $pending) {
            $box.Add($item)
            $size[0] += $item.Length + 1
        }
    } finally { [System.Threading.Monitor]::Exit($box) }
}
'@

# The runspace opens in the background while the channel connects. CreateDefault2 loads modules
# on first use instead of up front: a faster start.
$sessionState = [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2()
$sessionState.Commands.Add([System.Management.Automation.Runspaces.SessionStateFunctionEntry]::new('Out-TejunSink', $sinkScript))
# The sink formats objects with Out-String. Found through its module, the first object a session
# prints would import all of Microsoft.PowerShell.Utility (a tenth of a second or more); the
# cmdlet itself, added from its type, is there at once. Where the type is not loaded yet, the
# module is found as usual.
$outString = 'Microsoft.PowerShell.Commands.OutStringCommand' -as [type]
if ($null -ne $outString) {
    $sessionState.Commands.Add([System.Management.Automation.Runspaces.SessionStateCmdletEntry]::new('Out-String', $outString, $null))
}
$sessionState.Variables.Add([System.Management.Automation.Runspaces.SessionStateVariableEntry]::new('ProgressPreference', 'SilentlyContinue', ''))
# What PowerShell pipes to a native command's stdin: ASCII on Windows PowerShell 5.1.
$sessionState.Variables.Add([System.Management.Automation.Runspaces.SessionStateVariableEntry]::new('OutputEncoding', [System.Text.UTF8Encoding]::new($false), ''))
$runspace = [runspacefactory]::CreateRunspace($sessionState)
# One thread runs every request. The default starts a new thread per pipeline, which costs a
# millisecond or more per command (many on a busy machine); the thread's state (culture, the
# .NET current directory) is the session's own either way.
$runspace.ThreadOptions = [System.Management.Automation.Runspaces.PSThreadOptions]::ReuseThread
$runspace.OpenAsync()

$utf8 = [System.Text.UTF8Encoding]::new($false)
# UTF-8 end to end on Windows, where the console's code page (OEM: 437, 932, ...) is the default
# for what PowerShell writes and for how it decodes native commands' output. Setting it switches
# the console tejun shares (and so the code page native programs write in); tejun puts it back
# when the session ends. Without a console (a service) there is nothing to switch.
if ([System.Environment]::OSVersion.Platform -eq [System.PlatformID]::Win32NT) {
    try {
        [Console]::OutputEncoding = $utf8
        [Console]::InputEncoding = $utf8
    } catch { }
}
$pipe = [System.IO.Pipes.NamedPipeClientStream]::new('.', $env:TEJUN_CHANNEL,
    [System.IO.Pipes.PipeDirection]::InOut, [System.IO.Pipes.PipeOptions]::Asynchronous)
$pipe.Connect(30000)
$reader = [System.IO.StreamReader]::new($pipe, $utf8)
$writer = [System.IO.StreamWriter]::new($pipe, $utf8)
$writer.NewLine = "`n"

$script:pendingRead = $null

# ConvertTo-Json (and System.Web's encoder) cost a fifth of a second to load; events are flat, so
# write them here.
$script:controlEscape = [System.Text.RegularExpressions.MatchEvaluator]{
    param($m) '\u' + ([int][char]$m.Value[0]).ToString('x4')
}
function ConvertTo-JsonString([string]$text) {
    $text = $text.Replace('\', '\\').Replace('"', '\"')
    if ($text -match '[\x00-\x1f]') { $text = [regex]::Replace($text, '[\x00-\x1f]', $script:controlEscape) }
    '"' + $text + '"'
}

function Get-NextLineTask {
    if ($null -eq $script:pendingRead) {
        $script:pendingRead = $reader.ReadLineAsync()
    }
    $script:pendingRead
}

# The next request. Between requests it is read on this thread: a read on the thread pool (which a
# running command needs, to hear a cancel) would cost a hand-over for every request.
function Take-Line {
    $task = $script:pendingRead
    if ($null -eq $task) { return $reader.ReadLine() }
    $script:pendingRead = $null
    $task.Result
}

function Decode-Text([string]$b64) {
    $utf8.GetString([Convert]::FromBase64String($b64))
}

function Format-Record($record) {
    [string]$record
}


# Written directly: the token is hex and the version and edition are plain words, and the first
# call of the JSON helpers would compile them while tejun waits.
$writer.WriteLine('{"ev":"hello","token":"' + $env:TEJUN_TOKEN + '","pid":' + $PID + ',"version":"' +
    $PSVersionTable.PSVersion.ToString() + '","edition":"' + [string]$PSVersionTable.PSEdition + '"}')
$writer.Flush()

$script:runspaceReady = $false
function Wait-Runspace {
    if ($script:runspaceReady) { return }
    while ($runspace.RunspaceStateInfo.State -eq 'Opening' -or $runspace.RunspaceStateInfo.State -eq 'BeforeOpen') {
        [System.Threading.Thread]::Sleep(2)
    }
    if ($runspace.RunspaceStateInfo.State -ne 'Opened') { throw $runspace.RunspaceStateInfo.Reason }
    $style = $runspace.SessionStateProxy.GetVariable('PSStyle')
    if ($null -ne $style) { $style.OutputRendering = 'PlainText' }
    $script:runspaceReady = $true
}

$chunkChars = 65536
# The sink waits once this many characters wait to be sent; it wakes the driver's loop then, which
# otherwise looks every 20 ms. Everything handed over but the last line is then shorter than this,
# so joining it makes no string large enough for the large object heap (85,000 bytes).
$boxLimit = 32768
$joinLimit = 40000
$box = [System.Collections.Generic.List[object]]::new()
$boxSize = [long[]]::new(1)
$boxSignal = [System.Threading.AutoResetEvent]::new($false)
# A chunk is encoded through buffers made once: text in pieces of 64 Ki would otherwise allocate
# strings on the large object heap, which only a full collection frees, and PowerShell's memory
# would grow with the output.
# What the sink's end block read: the last exit code and whether it ran at all.
$after = [object[]]::new(2)
[AppDomain]::CurrentDomain.SetData('tejun.sink', [object[]]@($box, $boxSize, $boxSignal, $boxLimit, $after))
$charBuf = [char[]]::new($chunkChars)
$byteBuf = [byte[]]::new(3 * $chunkChars)
$b64Buf = [char[]]::new(4 * $chunkChars + 4)

# Sends the first `count` characters of $charBuf as one event; `fields` is JSON to add (`,"k":v`).
function Send-Chars($id, [string]$kind, [int]$count, [bool]$cont, [string]$fields) {
    $flag = 'false'
    if ($cont) { $flag = 'true' }
    $bytes = $utf8.GetBytes($charBuf, 0, $count, $byteBuf, 0)
    $chars = [Convert]::ToBase64CharArray($byteBuf, 0, $bytes, $b64Buf, 0)
    $writer.Write('{"ev":"' + $kind + '","id":' + $id + ',"cont":' + $flag + $fields + ',"text64":"')
    $writer.Write($b64Buf, 0, $chars)
    $writer.WriteLine('"}')
    $writer.Flush()
}

# How many UTF-16 code units of `text` from `start` go into one part: a chunk, less one if that
# would split a surrogate pair.
function Get-PartLength([string]$text, [int]$start) {
    $n = $chunkChars
    if ([char]::IsHighSurrogate($text[$start + $n - 1])) { $n-- }
    $n
}

# Sends `text` in parts of at most a chunk, every part but the last marked as continued.
function Send-Parts($id, [string]$kind, [string]$text, [string]$fields) {
    $start = 0
    while ($text.Length - $start -gt $chunkChars) {
        $n = Get-PartLength $text $start
        $text.CopyTo($start, $charBuf, 0, $n)
        Send-Chars $id $kind $n $true $fields
        $start += $n
    }
    $text.CopyTo($start, $charBuf, 0, $text.Length - $start)
    Send-Chars $id $kind ($text.Length - $start) $false $fields
}

# Sends the lines the sink handed over. Only the last can be long (the sink waits as soon as
# too much is waiting): the others are joined into one event, and a long last line goes on its own,
# in parts, never copied whole.
function Send-Output($id, [string[]]$lines) {
    $n = $lines.Length
    $last = $lines[$n - 1]
    if ($n -eq 1) { Send-Parts $id 'output' $last ''; return }
    $head = [string]::Join("`n", $lines, 0, $n - 1)
    if ($head.Length + 1 + $last.Length -le $joinLimit) {
        Send-Parts $id 'output' ($head + "`n" + $last) ''
    } else {
        Send-Parts $id 'output' $head ''
        Send-Parts $id 'output' $last ''
    }
}

function Send-Stream($id, [string]$kind, $items) {
    foreach ($item in $items) {
        $fields = ''
        if ($kind -eq 'error') {
            $info = $item.InvocationInfo
            $position = ''
            if ($null -ne $info) { $position = [string]$info.PositionMessage }
            $fields = ',"fqid":' + (ConvertTo-JsonString ([string]$item.FullyQualifiedErrorId)) +
                ',"category":' + (ConvertTo-JsonString ([string]$item.CategoryInfo.Category)) +
                ',"position":' + (ConvertTo-JsonString $position)
        }
        Send-Parts $id $kind (Format-Record $item) $fields
    }
}

# Sends what the sink handed over, in its order: runs of output lines together, each record as an
# event of its stream.
function Send-Box($id, $items) {
    $lines = [System.Collections.Generic.List[string]]::new()
    foreach ($item in $items) {
        if ($item -is [string]) { $lines.Add($item); continue }
        if ($lines.Count -gt 0) { Send-Output $id $lines.ToArray(); $lines.Clear() }
        $kind = 'information'
        if ($item -is [System.Management.Automation.ErrorRecord]) { $kind = 'error' }
        elseif ($item -is [System.Management.Automation.WarningRecord]) { $kind = 'warning' }
        elseif ($item -is [System.Management.Automation.VerboseRecord]) { $kind = 'verbose' }
        elseif ($item -is [System.Management.Automation.DebugRecord]) { $kind = 'debug' }
        Send-Stream $id $kind @(, $item)
    }
    if ($lines.Count -gt 0) { Send-Output $id $lines.ToArray() }
}

# Takes what the sink handed over and lets it go on.
function Take-Box {
    [System.Threading.Monitor]::Enter($box)
    try {
        $lines = $box.ToArray()
        $box.Clear()
        $boxSize[0] = 0
        [System.Threading.Monitor]::PulseAll($box)
    } finally { [System.Threading.Monitor]::Exit($box) }
    , $lines
}

# Made once: what every request needs apart from its code. The PowerShell object is reused while
# its requests end normally, and made again after a stop or a failure.
$settings = [System.Management.Automation.PSInvocationSettings]::new()
$settings.ExposeFlowControlExceptions = $true
$noInput = [System.Management.Automation.PSDataCollection[psobject]]::new()
$noInput.Complete()
$script:shell = $null
# A run's output all goes to the sink: what reaches this collection is nothing.
$runOutput = [System.Management.Automation.PSDataCollection[psobject]]::new()
$mergeFrom = [System.Management.Automation.Runspaces.PipelineResultTypes]::All
$mergeTo = [System.Management.Automation.Runspaces.PipelineResultTypes]::Output

function ConvertTo-JsonValue($value) {
    if ($null -eq $value) { return 'null' }
    if ($value -is [bool]) { if ($value) { return 'true' } else { return 'false' } }
    if ($value -is [int] -or $value -is [long]) { return [string]$value }
    ConvertTo-JsonString ([string]$value)
}

function Invoke-Request($request, [bool]$evaluate) {
    $id = $request[1]
    $code = $utf8.GetString([Convert]::FromBase64String($request[2]))
    $ps = $script:shell
    if ($null -eq $ps) {
        $ps = [powershell]::Create()
        $ps.Runspace = $runspace
        $script:shell = $ps
    } else {
        $ps.Commands.Clear()
        $ps.Streams.ClearStreams()
    }
    $after[1] = $false
    $null = $ps.AddScript($code)
    if ($evaluate) {
        # A condition has no sink to reset the exit code for it.
        $runspace.SessionStateProxy.SetVariable('LASTEXITCODE', $null)
        $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
    } else {
        $ps.Commands.Commands[0].MergeMyResults($mergeFrom, $mergeTo)
        # By name: a function added as its CommandInfo does not take pipeline input.
        $null = $ps.AddCommand('Out-TejunSink')
        $output = $runOutput
    }
    $handle = $ps.BeginInvoke($noInput, $output, $settings, $null, $null)
    $wakers = [System.Threading.WaitHandle[]]@($handle.AsyncWaitHandle, $boxSignal)
    if ($evaluate) { $values = [System.Collections.Generic.List[object]]::new() }
    $cancelled = $false
    while ($true) {
        $null = [System.Threading.WaitHandle]::WaitAny($wakers, 20)
        # Read before draining: once the pipeline has ended, what is drained next is all there is.
        $done = $handle.IsCompleted
        if ($evaluate) {
            # Whether a condition holds depends on its first two values only (none: false; one:
            # its truth; more: true), so a condition that prints a flood keeps no more than that.
            foreach ($i in $output.ReadAll()) { if ($values.Count -lt 2) { $values.Add($i) } }
            # Looked at before a call: a function call costs more than five counts.
            $streams = $ps.Streams
            if ($streams.Error.Count -gt 0) { Send-Stream $id 'error' $streams.Error.ReadAll() }
            if ($streams.Warning.Count -gt 0) { Send-Stream $id 'warning' $streams.Warning.ReadAll() }
            if ($streams.Verbose.Count -gt 0) { Send-Stream $id 'verbose' $streams.Verbose.ReadAll() }
            if ($streams.Debug.Count -gt 0) { Send-Stream $id 'debug' $streams.Debug.ReadAll() }
            if ($streams.Information.Count -gt 0) { Send-Stream $id 'information' $streams.Information.ReadAll() }
        } elseif ($boxSize[0] -gt 0 -or $box.Count -gt 0) {
            # A run's streams are all merged into its output, which the sink hands over.
            Send-Box $id (Take-Box)
        }
        if ($done) { break }
        $next = Get-NextLineTask
        if ($next.IsCompleted) {
            $line = Take-Line
            if ($null -eq $line) { [Environment]::Exit(0) }
            if ($line.StartsWith('cancel') -and -not $cancelled) {
                $cancelled = $true
                $null = $ps.BeginStop($null, $null)
            }
        }
    }
    $exit = $null
    $failure = $null
    try {
        $null = $ps.EndInvoke($handle)
    } catch {
        $inner = $_.Exception
        while ($null -ne $inner.InnerException -and -not ($inner -is [System.Management.Automation.ExitException])) {
            $inner = $inner.InnerException
        }
        if ($inner -is [System.Management.Automation.ExitException]) {
            $exit = [int]$inner.Argument
        } else {
            $failure = $inner
        }
    }
    $state = $ps.InvocationStateInfo.State
    $reason = $ps.InvocationStateInfo.Reason
    if ($null -ne $reason -and $null -eq $exit -and $null -eq $failure) {
        if ($reason -is [System.Management.Automation.ExitException]) { $exit = [int]$reason.Argument } else { $failure = $reason }
    }
    if ($after[1]) {
        $lastExit = $after[0]
    } else {
        # The sink's end did not run (a condition, a terminating error, `exit`): ask the runspace.
        $lastExit = $runspace.SessionStateProxy.GetVariable('LASTEXITCODE')
        try {
            $location = $runspace.SessionStateProxy.Path.CurrentFileSystemLocation
            if ($null -ne $location) { [Environment]::CurrentDirectory = $location.ProviderPath }
        } catch { }
    }
    $message = $null
    $fqid = $null
    if ($null -ne $failure -and -not ($failure -is [System.Management.Automation.PipelineStoppedException])) {
        $message = [string]$failure.Message
        if ($failure -is [System.Management.Automation.IContainsErrorRecord]) {
            $fqid = [string]$failure.ErrorRecord.FullyQualifiedErrorId
            $position = $failure.ErrorRecord.InvocationInfo
            if ($null -ne $position) { $message = $message + "`n" + [string]$position.PositionMessage }
        }
    }
    $value = $null
    if ($evaluate) {
        if ($values.Count -eq 0) { $value = $false }
        elseif ($values.Count -eq 1) { $value = [System.Management.Automation.LanguagePrimitives]::IsTrue($values[0]) }
        else { $value = $true }
    }
    $hadErrors = [bool]$ps.HadErrors
    if ($state -ne [System.Management.Automation.PSInvocationState]::Completed) {
        # A stopped or failed PowerShell object is not used again.
        $ps.Dispose()
        $script:shell = $null
    }
    # Written out here rather than through a function: a function call costs tens of microseconds.
    $json = '{"ev":"done","id":' + $id + ',"state":"' + $state + '","had_errors":'
    if ($hadErrors) { $json += 'true' } else { $json += 'false' }
    if ($null -eq $exit -and $null -eq $message -and $null -eq $fqid -and $null -eq $value -and
        ($null -eq $lastExit -or $lastExit -is [int])) {
        # The usual case: a command that ended without a failure.
        $json += ',"exit":null,"failure":null,"failure_fqid":null,"value":null,"last_exit_code":'
        if ($null -eq $lastExit) { $json += 'null}' } else { $json += [string]$lastExit + '}' }
    } else {
        $json += ',"exit":' + (ConvertTo-JsonValue $exit) + ',"last_exit_code":' + (ConvertTo-JsonValue $lastExit) +
            ',"failure":' + (ConvertTo-JsonValue $message) + ',"failure_fqid":' + (ConvertTo-JsonValue $fqid) +
            ',"value":' + (ConvertTo-JsonValue $value) + '}'
    }
    $writer.WriteLine($json)
    $writer.Flush()
}

while ($true) {
    $line = Take-Line
    if ($null -eq $line) { break }
    $request = $line.Split("`t")
    $op = $request[0]
    if ($op -eq 'exit') { break }
    Wait-Runspace
    if ($op -eq 'vars') {
        for ($i = 1; $i + 2 -lt $request.Length; $i += 3) {
            if ($request[$i + 1] -eq 'list') {
                $words = $request[$i + 2].Split(',')
                $items = [string[]]::new([int]$words[0])
                for ($k = 0; $k -lt $items.Length; $k++) { $items[$k] = Decode-Text $words[$k + 1] }
                # SetVariable stores the array itself: an empty or one-item list stays a [string[]].
                $runspace.SessionStateProxy.SetVariable($request[$i], $items)
                continue
            }
            $text = Decode-Text $request[$i + 2]
            $value = $text
            if ($request[$i + 1] -eq 'int') { $value = [long]$text }
            elseif ($request[$i + 1] -eq 'bool') { $value = ($text -eq 'true') }
            $runspace.SessionStateProxy.SetVariable($request[$i], $value)
        }
        $writer.WriteLine('{"ev":"vars_set"}')
        $writer.Flush()
    }
    elseif ($op -eq 'run') { Invoke-Request $request $false }
    elseif ($op -eq 'eval') { Invoke-Request $request $true }
    # A cancel that arrives after its request finished has nothing left to stop.
}
# Nothing is left to send: the process ends here, without waiting to close the runspace.
[Environment]::Exit(0)
