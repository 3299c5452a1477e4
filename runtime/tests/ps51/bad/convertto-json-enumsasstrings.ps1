# expect: new-parameter
$json = $value | ConvertTo-Json -EnumsAsStrings
