# expect: encoding
Set-Content -Path out.txt -Value "text" -Encoding utf8NoBOM
