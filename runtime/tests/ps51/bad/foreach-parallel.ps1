# expect: new-parameter
1..3 | ForEach-Object -Parallel { $_ }
