# expect: new-parameter
$extension = Split-Path -Path $file -Extension
