# expect: null-conditional
${x}?.Name
