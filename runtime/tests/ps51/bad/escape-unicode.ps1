# expect: string-escape
$smile = "`u{1F600}"
