# expect: type-missing
using namespace System.Text.Json
$document = [JsonDocument]::Parse("{}")
