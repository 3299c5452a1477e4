# expect: new-parameter
1..3 | ForEach-Object { $_ } -ThrottleLimit 2
