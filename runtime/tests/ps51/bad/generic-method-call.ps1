# expect: generic-method-call
$list.ConvertAll[string]({ param($x) "$x" })
