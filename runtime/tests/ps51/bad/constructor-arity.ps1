# expect: overload-missing
$guid = [guid]::new("a", "b", "c", "d", "e")
