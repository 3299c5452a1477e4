# expect: overload-missing
$found = "abc".Contains("B", [StringComparison]::OrdinalIgnoreCase)
