# expect: null-coalescing
$c ??= 4
