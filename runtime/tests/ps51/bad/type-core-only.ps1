# expect: type-missing
$json = [System.Text.Json.JsonSerializer]::Serialize($value)
