# expect: ternary
$a = $x ? 1 : 2
