# expect: type-missing
$version = [semver]"1.2.3"
