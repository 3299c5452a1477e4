# expect: ternary
# A here-string given to SessionStateFunctionEntry is code, and is scanned too.
$body = @'
$_ ? "yes" : "no"
'@
$entry = [System.Management.Automation.Runspaces.SessionStateFunctionEntry]::new("Test-It", $body)
