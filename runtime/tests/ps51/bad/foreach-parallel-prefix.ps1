# expect: new-parameter
# A unique prefix names the parameter just as well.
1..3 | % -Para { $_ }
