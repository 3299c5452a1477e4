# expect: class
class Thing { [string]$Name }
