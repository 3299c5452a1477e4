# expect: new-parameter
$json = ConvertTo-Json -InputObject 1 -AsArray
