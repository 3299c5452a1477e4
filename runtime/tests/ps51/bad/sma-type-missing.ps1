# expect: type-missing
# PowerShell 7.4 added this attribute; Windows PowerShell 5.1 does not know it.
function Get-Name { param([ValidateNotNullOrWhiteSpace()] [string]$Name) $Name }
