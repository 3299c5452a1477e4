# expect: type-missing
$node = New-Object -TypeName System.Text.Json.Nodes.JsonObject
