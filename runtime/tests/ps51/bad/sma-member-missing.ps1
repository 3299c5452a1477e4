# expect: member-missing
$ps = [powershell]::Create()
$task = $ps.InvokeAsync()
