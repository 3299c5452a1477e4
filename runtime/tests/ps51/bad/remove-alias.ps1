# expect: new-command
Remove-Alias -Name ll
