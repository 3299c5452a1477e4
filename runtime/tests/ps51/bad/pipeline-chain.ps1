# expect: pipeline-chain
Get-Item . && Get-Item ..
