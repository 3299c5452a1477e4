# expect: number-suffix
$mask = 0b1010
