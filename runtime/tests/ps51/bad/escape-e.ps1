# expect: string-escape
$bold = "`e[1m"
