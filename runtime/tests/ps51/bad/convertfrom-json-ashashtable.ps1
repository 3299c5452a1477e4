# expect: new-parameter
$data = "{}" | ConvertFrom-Json -AsHashtable
