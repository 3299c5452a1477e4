# expect: member-missing
$hex = [Convert]::ToHexString($bytes)
