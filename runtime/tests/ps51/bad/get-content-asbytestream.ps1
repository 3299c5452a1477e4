# expect: new-parameter
$bytes = Get-Content -Path file.bin -AsByteStream
