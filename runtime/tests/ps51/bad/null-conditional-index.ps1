# expect: null-conditional
${x}?[0]
