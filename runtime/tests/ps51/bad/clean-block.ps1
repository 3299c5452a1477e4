# expect: clean-block
function Use-Thing { process { $_ } clean { Remove-Item thing } }
