# expect: new-command
1..3 | Join-String -Separator ","
