# expect: new-parameter
Start-Process -FilePath tool.exe -Environment @{ MODE = "test" }
