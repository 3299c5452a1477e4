# expect: member-missing
$latin1 = [System.Text.Encoding]::Latin1
