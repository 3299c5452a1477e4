# expect: ps7-variable
if ($IsWindows) { "windows" }
