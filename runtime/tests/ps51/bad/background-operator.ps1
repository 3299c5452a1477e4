# expect: background-operator
Start-Sleep 1 &
