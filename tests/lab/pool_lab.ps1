# Driven by tests/pool_lab.rs: from this one PowerShell, opens a session to every server of the
# lab (their connection details in the JSON file -Lab), runs the simulated pool's cmdlets on each
# and measures. Prints "RESULT <key>=<value>" lines for the Rust side to check and report.
# Twice it prints "WAIT <what>" and reads a line from standard input: the Rust side then kills
# (and later starts again) the last server's sshd.

param([Parameter(Mandatory = $true)][string]$Lab)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$targets = @(Get-Content -Raw $Lab | ConvertFrom-Json)
$key = $targets[0].key
$options = @{
    UserKnownHostsFile = $targets[0].known_hosts; StrictHostKeyChecking = 'yes'; BatchMode = 'yes'
    IdentitiesOnly = 'yes'; ServerAliveInterval = '2'; ServerAliveCountMax = '3'
}

function Result([string]$Key, $Value) { [Console]::Out.WriteLine("RESULT $Key=$Value") }
function HostName($t) { '{0}@{1}:{2}' -f $t.user, $t.host, $t.port }
function Open($t) {
    # User and port in -HostName (the -SSHConnection form mixed up keys between processes).
    New-PSSession -HostName (HostName $t) -KeyFilePath $key -ConnectingTimeout 30000 -Options $options -Name $t.name
}
function Median([double[]]$Values) { $s = @($Values | Sort-Object); $s[[int][Math]::Floor($s.Count / 2)] }

# One at a time, for each server's open time.
$sessions = [ordered]@{}
foreach ($t in $targets) {
    $w = [Diagnostics.Stopwatch]::StartNew()
    $sessions[$t.name] = Open $t
    Result "open_ms.$($t.name)" $w.ElapsedMilliseconds
}

# All at once: one New-PSSession with every host (they share the key and the options).
$w = [Diagnostics.Stopwatch]::StartNew()
$all = @(New-PSSession -HostName @($targets | ForEach-Object { HostName $_ }) -KeyFilePath $key -ConnectingTimeout 30000 -Options $options)
Result 'open_all_ms' $w.ElapsedMilliseconds
Result 'open_all_count' $all.Count
Remove-PSSession $all

foreach ($t in $targets) {
    $s = $sessions[$t.name]
    $remote = Invoke-Command -Session $s { [pscustomobject]@{ SimHost = $env:SIM_HOST; Pool = $env:LYNC_POOL_STATE; Ws = (Get-Process -Id $PID).WorkingSet64 } }
    Result "sim_host.$($t.name)" $remote.SimHost
    Result "computer.$($t.name)" $remote.PSComputerName
    Result "pool_state.$($t.name)" $remote.Pool
    Result "memory_mb.$($t.name)" ([Math]::Round($remote.Ws / 1MB))
    $times = foreach ($i in 1..20) {
        $w = [Diagnostics.Stopwatch]::StartNew()
        [void](Invoke-Command -Session $s { 1 })
        $w.Elapsed.TotalMilliseconds
    }
    Result "round_trip_ms.$($t.name)" ([Math]::Round((Median $times), 1))
}

# The pool is shared: the first server stops its services; the second sees only the first's
# upgrade domain ready, and the last sees the first's services stopped.
$first = $targets[0].name; $second = $targets[1].name; $last = $targets[-1].name
Invoke-Command -Session $sessions[$first] { Stop-CsWindowsService -Graceful }
$busy = Invoke-Command -Session $sessions[$second] { Get-CsPoolUpgradeReadinessState }
$r = Invoke-Command -Session $sessions[$second] { Get-CsPoolUpgradeReadinessState }
Result 'pool_upgrade_states' ($busy.PoolUpgradeState + ',' + $r.PoolUpgradeState)
Result 'domains_ready' (@($r.UpgradeDomains | ForEach-Object { $_.IsReadyForUpgrade }) -join ',')
$svc = Invoke-Command -Session $sessions[$last] -ArgumentList $first { param($h) (Get-CsWindowsService -Name RTCSRV -ComputerName $h).Status }
Result 'first_rtcsrv_seen_from_last' $svc
Invoke-Command -Session $sessions[$last] { Start-CsWindowsService -ComputerName $using:first }

# The last server goes away: its session breaks, the others keep working.
[Console]::Out.WriteLine('WAIT kill')
[void][Console]::In.ReadLine()
$w = [Diagnostics.Stopwatch]::StartNew()
$err = $null
try { [void](Invoke-Command -Session $sessions[$last] { 1 }) } catch { $err = $_.Exception.Message }
Result 'killed_call_ms' $w.ElapsedMilliseconds
Result 'killed_call_failed' ($null -ne $err)
Result 'killed_state' $sessions[$last].State
Result 'others_after_kill' (@($targets | Where-Object { $_.name -ne $last } | ForEach-Object { Invoke-Command -Session $sessions[$_.name] { $env:SIM_HOST } }) -join ',')

# Back again: the broken session stays broken; a new one works.
[Console]::Out.WriteLine('WAIT revive')
[void][Console]::In.ReadLine()
Result 'broken_after_revive' $sessions[$last].State
$s = Open $targets[-1]
Result 'reopened_sim_host' (Invoke-Command -Session $s { $env:SIM_HOST })
Get-PSSession | Remove-PSSession
Result 'done' 'yes'
