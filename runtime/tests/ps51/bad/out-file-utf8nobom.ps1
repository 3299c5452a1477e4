# expect: encoding
"text" | Out-File -FilePath out.txt -Encoding:utf8NoBOM
