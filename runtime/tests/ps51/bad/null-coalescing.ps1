# expect: null-coalescing
$b = $y ?? 3
