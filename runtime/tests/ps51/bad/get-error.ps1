# expect: new-command
Get-Error -Newest 1
