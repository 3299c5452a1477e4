# expect: overload-missing
# .NET Framework has only Contains(string): 5.1 would convert the char.
$found = "abc".Contains([char]"b")
