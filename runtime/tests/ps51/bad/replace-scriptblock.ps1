# expect: replace-scriptblock
"a1" -replace "\d", { [int]$_.Value + 1 }
