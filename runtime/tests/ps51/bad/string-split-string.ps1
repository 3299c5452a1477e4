# expect: overload-missing
# .NET Framework has no Split(string): 5.1 splits on each character of "--" instead.
$parts = "a--b".Split("--")
