# expect: new-parameter
Invoke-WebRequest -Uri https://localhost/ -SkipCertificateCheck
