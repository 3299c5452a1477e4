# expect: new-parameter
$data = "{}" | ConvertFrom-Json -Depth 200
