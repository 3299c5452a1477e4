// pwsh.exe: PowerShell's own console entry point, exactly as the real pwsh.exe calls it.
return Microsoft.PowerShell.UnmanagedPSEntry.Start(args, args.Length);
