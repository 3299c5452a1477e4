# expect: new-command
Test-Json -Json "{}"
