# expect: ps7-variable
$PSStyle.OutputRendering = "PlainText"
