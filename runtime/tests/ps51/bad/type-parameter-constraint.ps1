# expect: type-missing
function Get-Half([System.Half]$value) { $value }
