# expect: new-parameter
$name = Split-Path -Path $file -LeafBase
