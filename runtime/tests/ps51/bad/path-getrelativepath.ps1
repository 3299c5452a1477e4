# expect: member-missing
$relative = [System.IO.Path]::GetRelativePath($from, $to)
