# expect: type-missing
$n = [uint]5
