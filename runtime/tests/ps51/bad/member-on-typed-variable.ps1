# expect: member-missing
# A variable assigned only once, from a typed expression, is checked too.
$builder = [System.Text.StringBuilder]::new()
$null = $builder.GetChunks()
