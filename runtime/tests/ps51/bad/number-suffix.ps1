# expect: number-suffix
$count = 5u
