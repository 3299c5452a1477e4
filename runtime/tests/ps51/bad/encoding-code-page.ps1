# expect: encoding
Get-Content -Path in.txt -Encoding 1252
