# expect: requires-version
#requires -Version 7.0
"seven"
