# Checks the PowerShell that tejun sends to the hosted shell for what Windows PowerShell 5.1 on
# .NET Framework 4.5 does not have. Windows PowerShell cannot run here, so the check is static:
# PowerShell 7's own parser reads each script, and every construct, command, parameter, type and
# member it finds is looked up in tables and reference assemblies that describe 5.1.
#
#     pwsh -NoProfile -File scan.ps1 -CacheDir DIR FILE...
#
# prints one line per problem, `file:line:col: [id] what — what to write instead`, then a summary
# line, and exits 0 when there is no problem, 1 when there are, 2 when it could not check at all.
#
# What it checks:
#   1. Syntax newer than 5.1 (the ids in brackets): [ternary] `? :`, [null-coalescing] `??` and
#      `??=`, [null-conditional] `?.` and `?[`, [pipeline-chain] `&&` and `||`, [clean-block],
#      [background-operator] a trailing `&`, [generic-method-call] `$x.M[T]()`, [replace-scriptblock]
#      `-replace` with a script block, [number-suffix] `1u`, `0b101`, `5n` and the like,
#      [string-escape] `` `e `` and `` `u{...} ``, [requires-version] `#requires -Version 6+`, and
#      [class] `class`/`enum` definitions (5.0 has them, but the driver's own rule is "no classes").
#   2. [ps7-variable] automatic variables that 5.1 lacks ($IsWindows, $PSStyle, ...), any use.
#   3. [new-command] cmdlets that 5.1 lacks, [new-parameter] parameters that 5.1's cmdlets lack,
#      and [encoding] `-Encoding` values that 5.1 does not know (utf8NoBOM, a code page number...).
#      The tables come from the PowerShell-Docs reference: the cmdlets and `### -Parameter`
#      headings of reference/7.6 that reference/5.1 lacks, for the Core, Utility, Management and
#      Security modules.
#   4. .NET: every type literal (`[T]`, `[T]$x`, attributes, `New-Object T`) must name a type of
#      the .NET Framework 4.5 reference assemblies (the assemblies listed in $FrameworkAssemblies,
#      which Windows PowerShell 5.1 has loaded), or of Windows PowerShell 5.1's
#      System.Management.Automation (below); type accelerators resolve as 5.1 resolves them.
#      [type-missing] when it does not. Every member used on a type literal (`[T]::M`,
#      `[T]::M(...)`, `[T]::new(...)`) must exist there, with an overload taking that many
#      arguments: [member-missing], [overload-missing]. Members used on an expression whose type is
#      known statically are checked the same way: a string literal, a cast `[T]$x`, the result of a
#      checked member (`[Text.Encoding]::UTF8.GetString(...)`), a parameter declared `[T]$x` in the
#      enclosing function, or a variable every assignment of which in the script gives the same
#      type (and that the script never tests with `-is`). When every argument's type is known too,
#      a call that .NET (Core) binds to an overload .NET Framework 4.5 lacks, where 5.1 would have
#      to convert an argument to reach another one (`'abc'.Contains([char]'b')`), is
#      [overload-missing] as well.
#   5. System.Management.Automation (PowerShell's own API) is checked against PowerShell Standard
#      5.1 (the NuGet package PowerShellStandard.Library 5.1.1): a reference assembly holding the API
#      common to Windows PowerShell 5.1 and PowerShell 6, so everything in it exists in 5.1. A type
#      or member that it lacks but that 5.1 has needs an entry in $SmaAllowlist, with the 5.1
#      documentation that says so.
#
# What it cannot check: members used on a value whose type is not known statically (most
# variables: `$x.Foo()`), members added by PowerShell's type system (ETS) and adapters, and
# everything about behaviour (formatting width, encodings by default, error messages). Nothing here
# ran on Windows PowerShell 5.1.
#
# A single-quoted here-string assigned to a variable that is then given to
# `SessionStateFunctionEntry::new`, `[scriptblock]::Create`, `.AddScript` or `Invoke-Expression` is
# code too (the driver's sink is), and is checked as such, at its own lines in the file.
#
# The reference assemblies come from NuGet: Microsoft.NETFramework.ReferenceAssemblies.net45 1.0.2
# and PowerShellStandard.Library 5.1.1, restored with `dotnet restore` into -CacheDir when missing.

[CmdletBinding()]
param(
    # Where the NuGet packages are, or are restored to when missing.
    [Parameter(Mandatory)] [string]$CacheDir,
    # The scripts to check.
    [Parameter(Mandatory, ValueFromRemainingArguments)] [string[]]$Path
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3

# ------------------------------------------------------------------------------------------------
# Tables

# Automatic variables PowerShell 6 and 7 added: in 5.1 they are unset (so `$IsWindows` is false
# even on Windows).
$Ps7Variables = @{
    IsWindows = 'test `$PSVersionTable.PSEdition -eq ''Desktop''` or `[Environment]::OSVersion.Platform`'
    IsLinux = 'test `[Environment]::OSVersion.Platform` (5.1 runs only on Windows)'
    IsMacOS = 'test `[Environment]::OSVersion.Platform` (5.1 runs only on Windows)'
    IsCoreCLR = 'test `$PSVersionTable.PSEdition -eq ''Core''`'
    PSStyle = 'look it up by name (`Get-Variable PSStyle -ErrorAction Ignore`) and do without it on 5.1'
    PSNativeCommandArgumentPassing = 'quote native arguments yourself'
    PSNativeCommandUseErrorActionPreference = 'test `$LASTEXITCODE` after a native command'
    PSNativeCommandPreserveBytePipe = 'redirect native output to a file'
    EnabledExperimentalFeatures = 'do without experimental features'
}

# Cmdlets of the Core, Utility, Management and Security modules that 5.1 lacks (PowerShell-Docs,
# reference/7.6 against reference/5.1), with what to use instead.
$NewCommands = @{
    'ConvertFrom-CliXml' = 'use `[System.Management.Automation.PSSerializer]::Deserialize()`'
    'ConvertTo-CliXml' = 'use `[System.Management.Automation.PSSerializer]::Serialize()`'
    'ConvertFrom-Markdown' = 'do without it: no Markdown rendering on 5.1'
    'Show-Markdown' = 'do without it: no Markdown rendering on 5.1'
    'Get-MarkdownOption' = 'do without it: no Markdown rendering on 5.1'
    'Set-MarkdownOption' = 'do without it: no Markdown rendering on 5.1'
    'Disable-ExperimentalFeature' = 'do without it: no experimental features on 5.1'
    'Enable-ExperimentalFeature' = 'do without it: no experimental features on 5.1'
    'Get-ExperimentalFeature' = 'do without it: no experimental features on 5.1'
    'Get-Error' = 'use `$Error[0]` and its `.Exception`, `.InvocationInfo`, `.ScriptStackTrace`'
    'Get-PSSubsystem' = 'do without it: 5.1 has no subsystems'
    'Get-SecureRandom' = 'use `[System.Security.Cryptography.RandomNumberGenerator]::Create()`'
    'Get-Uptime' = 'use `(Get-Date) - (Get-CimInstance Win32_OperatingSystem).LastBootUpTime`'
    'Join-String' = 'use `[string]::Join()` or `-join`'
    'Remove-Alias' = 'use `Remove-Item Alias:\NAME`'
    'Remove-Service' = 'use `sc.exe delete NAME`'
    'Switch-Process' = 'use `Start-Process` and `exit`'
    'Test-Json' = 'parse with `ConvertFrom-Json` in a `try`'
    'Start-ThreadJob' = 'use `Start-Job` (ThreadJob is not part of 5.1)'
}

# Parameters that 5.1's cmdlets lack (PowerShell-Docs, reference/7.6 against reference/5.1).
$NewParameters = @{
    'Add-Content' = 'AsByteStream'
    'Add-Type' = 'CompilerOptions'
    'Convert-Path' = 'Force'
    'ConvertFrom-Json' = 'AsHashtable DateKind Depth NoEnumerate'
    'ConvertFrom-SecureString' = 'AsPlainText'
    'ConvertFrom-StringData' = 'Delimiter'
    'ConvertTo-Csv' = 'IncludeTypeInformation NoHeader QuoteFields UseQuotes'
    'ConvertTo-Html' = 'Charset Meta Transitional'
    'ConvertTo-Json' = 'AsArray EnumsAsStrings EscapeHandling'
    'Debug-Job' = 'BreakAll'
    'Debug-Runspace' = 'BreakAll'
    'Disable-PSBreakpoint' = 'Runspace'
    'Enable-PSBreakpoint' = 'Runspace'
    'Enter-PSHostProcess' = 'CustomPipeName'
    'Enter-PSSession' = 'ConnectingTimeout HostName KeyFilePath Options SSHTransport Subsystem UserName'
    'Export-Csv' = 'IncludeTypeInformation NoHeader QuoteFields UseQuotes'
    'ForEach-Object' = 'AsJob Parallel ThrottleLimit TimeoutSeconds UseNewRunspace'
    'Format-Hex' = 'Count Offset'
    'Get-ChildItem' = 'FollowSymlink'
    'Get-Clipboard' = 'Delimiter'
    'Get-Command' = 'ExcludeModule FuzzyMinimumDistance UseAbbreviationExpansion UseFuzzyMatching'
    'Get-Content' = 'AsByteStream'
    'Get-Credential' = 'Title'
    'Get-Culture' = 'ListAvailable Name NoUserOverrides'
    'Get-Date' = 'AsUTC UnixTimeSeconds'
    'Get-Module' = 'SkipEditionCheck'
    'Get-PSBreakpoint' = 'Runspace'
    'Get-PfxCertificate' = 'NoPromptForPassword Password'
    'Get-Random' = 'Shuffle'
    'Get-Unique' = 'CaseInsensitive'
    'Get-Verb' = 'Group'
    'Import-Module' = 'SkipEditionCheck UseWindowsPowerShell'
    'Import-PowerShellDataFile' = 'SkipLimitCheck'
    'Invoke-Command' = 'ConnectingTimeout HostName KeyFilePath Options RemoteDebug SSHConnection SSHTransport Subsystem UserName'
    'Invoke-RestMethod' = 'AllowInsecureRedirect AllowUnencryptedAuthentication Authentication ConnectionTimeoutSeconds CustomMethod FollowRelLink Form HttpVersion MaximumFollowRelLink MaximumRetryCount NoProxy OperationTimeoutSeconds PreserveAuthorizationOnRedirect PreserveHttpMethodOnRedirect ResponseHeadersVariable Resume RetryIntervalSec SkipCertificateCheck SkipHeaderValidation SkipHttpErrorCheck SslProtocol StatusCodeVariable Token UnixSocket'
    'Invoke-WebRequest' = 'AllowInsecureRedirect AllowUnencryptedAuthentication Authentication ConnectionTimeoutSeconds CustomMethod Form HttpVersion MaximumRetryCount NoProxy OperationTimeoutSeconds PreserveAuthorizationOnRedirect PreserveHttpMethodOnRedirect Resume RetryIntervalSec SkipCertificateCheck SkipHeaderValidation SkipHttpErrorCheck SslProtocol Token UnixSocket'
    'Join-Path' = 'AdditionalChildPath'
    'Measure-Object' = 'AllStats StandardDeviation'
    'New-Guid' = 'Empty InputObject'
    'New-ModuleManifest' = 'ExternalModuleDependencies Prerelease RequireLicenseAcceptance'
    'New-PSSession' = 'ConnectingTimeout HostName KeyFilePath Options SSHConnection SSHTransport Subsystem UserName UseWindowsPowerShell'
    'New-Service' = 'SecurityDescriptorSddl'
    'New-TimeSpan' = 'Milliseconds'
    'Out-String' = 'NoNewline'
    'Read-Host' = 'MaskInput'
    'Register-ArgumentCompleter' = 'NativeFallback'
    'Remove-PSBreakpoint' = 'Runspace'
    'Resolve-Path' = 'Force RelativeBasePath'
    'Save-Help' = 'Scope'
    'Select-Object' = 'CaseInsensitive SkipIndex'
    'Select-String' = 'Culture NoEmphasis Raw'
    'Send-MailMessage' = 'ReplyTo'
    'Set-Clipboard' = 'AsOSC52 PassThru'
    'Set-Content' = 'AsByteStream'
    'Set-PSBreakpoint' = 'Runspace'
    'Set-Service' = 'Credential Force SecurityDescriptorSddl'
    'Sort-Object' = 'Bottom Stable Top'
    'Split-Path' = 'Extension LeafBase'
    'Start-Job' = 'WorkingDirectory'
    'Start-Process' = 'Environment'
    'Start-Sleep' = 'Duration'
    'Tee-Object' = 'Encoding'
    'Test-Connection' = 'Detailed DontFragment IPv4 IPv6 MaxHops MtuSize Ping Repeat ResolveDestination TargetName TcpPort TimeoutSeconds Traceroute'
    'Update-Help' = 'Scope'
    'Wait-Process' = 'Any PassThru'
    'Where-Object' = 'Not'
}

# What to write instead of some of those parameters; the others get a general hint.
$ParameterHints = @{
    'ForEach-Object -Parallel' = 'use a plain `ForEach-Object`, or runspaces made with `[runspacefactory]` and `[powershell]::Create()`'
    'ForEach-Object -ThrottleLimit' = 'use a plain `ForEach-Object`'
    'ForEach-Object -AsJob' = 'use `Start-Job`'
    'ConvertFrom-Json -AsHashtable' = 'walk the PSCustomObject it returns (`.PSObject.Properties`)'
    'ConvertFrom-Json -Depth' = 'leave it out: 5.1 has no depth limit to raise'
    'ConvertTo-Json -EnumsAsStrings' = 'convert the enum values with `[string]` first'
    'ConvertTo-Json -AsArray' = 'use `ConvertTo-Json -InputObject @($items)`'
    'Get-Content -AsByteStream' = 'use `-Encoding Byte`, or `[IO.File]::ReadAllBytes()`'
    'Set-Content -AsByteStream' = 'use `-Encoding Byte`, or `[IO.File]::WriteAllBytes()`'
    'Add-Content -AsByteStream' = 'use `-Encoding Byte`'
    'Split-Path -Extension' = 'use `[IO.Path]::GetExtension()`'
    'Split-Path -LeafBase' = 'use `[IO.Path]::GetFileNameWithoutExtension()`'
    'Start-Process -Environment' = 'set `$env:NAME` before `Start-Process` and restore it after'
    'Invoke-WebRequest -SkipCertificateCheck' = 'use a `[Net.ServicePointManager]::ServerCertificateValidationCallback`'
    'Invoke-RestMethod -SkipCertificateCheck' = 'use a `[Net.ServicePointManager]::ServerCertificateValidationCallback`'
    'Out-String -NoNewline' = 'use `(... | Out-String).TrimEnd()`'
    'Sort-Object -Top' = 'use `Sort-Object | Select-Object -First N`'
    'Sort-Object -Bottom' = 'use `Sort-Object | Select-Object -Last N`'
    'Where-Object -Not' = 'use `Where-Object { -not $_.Name }`'
    'Start-Sleep -Duration' = 'use `-Milliseconds`'
    'Join-Path -AdditionalChildPath' = 'use nested `Join-Path` calls'
}

# Windows PowerShell 5.1's default aliases for the cmdlets above (PowerShell 7 on Linux lacks some).
$Aliases51 = @{
    '%' = 'ForEach-Object'; 'foreach' = 'ForEach-Object'; '?' = 'Where-Object'; 'where' = 'Where-Object'
    'select' = 'Select-Object'; 'sort' = 'Sort-Object'; 'gc' = 'Get-Content'; 'cat' = 'Get-Content'
    'type' = 'Get-Content'; 'sc' = 'Set-Content'; 'ac' = 'Add-Content'; 'iwr' = 'Invoke-WebRequest'
    'curl' = 'Invoke-WebRequest'; 'wget' = 'Invoke-WebRequest'; 'irm' = 'Invoke-RestMethod'
    'gcm' = 'Get-Command'; 'ipmo' = 'Import-Module'; 'gmo' = 'Get-Module'; 'saps' = 'Start-Process'
    'start' = 'Start-Process'; 'sleep' = 'Start-Sleep'; 'tee' = 'Tee-Object'; 'sls' = 'Select-String'
    'icm' = 'Invoke-Command'; 'etsn' = 'Enter-PSSession'; 'nsn' = 'New-PSSession'; 'sajb' = 'Start-Job'
    'gu' = 'Get-Unique'; 'measure' = 'Measure-Object'; 'fhx' = 'Format-Hex'; 'rvpa' = 'Resolve-Path'
    'ls' = 'Get-ChildItem'; 'dir' = 'Get-ChildItem'; 'gci' = 'Get-ChildItem'; 'epcsv' = 'Export-Csv'
    'cvpa' = 'Convert-Path'; 'gcb' = 'Get-Clipboard'; 'scb' = 'Set-Clipboard'; 'spps' = 'Stop-Process'
}

# The values 5.1's `-Encoding` takes (FileSystemCmdletProviderEncoding, and the ValidateSet of
# Export-Csv and the like). PowerShell 7's utf8NoBOM, utf8BOM, ansi and code page numbers are not.
$Encodings51 = @('Unknown', 'String', 'Unicode', 'BigEndianUnicode', 'UTF8', 'UTF7', 'UTF32',
    'ASCII', 'Default', 'OEM', 'Byte', 'BigEndianUTF32')

# Windows PowerShell 5.1's type accelerators (PowerShell-Docs, reference/5.1 about_Type_Accelerators),
# plus `ordered`, which its parser knows. PowerShell 7 added more ([uint], [semver], [short], ...).
$Accelerators51 = [System.Collections.Generic.Dictionary[string, string]]::new([StringComparer]::OrdinalIgnoreCase)
foreach ($pair in @(
        'adsi=System.DirectoryServices.DirectoryEntry', 'adsisearcher=System.DirectoryServices.DirectorySearcher',
        'Alias=System.Management.Automation.AliasAttribute',
        'AllowEmptyCollection=System.Management.Automation.AllowEmptyCollectionAttribute',
        'AllowEmptyString=System.Management.Automation.AllowEmptyStringAttribute',
        'AllowNull=System.Management.Automation.AllowNullAttribute',
        'ArgumentCompleter=System.Management.Automation.ArgumentCompleterAttribute', 'array=System.Array',
        'bigint=System.Numerics.BigInteger', 'bool=System.Boolean', 'byte=System.Byte', 'char=System.Char',
        'cimclass=Microsoft.Management.Infrastructure.CimClass',
        'cimconverter=Microsoft.Management.Infrastructure.CimConverter',
        'ciminstance=Microsoft.Management.Infrastructure.CimInstance',
        'CimSession=Microsoft.Management.Infrastructure.CimSession',
        'cimtype=Microsoft.Management.Infrastructure.CimType',
        'CmdletBinding=System.Management.Automation.CmdletBindingAttribute',
        'cultureinfo=System.Globalization.CultureInfo', 'datetime=System.DateTime', 'decimal=System.Decimal',
        'double=System.Double',
        'DscLocalConfigurationManager=System.Management.Automation.DscLocalConfigurationManagerAttribute',
        'DscProperty=System.Management.Automation.DscPropertyAttribute',
        'DscResource=System.Management.Automation.DscResourceAttribute', 'float=System.Single',
        'guid=System.Guid', 'hashtable=System.Collections.Hashtable',
        'initialsessionstate=System.Management.Automation.Runspaces.InitialSessionState', 'int=System.Int32',
        'int16=System.Int16', 'int32=System.Int32', 'int64=System.Int64', 'ipaddress=System.Net.IPAddress',
        'IPEndpoint=System.Net.IPEndPoint', 'long=System.Int64', 'mailaddress=System.Net.Mail.MailAddress',
        'NullString=System.Management.Automation.Language.NullString',
        'ObjectSecurity=System.Security.AccessControl.ObjectSecurity',
        'OutputType=System.Management.Automation.OutputTypeAttribute',
        'Parameter=System.Management.Automation.ParameterAttribute',
        'PhysicalAddress=System.Net.NetworkInformation.PhysicalAddress',
        'powershell=System.Management.Automation.PowerShell',
        'psaliasproperty=System.Management.Automation.PSAliasProperty',
        'pscredential=System.Management.Automation.PSCredential',
        'pscustomobject=System.Management.Automation.PSObject',
        'PSDefaultValue=System.Management.Automation.PSDefaultValueAttribute',
        'pslistmodifier=System.Management.Automation.PSListModifier',
        'psmoduleinfo=System.Management.Automation.PSModuleInfo',
        'psnoteproperty=System.Management.Automation.PSNoteProperty',
        'psobject=System.Management.Automation.PSObject',
        'psprimitivedictionary=System.Management.Automation.PSPrimitiveDictionary',
        'psscriptmethod=System.Management.Automation.PSScriptMethod',
        'psscriptproperty=System.Management.Automation.PSScriptProperty',
        'PSTypeNameAttribute=System.Management.Automation.PSTypeNameAttribute',
        'psvariable=System.Management.Automation.PSVariable',
        'psvariableproperty=System.Management.Automation.PSVariableProperty',
        'ref=System.Management.Automation.PSReference', 'regex=System.Text.RegularExpressions.Regex',
        'runspace=System.Management.Automation.Runspaces.Runspace',
        'runspacefactory=System.Management.Automation.Runspaces.RunspaceFactory', 'sbyte=System.SByte',
        'scriptblock=System.Management.Automation.ScriptBlock', 'securestring=System.Security.SecureString',
        'single=System.Single', 'string=System.String',
        'SupportsWildcards=System.Management.Automation.SupportsWildcardsAttribute',
        'switch=System.Management.Automation.SwitchParameter', 'timespan=System.TimeSpan', 'type=System.Type',
        'uint16=System.UInt16', 'uint32=System.UInt32', 'uint64=System.UInt64', 'uri=System.Uri',
        'ValidateCount=System.Management.Automation.ValidateCountAttribute',
        'ValidateDrive=System.Management.Automation.ValidateDriveAttribute',
        'ValidateLength=System.Management.Automation.ValidateLengthAttribute',
        'ValidateNotNull=System.Management.Automation.ValidateNotNullAttribute',
        'ValidateNotNullOrEmpty=System.Management.Automation.ValidateNotNullOrEmptyAttribute',
        'ValidatePattern=System.Management.Automation.ValidatePatternAttribute',
        'ValidateRange=System.Management.Automation.ValidateRangeAttribute',
        'ValidateScript=System.Management.Automation.ValidateScriptAttribute',
        'ValidateSet=System.Management.Automation.ValidateSetAttribute',
        'ValidateTrustedData=System.Management.Automation.ValidateTrustedDataAttribute',
        'ValidateUserDrive=System.Management.Automation.ValidateUserDriveAttribute', 'version=System.Version',
        'void=System.Void', 'WildcardPattern=System.Management.Automation.WildcardPattern',
        'wmi=System.Management.ManagementObject', 'wmiclass=System.Management.ManagementClass',
        'wmisearcher=System.Management.ManagementObjectSearcher',
        'X500DistinguishedName=System.Security.Cryptography.X509Certificates.X500DistinguishedName',
        'X509Certificate=System.Security.Cryptography.X509Certificates.X509Certificate',
        'xml=System.Xml.XmlDocument', 'ordered=System.Collections.Specialized.OrderedDictionary')) {
    $name, $full = $pair.Split('=')
    $Accelerators51[$name] = $full
}

# The .NET Framework 4.5 assemblies whose types a script may name without `Add-Type`: those that
# Windows PowerShell 5.1's own System.Management.Automation references (its accelerators name
# types of System.DirectoryServices, System.Management and System.Numerics). `Add-Type
# -AssemblyName NAME` in a script adds NAME.
$FrameworkAssemblies = @('mscorlib', 'System', 'System.Core', 'System.Numerics', 'System.Xml',
    'System.Data', 'System.Management', 'System.DirectoryServices', 'System.Configuration',
    'System.Transactions')

# Types and members of Windows PowerShell 5.1's System.Management.Automation that PowerShell
# Standard 5.1 leaves out (it holds only what PowerShell 6 kept too). Each entry says where the 5.1
# documentation shows it. `Type` allows a type; `Type::Member` one of its members. For example:
#     # https://learn.microsoft.com/dotnet/api/system.management.automation.foo?view=powershellsdk-1.1.0
#     'System.Management.Automation.Foo::Bar' = 'since 3.0'
# Everything the driver and syntax.ps1 use is in PowerShell Standard 5.1, so the list is empty.
$SmaAllowlist = @{
}

# Members PowerShell gives every object (3.0 and 4.0), which no reference assembly lists.
$IntrinsicMembers = @('Count', 'Length', 'ForEach', 'Where', 'PSObject', 'PSBase', 'PSAdapted',
    'PSExtended', 'PSTypeNames')

# Types whose instances PowerShell adapts, so that any name may be a key, an element or a
# property: no member on them can be checked.
$AdaptedTypes = @('System.Collections.IDictionary', 'System.Xml.XmlNode',
    'System.Management.Automation.PSObject', 'System.Data.DataRow',
    'System.Management.ManagementBaseObject', 'System.DirectoryServices.DirectoryEntry')

# ------------------------------------------------------------------------------------------------
# Reference assemblies

$NetPackage = 'Microsoft.NETFramework.ReferenceAssemblies.net45'
$NetVersion = '1.0.2'
$SmaPackage = 'PowerShellStandard.Library'
$SmaVersion = '5.1.1'

function Stop-Scan([string]$message) {
    [Console]::Error.WriteLine("ps51 scan: $message")
    exit 2
}

# Restores the two packages into $CacheDir with a throwaway project that only downloads them.
function Restore-Reference {
    if ($null -eq (Get-Command dotnet -CommandType Application -ErrorAction Ignore)) {
        Stop-Scan ("the .NET Framework 4.5 reference assemblies are not in $CacheDir and ``dotnet`` is " +
            'not on PATH to restore them: install the .NET SDK, or restore the NuGet packages ' +
            "$NetPackage $NetVersion and $SmaPackage $SmaVersion into $CacheDir")
    }
    $major = ((& dotnet --version) -split '\.')[0]
    $work = Join-Path ([IO.Path]::GetTempPath()) ("tejun-ps51-restore-" + [guid]::NewGuid().ToString('n'))
    $null = New-Item -ItemType Directory -Path $work
    try {
        $project = Join-Path $work 'restore.csproj'
        Set-Content -LiteralPath $project -Value @"
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net$major.0</TargetFramework></PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="$NetPackage" Version="[$NetVersion]" />
    <PackageDownload Include="$SmaPackage" Version="[$SmaVersion]" />
  </ItemGroup>
</Project>
"@
        $said = & dotnet restore $project --packages $CacheDir --nologo 2>&1 | Out-String
        if ($LASTEXITCODE -ne 0) {
            Stop-Scan ("could not restore $NetPackage $NetVersion and $SmaPackage $SmaVersion into " +
                "${CacheDir}: the check needs them from the NuGet registry once (then they are cached). " +
                "Make the folder writable or set TEJUN_NET45_CACHE to another one.`n$said")
        }
    } finally {
        Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
    }
}

$NetDir = Join-Path $CacheDir "$($NetPackage.ToLowerInvariant())/$NetVersion/build/.NETFramework/v4.5"
$SmaDll = Join-Path $CacheDir "$($SmaPackage.ToLowerInvariant())/$SmaVersion/lib/net452/System.Management.Automation.dll"
if (-not (Test-Path -LiteralPath (Join-Path $NetDir 'mscorlib.dll')) -or -not (Test-Path -LiteralPath $SmaDll)) {
    Restore-Reference
}

# Every public type by full name (nested types as `Outer+Inner`, generic ones as ``List`1``):
# an array of the metadata reader, the type's handle, whether it is PowerShell's own (SMA), and
# its members once looked up.
$Types = [System.Collections.Generic.Dictionary[string, object]]::new([StringComparer]::OrdinalIgnoreCase)
$LoadedAssemblies = [System.Collections.Generic.HashSet[string]]::new([StringComparer]::OrdinalIgnoreCase)

function Get-TypeDefName($md, [System.Reflection.Metadata.TypeDefinitionHandle]$handle) {
    $def = $md.GetTypeDefinition($handle)
    $outer = $def.GetDeclaringType()
    if (-not $outer.IsNil) { return (Get-TypeDefName $md $outer) + '+' + $md.GetString($def.Name) }
    $ns = $md.GetString($def.Namespace)
    if ($ns) { return $ns + '.' + $md.GetString($def.Name) }
    $md.GetString($def.Name)
}

function Test-PublicType($md, [System.Reflection.Metadata.TypeDefinitionHandle]$handle) {
    $def = $md.GetTypeDefinition($handle)
    $visibility = [int]($def.Attributes -band [System.Reflection.TypeAttributes]::VisibilityMask)
    $outer = $def.GetDeclaringType()
    if ($outer.IsNil) { return $visibility -eq 1 }
    ($visibility -eq 2) -and (Test-PublicType $md $outer)
}

function Add-Assembly([string]$file, [bool]$sma) {
    if (-not $LoadedAssemblies.Add($file)) { return }
    $pe = [System.Reflection.PortableExecutable.PEReader]::new([IO.File]::OpenRead($file))
    $md = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
    foreach ($handle in $md.TypeDefinitions) {
        $def = $md.GetTypeDefinition($handle)
        $visibility = [int]$def.Attributes -band 7
        if ($visibility -eq 1) {
            $name = $md.GetString($def.Name)
            $ns = $md.GetString($def.Namespace)
            if ($ns) { $name = "$ns.$name" }
        } elseif ($visibility -eq 2 -and (Test-PublicType $md $handle)) {
            $name = Get-TypeDefName $md $handle
        } else { continue }
        if (-not $Types.ContainsKey($name)) { $Types[$name] = @($md, $handle, $sma, $null) }
    }
}

foreach ($assembly in $FrameworkAssemblies) { Add-Assembly (Join-Path $NetDir "$assembly.dll") $false }
Add-Assembly $SmaDll $true

# ------------------------------------------------------------------------------------------------
# Signatures (ECMA-335 II.23.2), read from the blob bytes

$PrimitiveTypes = @{
    0x01 = 'System.Void'; 0x02 = 'System.Boolean'; 0x03 = 'System.Char'; 0x04 = 'System.SByte'
    0x05 = 'System.Byte'; 0x06 = 'System.Int16'; 0x07 = 'System.UInt16'; 0x08 = 'System.Int32'
    0x09 = 'System.UInt32'; 0x0a = 'System.Int64'; 0x0b = 'System.UInt64'; 0x0c = 'System.Single'
    0x0d = 'System.Double'; 0x0e = 'System.String'; 0x16 = 'System.TypedReference'
    0x18 = 'System.IntPtr'; 0x19 = 'System.UIntPtr'; 0x1c = 'System.Object'
}

function Read-Compressed($sig) {
    $b = [int]$sig.Bytes[$sig.At]
    if (($b -band 0x80) -eq 0) { $sig.At += 1; return $b }
    if (($b -band 0xC0) -eq 0x80) {
        $value = (($b -band 0x3F) -shl 8) -bor $sig.Bytes[$sig.At + 1]
        $sig.At += 2
        return $value
    }
    $value = (($b -band 0x1F) -shl 24) -bor ([int]$sig.Bytes[$sig.At + 1] -shl 16) -bor
        ([int]$sig.Bytes[$sig.At + 2] -shl 8) -bor $sig.Bytes[$sig.At + 3]
    $sig.At += 4
    $value
}

# The name of a TypeDef, TypeRef or TypeSpec handle; `?` when it is no plain type.
function Get-HandleName($md, [System.Reflection.Metadata.EntityHandle]$handle) {
    switch ($handle.Kind) {
        'TypeDefinition' { return Get-TypeDefName $md ([System.Reflection.Metadata.TypeDefinitionHandle]$handle) }
        'TypeReference' {
            $ref = $md.GetTypeReference([System.Reflection.Metadata.TypeReferenceHandle]$handle)
            $name = $md.GetString($ref.Name)
            if ($ref.ResolutionScope.Kind -eq 'TypeReference') { return (Get-HandleName $md $ref.ResolutionScope) + '+' + $name }
            $ns = $md.GetString($ref.Namespace)
            if ($ns) { return "$ns.$name" }
            return $name
        }
        'TypeSpecification' {
            $spec = $md.GetTypeSpecification([System.Reflection.Metadata.TypeSpecificationHandle]$handle)
            return Read-SigType $md @{ Bytes = $md.GetBlobBytes($spec.Signature); At = 0 }
        }
    }
    '?'
}

function Get-CodedName($md, [int]$coded) {
    $row = $coded -shr 2
    switch ($coded -band 3) {
        0 { return Get-HandleName $md ([System.Reflection.Metadata.EntityHandle][System.Reflection.Metadata.Ecma335.MetadataTokens]::TypeDefinitionHandle($row)) }
        1 { return Get-HandleName $md ([System.Reflection.Metadata.EntityHandle][System.Reflection.Metadata.Ecma335.MetadataTokens]::TypeReferenceHandle($row)) }
        2 { return Get-HandleName $md ([System.Reflection.Metadata.EntityHandle][System.Reflection.Metadata.Ecma335.MetadataTokens]::TypeSpecificationHandle($row)) }
    }
    '?'
}

# Reads one type and returns its name: `System.Byte[]` for an array, the generic type's own name
# (``List`1``) for an instance of it, `?` for a type parameter, a pointer and the like.
function Read-SigType($md, $sig) {
    while ($true) {
        $code = [int]$sig.Bytes[$sig.At]
        $sig.At += 1
        if ($code -eq 0x1f -or $code -eq 0x20) { $null = Read-Compressed $sig; continue }
        if ($code -eq 0x10 -or $code -eq 0x45) { continue }
        break
    }
    if ($PrimitiveTypes.ContainsKey($code)) { return $PrimitiveTypes[$code] }
    switch ($code) {
        { $_ -eq 0x11 -or $_ -eq 0x12 } { return Get-CodedName $md (Read-Compressed $sig) }
        0x15 {
            $sig.At += 1
            $name = Get-CodedName $md (Read-Compressed $sig)
            $count = Read-Compressed $sig
            for ($i = 0; $i -lt $count; $i++) { $null = Read-SigType $md $sig }
            return $name
        }
        0x1d {
            $element = Read-SigType $md $sig
            if ($element -eq '?') { return '?' }
            return "$element[]"
        }
        0x14 {
            $null = Read-SigType $md $sig
            $null = Read-Compressed $sig
            $sizes = Read-Compressed $sig
            for ($i = 0; $i -lt $sizes; $i++) { $null = Read-Compressed $sig }
            $bounds = Read-Compressed $sig
            for ($i = 0; $i -lt $bounds; $i++) { $null = Read-Compressed $sig }
            return 'System.Array'
        }
        { $_ -eq 0x13 -or $_ -eq 0x1e } { $null = Read-Compressed $sig; return '?' }
        0x0f { $null = Read-SigType $md $sig; return '?' }
    }
    # A function pointer or something rarer: the rest of this signature cannot be read.
    $sig.Broken = $true
    '?'
}

# A method's parameter types and return type from its signature blob.
function Read-MethodSig($md, $blob) {
    $sig = @{ Bytes = $md.GetBlobBytes($blob); At = 0; Broken = $false }
    $header = [int]$sig.Bytes[0]
    $sig.At = 1
    if ($header -band 0x10) { $null = Read-Compressed $sig }
    $count = Read-Compressed $sig
    $returns = Read-SigType $md $sig
    $params = [System.Collections.Generic.List[string]]::new()
    for ($i = 0; $i -lt $count; $i++) {
        if ($sig.Broken) { $params.Add('?'); continue }
        $params.Add((Read-SigType $md $sig))
    }
    @{ Returns = $returns; Params = $params }
}

function Get-AttributeTypeName($md, $attributeHandle) {
    $ctor = $md.GetCustomAttribute($attributeHandle).Constructor
    if ($ctor.Kind -eq 'MemberReference') {
        return Get-HandleName $md $md.GetMemberReference([System.Reflection.Metadata.MemberReferenceHandle]$ctor).Parent
    }
    if ($ctor.Kind -eq 'MethodDefinition') {
        $declaring = $md.GetMethodDefinition([System.Reflection.Metadata.MethodDefinitionHandle]$ctor).GetDeclaringType()
        return Get-TypeDefName $md $declaring
    }
    '?'
}

function New-Member([string]$name, [string]$kind, [bool]$static, [string]$type, $params, [int]$required, [bool]$paramArray) {
    [pscustomobject]@{
        Name = $name; Kind = $kind; Static = $static; Type = $type
        Params = $params; Required = $required; ParamArray = $paramArray
    }
}

# The public members a type declares (not inherited) by name: each a kind and a handle, whose
# signature is read only when a script uses that name (Get-DeclaredMember).
function Get-MemberHandles([string]$typeName) {
    $entry = $Types[$typeName]
    if ($null -ne $entry[3]) { return $entry[3] }
    $md = $entry[0]
    $def = $md.GetTypeDefinition($entry[1])
    $members = [System.Collections.Generic.Dictionary[string, object]]::new([StringComparer]::OrdinalIgnoreCase)
    $add = {
        param([string]$name, [string]$kind, $handle)
        if (-not $members.ContainsKey($name)) { $members[$name] = [System.Collections.Generic.List[object]]::new() }
        $members[$name].Add(@($kind, $handle))
    }
    foreach ($handle in $def.GetMethods()) {
        $method = $md.GetMethodDefinition($handle)
        if (([int]$method.Attributes -band 7) -ne 6) { continue }
        & $add $md.GetString($method.Name) 'Method' $handle
    }
    foreach ($handle in $def.GetProperties()) {
        $property = $md.GetPropertyDefinition($handle)
        & $add $md.GetString($property.Name) 'Property' $handle
    }
    foreach ($handle in $def.GetFields()) {
        $field = $md.GetFieldDefinition($handle)
        if (([int]$field.Attributes -band 7) -ne 6) { continue }
        & $add $md.GetString($field.Name) 'Field' $handle
    }
    foreach ($handle in $def.GetEvents()) {
        & $add $md.GetString($md.GetEventDefinition($handle).Name) 'Event' $handle
    }
    $entry[3] = $members
    $members
}

$DeclaredMembers = [System.Collections.Generic.Dictionary[string, object]]::new([StringComparer]::OrdinalIgnoreCase)

# The public members named $name that a type declares (`.ctor` for its constructors), read once.
function Get-DeclaredMember([string]$typeName, [string]$name) {
    $key = "$typeName::$name"
    if ($DeclaredMembers.ContainsKey($key)) { return , $DeclaredMembers[$key] }
    $found = [System.Collections.Generic.List[object]]::new()
    $DeclaredMembers[$key] = $found
    $handles = Get-MemberHandles $typeName
    if (-not $handles.ContainsKey($name)) { return , $found }
    $md = $Types[$typeName][0]
    foreach ($item in $handles[$name]) {
        $kind, $handle = $item
        switch ($kind) {
            'Method' {
                $method = $md.GetMethodDefinition($handle)
                $sig = Read-MethodSig $md $method.Signature
                $required = 0
                $paramArray = $false
                $parameters = @(foreach ($ph in $method.GetParameters()) { $param = $md.GetParameter($ph); if ($param.SequenceNumber -gt 0) { $param } })
                foreach ($param in $parameters) {
                    if (([int]$param.Attributes -band 0x1010) -eq 0) { $required = $param.SequenceNumber }
                }
                # Only the last parameter can be a params array, and then it is not required.
                if ($parameters.Count -gt 0 -and $parameters[-1].SequenceNumber -eq $sig.Params.Count) {
                    foreach ($ah in $parameters[-1].GetCustomAttributes()) {
                        if ((Get-AttributeTypeName $md $ah) -eq 'System.ParamArrayAttribute') {
                            $paramArray = $true
                            if ($required -eq $sig.Params.Count) { $required-- }
                        }
                    }
                }
                $kindName = 'Method'
                if ($name -eq '.ctor') { $kindName = 'Constructor' }
                $found.Add((New-Member $name $kindName (([int]$method.Attributes -band 0x10) -ne 0) $sig.Returns $sig.Params $required $paramArray))
            }
            'Property' {
                $property = $md.GetPropertyDefinition($handle)
                $accessors = $property.GetAccessors()
                $public = $false
                $static = $false
                foreach ($accessor in @($accessors.Getter, $accessors.Setter)) {
                    if ($accessor.IsNil) { continue }
                    $attributes = [int]$md.GetMethodDefinition($accessor).Attributes
                    if (($attributes -band 7) -eq 6) { $public = $true }
                    $static = ($attributes -band 0x10) -ne 0
                }
                if (-not $public) { continue }
                $sig = @{ Bytes = $md.GetBlobBytes($property.Signature); At = 1; Broken = $false }
                $count = Read-Compressed $sig
                $found.Add((New-Member $name 'Property' $static (Read-SigType $md $sig) $null $count $false))
            }
            'Field' {
                $field = $md.GetFieldDefinition($handle)
                $sig = @{ Bytes = $md.GetBlobBytes($field.Signature); At = 1; Broken = $false }
                $found.Add((New-Member $name 'Field' (([int]$field.Attributes -band 0x10) -ne 0) (Read-SigType $md $sig) $null 0 $false))
            }
            'Event' {
                $adder = $md.GetMethodDefinition($md.GetEventDefinition($handle).GetAccessors().Adder)
                if (([int]$adder.Attributes -band 7) -ne 6) { continue }
                $found.Add((New-Member $name 'Event' (([int]$adder.Attributes -band 0x10) -ne 0) '?' $null 0 $false))
            }
        }
    }
    , $found
}

function Get-BaseTypeName([string]$typeName) {
    $entry = $Types[$typeName]
    $def = $entry[0].GetTypeDefinition($entry[1])
    if ($def.BaseType.IsNil) { return $null }
    Get-HandleName $entry[0] $def.BaseType
}

function Get-InterfaceNames([string]$typeName) {
    $entry = $Types[$typeName]
    $md = $entry[0]
    foreach ($handle in $md.GetTypeDefinition($entry[1]).GetInterfaceImplementations()) {
        Get-HandleName $md $md.GetInterfaceImplementation($handle).Interface
    }
}

# The type and the types it inherits from, then (for instance members) every interface of them.
$TypeChains = [System.Collections.Generic.Dictionary[string, object]]::new([StringComparer]::OrdinalIgnoreCase)

function Get-TypeChain([string]$typeName, [bool]$interfaces) {
    $key = "$typeName|$interfaces"
    if (-not $TypeChains.ContainsKey($key)) { $TypeChains[$key] = Get-TypeChainUncached $typeName $interfaces }
    , $TypeChains[$key]
}

function Get-TypeChainUncached([string]$typeName, [bool]$interfaces) {
    $chain = [System.Collections.Generic.List[string]]::new()
    $name = $typeName
    while ($null -ne $name -and $Types.ContainsKey($name) -and -not $chain.Contains($name)) {
        $chain.Add($name)
        $name = Get-BaseTypeName $name
    }
    if ($interfaces) {
        for ($i = 0; $i -lt $chain.Count; $i++) {
            foreach ($interface in @(Get-InterfaceNames $chain[$i])) {
                if ($Types.ContainsKey($interface) -and -not $chain.Contains($interface)) { $chain.Add($interface) }
            }
        }
    }
    , $chain
}

function Test-Adapted([string]$typeName) {
    foreach ($name in (Get-TypeChain $typeName $true)) {
        if ($AdaptedTypes -contains $name) { return $true }
    }
    $false
}

# Whether a value of type $from reaches a parameter of type $to without conversion.
function Test-Assignable([string]$from, [string]$to) {
    if ($to -eq '?' -or $to -eq 'System.Object' -or $from -eq $to) { return $true }
    if ($to.Contains('`')) { return $true }
    if ($from.EndsWith('[]')) { return $to -eq 'System.Array' -or $to -eq 'System.Collections.IEnumerable' -or $to -eq 'System.Collections.IList' }
    (Get-TypeChain $from $true).Contains($to)
}

# ------------------------------------------------------------------------------------------------
# Findings

$Findings = [System.Collections.Generic.List[object]]::new()
$Seen = [System.Collections.Generic.HashSet[string]]::new()
# Where a type name or a member was found in the reference, so the summary can say how much was
# checked (a scan that checked nothing would pass too).
$CheckedTypes = [System.Collections.Generic.HashSet[string]]::new()
$CheckedMembers = [System.Collections.Generic.HashSet[string]]::new()

function Add-Checked($set, $extent) {
    $null = $set.Add("$($Unit.File):$($extent.StartLineNumber + $Unit.LineOffset):$($extent.StartColumnNumber)")
}
$Unit = $null  # the code being scanned: File, LineOffset, UsingNamespaces, typing state

function Add-Finding($extent, [string]$id, [string]$what, [string]$instead) {
    $line = $extent.StartLineNumber + $Unit.LineOffset
    $column = $extent.StartColumnNumber
    if (-not $Seen.Add("$($Unit.File):${line}:${column}:$id")) { return }
    $Findings.Add([pscustomobject]@{ File = $Unit.File; Line = $line; Column = $column; Text = "[$id] $what — $instead" })
}

# ------------------------------------------------------------------------------------------------
# Types

$SmaHint = 'if Windows PowerShell 5.1 has it, check it against the 5.1 API documentation and add it to $SmaAllowlist in runtime/tests/ps51/scan.ps1'
$NetHint = 'use what .NET Framework 4.5 has (Windows PowerShell 5.1 runs on .NET Framework 4.5 and later)'

function Test-SmaName([string]$name) {
    $name.StartsWith('System.Management.Automation', [StringComparison]::OrdinalIgnoreCase) -or
    $name.StartsWith('Microsoft.PowerShell', [StringComparison]::OrdinalIgnoreCase)
}

# The full name a type name resolves to in Windows PowerShell 5.1, or $null.
function Resolve-TypeName([string]$name) {
    if ($Accelerators51.ContainsKey($name)) { return $Accelerators51[$name] }
    if ($Types.ContainsKey($name) -or $SmaAllowlist.ContainsKey($name)) { return $name }
    foreach ($prefix in @('System.') + @(foreach ($ns in $Unit.UsingNamespaces) { "$ns." })) {
        if ($Types.ContainsKey("$prefix$name") -or $SmaAllowlist.ContainsKey("$prefix$name")) { return "$prefix$name" }
    }
    $null
}

# Checks a type name (ITypeName) and returns the full name it resolves to ('System.Int32',
# 'System.Char[]', ``System.Collections.Generic.List`1``), or $null when it does not.
function Test-TypeName($typeName, $extent, [bool]$attribute = $false) {
    if ($typeName -is [System.Management.Automation.Language.ArrayTypeName]) {
        $element = Test-TypeName $typeName.ElementType $extent
        if ($null -eq $element -or $typeName.Rank -ne 1) { return $null }
        return "$element[]"
    }
    if ($typeName -is [System.Management.Automation.Language.GenericTypeName]) {
        foreach ($argument in $typeName.GenericArguments) { $null = Test-TypeName $argument $extent }
        $arity = $typeName.GenericArguments.Count
        $written = $typeName.TypeName.FullName
        $resolved = Resolve-TypeName "$written``$arity"
        if ($null -ne $resolved) { Add-Checked $CheckedTypes $extent }
        if ($null -eq $resolved) {
            Add-Finding $extent 'type-missing' "the generic type ``$written`` with $arity type arguments is not in .NET Framework 4.5" $NetHint
        }
        return $resolved
    }
    $written = $typeName.FullName
    $resolved = Resolve-TypeName $written
    if ($null -eq $resolved -and $attribute) { $resolved = Resolve-TypeName "${written}Attribute" }
    if ($null -ne $resolved) { Add-Checked $CheckedTypes $extent; return $resolved }
    $runtime = $null
    try { $runtime = $typeName.GetReflectionType() } catch { }
    $full = $written
    $also = ''
    if ($null -ne $runtime) {
        $full = $runtime.FullName
        if ($full -ne $written) { $also = " (PowerShell 7 resolves it to ``$full``)" }
    }
    if (Test-SmaName $full) {
        Add-Finding $extent 'type-missing' "the type ``$written``$also is not in Windows PowerShell 5.1's API as PowerShell Standard 5.1 has it" $SmaHint
    } else {
        Add-Finding $extent 'type-missing' "the type ``$written``$also is not in .NET Framework 4.5" $NetHint
    }
    $null
}

# A variable's name without its scope (`$script:x` is `x`).
function Get-VariableName($variable) {
    $variable.VariablePath.UserPath -replace '^(global|script|local|private|using):', ''
}

# ------------------------------------------------------------------------------------------------
# Static typing of expressions, and members

# The type of an expression when it is known statically, else $null.
function Get-ExpressionType($ast) {
    switch ($ast) {
        { $_ -is [System.Management.Automation.Language.ParenExpressionAst] } {
            $pipeline = $ast.Pipeline
            if ($pipeline -is [System.Management.Automation.Language.PipelineAst] -and $pipeline.PipelineElements.Count -eq 1 -and
                $pipeline.PipelineElements[0] -is [System.Management.Automation.Language.CommandExpressionAst]) {
                return Get-ExpressionType $pipeline.PipelineElements[0].Expression
            }
            return $null
        }
        { $_ -is [System.Management.Automation.Language.StringConstantExpressionAst] -or
            $_ -is [System.Management.Automation.Language.ExpandableStringExpressionAst] } { return 'System.String' }
        { $_ -is [System.Management.Automation.Language.ConstantExpressionAst] } { return $ast.StaticType.FullName }
        { $_ -is [System.Management.Automation.Language.ConvertExpressionAst] } {
            if ($ast.Type.TypeName.FullName -eq 'ref') { return $null }
            return Test-TypeName $ast.Type.TypeName $ast.Type.Extent
        }
        { $_ -is [System.Management.Automation.Language.TypeExpressionAst] } { return 'System.Type' }
        { $_ -is [System.Management.Automation.Language.MemberExpressionAst] } { return Test-Member $ast }
        { $_ -is [System.Management.Automation.Language.VariableExpressionAst] } { return Get-VariableType $ast }
        { $_ -is [System.Management.Automation.Language.ScriptBlockExpressionAst] } { return 'System.Management.Automation.ScriptBlock' }
        { $_ -is [System.Management.Automation.Language.HashtableAst] } { return 'System.Collections.Hashtable' }
        { $_ -is [System.Management.Automation.Language.ArrayExpressionAst] -or
            $_ -is [System.Management.Automation.Language.ArrayLiteralAst] } { return 'System.Object[]' }
    }
    $null
}

# A variable's type: the type of the parameter of that name in the enclosing script block or
# function, else the one type that every assignment to it in the code gives (assignments of $null
# aside), else $null.
function Get-VariableType($ast) {
    if ($ast.VariablePath.IsDriveQualified) { return $null }
    $name = (Get-VariableName $ast)
    if ($name -eq 'true' -or $name -eq 'false') { return 'System.Boolean' }
    for ($node = $ast.Parent; $null -ne $node; $node = $node.Parent) {
        $parameters = $null
        if ($node -is [System.Management.Automation.Language.FunctionDefinitionAst]) { $parameters = $node.Parameters }
        if ($null -eq $parameters -and $node -is [System.Management.Automation.Language.ScriptBlockAst] -and $null -ne $node.ParamBlock) {
            $parameters = $node.ParamBlock.Parameters
        }
        foreach ($parameter in @($parameters)) {
            if ($null -eq $parameter -or (Get-VariableName $parameter.Name) -ne $name) { continue }
            foreach ($attribute in $parameter.Attributes) {
                if ($attribute -is [System.Management.Automation.Language.TypeConstraintAst]) {
                    return Test-TypeName $attribute.TypeName $attribute.Extent
                }
            }
            return $null
        }
    }
    $typing = $Unit.Variables
    if ($typing.Blocked.Contains($name) -or -not $typing.Assigned.ContainsKey($name)) { return $null }
    if ($typing.Known.ContainsKey($name)) { return $typing.Known[$name] }
    if (-not $typing.Busy.Add($name)) { return $null }
    $type = $null
    foreach ($value in $typing.Assigned[$name]) {
        if ($value -is [System.Management.Automation.Language.VariableExpressionAst] -and $value.VariablePath.UserPath -eq 'null') { continue }
        $valueType = $null
        if ($null -ne $value) { $valueType = Get-ExpressionType $value }
        if ($null -eq $valueType -or ($null -ne $type -and $type -ne $valueType)) { $type = $null; break }
        $type = $valueType
    }
    $null = $typing.Busy.Remove($name)
    $typing.Known[$name] = $type
    $type
}

# Collects, for the code in $ast, every assignment to each variable, and the variables that are
# set in ways the typing cannot follow (parameters, foreach, [ref], -OutVariable, compound
# assignment, several at once), or whose type the script tests with `-is` (so it varies).
function Get-VariableTyping($ast) {
    $comparer = [StringComparer]::OrdinalIgnoreCase
    $typing = @{
        Assigned = [System.Collections.Generic.Dictionary[string, object]]::new($comparer)
        Blocked = [System.Collections.Generic.HashSet[string]]::new($comparer)
        Known = [System.Collections.Generic.Dictionary[string, object]]::new($comparer)
        Busy = [System.Collections.Generic.HashSet[string]]::new($comparer)
    }
    foreach ($automatic in @('_', 'PSItem', 'args', 'input', 'this', 'Matches', 'Error', 'LASTEXITCODE', 'null', 'PSBoundParameters', 'MyInvocation', 'Host', 'ExecutionContext', 'PSCmdlet', 'Event', 'EventArgs', 'Sender')) {
        $null = $typing.Blocked.Add($automatic)
    }
    $block = { param($variable) if ($variable -is [System.Management.Automation.Language.VariableExpressionAst]) { $null = $typing.Blocked.Add((Get-VariableName $variable)) } }
    foreach ($node in $ast.FindAll({ $true }, $true)) {
        if ($node -is [System.Management.Automation.Language.AssignmentStatementAst]) {
            $left = $node.Left
            $value = $null
            if ($left -is [System.Management.Automation.Language.ConvertExpressionAst] -and $left.Child -is [System.Management.Automation.Language.VariableExpressionAst]) {
                $value = $left
                $left = $left.Child
            } elseif ($node.Right -is [System.Management.Automation.Language.CommandExpressionAst]) {
                $value = $node.Right.Expression
            }
            if ($left -is [System.Management.Automation.Language.VariableExpressionAst]) {
                if ($node.Operator -ne [System.Management.Automation.Language.TokenKind]::Equals) { & $block $left; continue }
                $name = (Get-VariableName $left)
                if (-not $typing.Assigned.ContainsKey($name)) { $typing.Assigned[$name] = [System.Collections.Generic.List[object]]::new() }
                $typing.Assigned[$name].Add($value)
            } elseif ($left -is [System.Management.Automation.Language.ArrayLiteralAst]) {
                foreach ($element in $left.Elements) { & $block $element }
            }
        } elseif ($node -is [System.Management.Automation.Language.ParameterAst]) {
            & $block $node.Name
        } elseif ($node -is [System.Management.Automation.Language.BinaryExpressionAst] -and
            $node.Operator -in @([System.Management.Automation.Language.TokenKind]::Is, [System.Management.Automation.Language.TokenKind]::IsNot)) {
            # The script itself says the value may be of several types.
            & $block $node.Left
        } elseif ($node -is [System.Management.Automation.Language.ForEachStatementAst]) {
            & $block $node.Variable
        } elseif ($node -is [System.Management.Automation.Language.ConvertExpressionAst] -and $node.Type.TypeName.FullName -eq 'ref') {
            & $block $node.Child
        } elseif ($node -is [System.Management.Automation.Language.UnaryExpressionAst] -and $node.Child -is [System.Management.Automation.Language.VariableExpressionAst] -and
            [string]$node.TokenKind -in @('PlusPlus', 'MinusMinus', 'PostfixPlusPlus', 'PostfixMinusMinus')) {
            & $block $node.Child
        } elseif ($node -is [System.Management.Automation.Language.CommandAst]) {
            $elements = $node.CommandElements
            for ($i = 0; $i -lt $elements.Count; $i++) {
                $element = $elements[$i]
                if ($element -isnot [System.Management.Automation.Language.CommandParameterAst]) { continue }
                if ($element.ParameterName -notmatch '^(OutVariable|ov|ErrorVariable|ev|WarningVariable|wv|InformationVariable|iv|PipelineVariable|pv|Variable|Name)$') { continue }
                $argument = $element.Argument
                if ($null -eq $argument -and $i + 1 -lt $elements.Count) { $argument = $elements[$i + 1] }
                if ($argument -is [System.Management.Automation.Language.StringConstantExpressionAst]) {
                    $null = $typing.Blocked.Add($argument.Value.TrimStart('+'))
                }
            }
        }
    }
    $typing
}

# Finds the members of $typeName (and what it inherits) named $name: on the type and its base
# types, else (for an instance member) on the interfaces they implement.
function Find-Member([string]$typeName, [string]$name, [bool]$static) {
    $found = [System.Collections.Generic.List[object]]::new()
    $classes = Get-TypeChain $typeName $false
    foreach ($type in (Get-TypeChain $typeName (-not $static))) {
        if ($found.Count -gt 0 -and -not $classes.Contains($type)) { break }
        foreach ($member in (Get-DeclaredMember $type $name)) {
            if ($member.Static -eq $static -and $member.Kind -ne 'Constructor') { $found.Add($member) }
        }
    }
    , $found
}

function Test-Arity($member, [int]$count) {
    if ($null -eq $member.Params) { return $false }
    if ($count -lt $member.Required) { return $false }
    $member.ParamArray -or $count -le $member.Params.Count
}

# Whether an overload of .NET Framework 4.5 takes arguments of these types as they are.
function Test-OverloadTakes($member, [string[]]$argumentTypes) {
    for ($i = 0; $i -lt $argumentTypes.Count; $i++) {
        $last = $member.Params.Count - 1
        if ($i -lt $last -or (-not $member.ParamArray -and $i -eq $last)) {
            if (-not (Test-Assignable $argumentTypes[$i] $member.Params[$i])) { return $false }
            continue
        }
        if ($i -gt $last) {
            $element = $member.Params[$last] -replace '\[\]$', ''
            if (-not (Test-Assignable $argumentTypes[$i] $element)) { return $false }
            continue
        }
        # The params array itself, or its first element.
        $element = $member.Params[$last] -replace '\[\]$', ''
        if (-not (Test-Assignable $argumentTypes[$i] $member.Params[$last]) -and -not (Test-Assignable $argumentTypes[$i] $element)) { return $false }
    }
    $true
}

# The overload that .NET (PowerShell 7's runtime) has for exactly these argument types, as text,
# or $null when it has none.
function Find-RuntimeOverload([string]$typeName, [string]$name, [bool]$static, [string[]]$argumentTypes) {
    $runtime = $typeName -as [type]
    if ($null -eq $runtime) { return $null }
    if ($name -eq 'new') { $candidates = $runtime.GetConstructors() }
    else {
        $flags = [System.Reflection.BindingFlags]'Public, FlattenHierarchy'
        if ($static) { $flags = $flags -bor [System.Reflection.BindingFlags]::Static } else { $flags = $flags -bor [System.Reflection.BindingFlags]::Instance }
        $candidates = $runtime.GetMethods($flags).Where({ $_.Name -eq $name })
    }
    foreach ($candidate in $candidates) {
        if ($candidate.ContainsGenericParameters) { continue }
        $parameters = $candidate.GetParameters()
        if ($parameters.Count -lt $argumentTypes.Count) { continue }
        $exact = $true
        for ($i = 0; $i -lt $parameters.Count; $i++) {
            if ($i -lt $argumentTypes.Count) {
                if ($parameters[$i].ParameterType.FullName -ne $argumentTypes[$i]) { $exact = $false; break }
            } elseif (-not $parameters[$i].IsOptional) { $exact = $false; break }
        }
        if ($exact) { return '(' + ($parameters.ParameterType.Name -join ', ') + ')' }
    }
    $null
}

$MemberTypes = [System.Collections.Generic.Dictionary[object, object]]::new()

# A member's declared type, unless it says nothing (`object`, a type parameter).
function Get-UsefulType([string]$type) {
    if ($type -eq '?' -or $type -eq 'System.Object' -or $type -eq 'System.Void') { return $null }
    $type
}

# Checks a member access or call whose target type is known, and returns the member's type.
function Test-Member($ast) {
    if ($MemberTypes.ContainsKey($ast)) { return $MemberTypes[$ast] }
    $MemberTypes[$ast] = $null
    $result = Test-MemberUncached $ast
    $MemberTypes[$ast] = $result
    $result
}

function Test-MemberUncached($ast) {
    if ($ast.Member -isnot [System.Management.Automation.Language.StringConstantExpressionAst]) { return $null }
    $name = $ast.Member.Value
    $static = $ast.Static
    $call = $ast -is [System.Management.Automation.Language.InvokeMemberExpressionAst]
    $arguments = @()
    if ($call -and $null -ne $ast.Arguments) { $arguments = @($ast.Arguments) }
    if ($static) {
        if ($ast.Expression -isnot [System.Management.Automation.Language.TypeExpressionAst]) { return $null }
        $written = $ast.Expression.TypeName
        $type = Test-TypeName $written $ast.Expression.Extent
        if ($null -eq $type) { return $null }
        if ($type.EndsWith('[]')) {
            if ($name -eq 'new') { return $type }
            return $null
        }
    } else {
        $type = Get-ExpressionType $ast.Expression
        if ($null -eq $type) { return $null }
        if ($type.EndsWith('[]')) { $type = 'System.Array' }
        if ($IntrinsicMembers -contains $name -or (Test-Adapted $type)) { return $null }
    }
    if ($SmaAllowlist.ContainsKey($type) -or $SmaAllowlist.ContainsKey("${type}::$name")) { return $null }
    if (-not $Types.ContainsKey($type)) { return $null }
    $sma = $Types[$type][2]
    $where = '.NET Framework 4.5'
    $hint = $NetHint
    if ($sma) { $where = "Windows PowerShell 5.1's API as PowerShell Standard 5.1 has it"; $hint = $SmaHint }
    $shown = $type -replace '`\d+$', ''

    if ($static -and $name -eq 'new') {
        $constructors = (Get-DeclaredMember $type '.ctor').Where({ -not $_.Static })
        $isValueType = (Get-TypeChain $type $false).Contains('System.ValueType')
        if ($isValueType -and $arguments.Count -eq 0) { return $type }
        $fitting = $constructors.Where({ Test-Arity $_ $arguments.Count })
        if ($fitting.Count -gt 0) { Add-Checked $CheckedMembers $ast.Member.Extent }
        if ($fitting.Count -eq 0) {
            Add-Finding $ast.Member.Extent 'overload-missing' "``$shown`` has no constructor taking $($arguments.Count) arguments in $where" $hint
            return $type
        }
        Test-ArgumentTypes $ast $type 'new' $false $arguments $fitting $shown $where $hint
        return $type
    }

    $members = Find-Member $type $name $static
    if ($members.Count -gt 0) { Add-Checked $CheckedMembers $ast.Member.Extent }
    if ($members.Count -eq 0) {
        $kind = 'member'
        if ($static) { $kind = 'static member' }
        Add-Finding $ast.Member.Extent 'member-missing' "``$shown`` has no $kind ``$name`` in $where" $hint
        return $null
    }
    if (-not $call) {
        $first = $members.Where({ $_.Kind -ne 'Method' }, 'First')
        if ($first.Count -eq 0) { return $null }
        return Get-UsefulType $first[0].Type
    }
    $methods = $members.Where({ $_.Kind -eq 'Method' })
    if ($methods.Count -eq 0) { return $null }
    $fitting = $methods.Where({ Test-Arity $_ $arguments.Count })
    if ($fitting.Count -eq 0) {
        Add-Finding $ast.Member.Extent 'overload-missing' "no overload of ``$shown.$name`` takes $($arguments.Count) arguments in $where" $hint
        return $null
    }
    Test-ArgumentTypes $ast $type $name $static $arguments $fitting $shown $where $hint
    $returns = @($fitting.Type | Select-Object -Unique)
    if ($returns.Count -ne 1) { return $null }
    Get-UsefulType $returns[0]
}

# When every argument's type is known: PowerShell 7 binds the call to the overload that takes
# exactly those types; if .NET Framework 4.5 has none that takes them without conversion, 5.1
# converts them and calls another overload (or fails).
function Test-ArgumentTypes($ast, $type, $name, $static, $arguments, $fitting, $shown, $where, $hint) {
    if ($arguments.Count -eq 0) { return }
    $argumentTypes = [string[]]@(foreach ($argument in $arguments) { Get-ExpressionType $argument })
    if ($argumentTypes.Count -ne $arguments.Count -or $argumentTypes -contains $null -or $argumentTypes -contains '') { return }
    foreach ($member in $fitting) {
        if (Test-OverloadTakes $member $argumentTypes) { return }
    }
    $overload = Find-RuntimeOverload $type $name $static $argumentTypes
    if ($null -eq $overload) { return }
    $member = $name
    if ($name -eq 'new') { $member = 'new' }
    Add-Finding $ast.Member.Extent 'overload-missing' "``$shown.$member$overload`` is not in $where; Windows PowerShell 5.1 would convert the arguments for another overload" "pass arguments of the types a $where overload takes"
}

# ------------------------------------------------------------------------------------------------
# Syntax, commands and variables

function Test-Syntax($ast) {
    $Tk = [System.Management.Automation.Language.TokenKind]
    foreach ($node in $ast.FindAll({ $true }, $true)) {
        switch ($node) {
            { $_ -is [System.Management.Automation.Language.TernaryExpressionAst] } {
                Add-Finding $node.Extent 'ternary' 'the ternary operator `? :` is PowerShell 7' 'write `if (...) { ... } else { ... }`'
            }
            { $_ -is [System.Management.Automation.Language.BinaryExpressionAst] } {
                if ($node.Operator -eq $Tk::QuestionQuestion) {
                    Add-Finding $node.ErrorPosition 'null-coalescing' 'the operator `??` is PowerShell 7' 'write `if ($null -eq $a) { $b } else { $a }`'
                }
                if ($node.Operator -in @($Tk::Ireplace, $Tk::Creplace) -and $node.Right -is [System.Management.Automation.Language.ArrayLiteralAst] -and
                    $node.Right.Elements.Where({ $_ -is [System.Management.Automation.Language.ScriptBlockExpressionAst] }).Count -gt 0) {
                    Add-Finding $node.ErrorPosition 'replace-scriptblock' '`-replace` with a script block is PowerShell 6.1' 'use `[regex]::Replace($text, $pattern, [System.Text.RegularExpressions.MatchEvaluator]{ ... })`'
                }
            }
            { $_ -is [System.Management.Automation.Language.AssignmentStatementAst] } {
                if ($node.Operator -eq $Tk::QuestionQuestionEquals) {
                    Add-Finding $node.ErrorPosition 'null-coalescing' 'the operator `??=` is PowerShell 7' 'write `if ($null -eq $a) { $a = $b }`'
                }
            }
            { $_ -is [System.Management.Automation.Language.MemberExpressionAst] -or $_ -is [System.Management.Automation.Language.IndexExpressionAst] } {
                if ($node.NullConditional) {
                    Add-Finding $node.Extent 'null-conditional' 'the null-conditional operators `?.` and `?[]` are PowerShell 7' 'test `$null -ne $x` first'
                }
                if ($node -is [System.Management.Automation.Language.InvokeMemberExpressionAst] -and $null -ne $node.GenericTypeArguments -and $node.GenericTypeArguments.Count -gt 0) {
                    Add-Finding $node.Member.Extent 'generic-method-call' 'calling a generic method with `[T]` type arguments is PowerShell 7.3' 'call a method that is not generic, or use reflection (`MakeGenericMethod`)'
                }
            }
            { $_ -is [System.Management.Automation.Language.PipelineChainAst] } {
                Add-Finding $node.Extent 'pipeline-chain' 'the pipeline chain operators `&&` and `||` are PowerShell 7' 'write `a; if ($?) { b }`'
            }
            { $_ -is [System.Management.Automation.Language.PipelineAst] } {
                if ($node.Background) {
                    Add-Finding $node.Extent 'background-operator' 'the background operator `&` at the end of a pipeline is PowerShell 6' 'use `Start-Job { ... }`'
                }
            }
            { $_ -is [System.Management.Automation.Language.ScriptBlockAst] } {
                if ($null -ne $node.CleanBlock) {
                    Add-Finding $node.CleanBlock.Extent 'clean-block' 'the `clean` block is PowerShell 7.3' 'clean up in an `end` block, or in `try { } finally { }`'
                }
                $requires = $node.ScriptRequirements
                if ($null -ne $requires -and $null -ne $requires.RequiredPSVersion -and $requires.RequiredPSVersion -gt [version]'5.1') {
                    Add-Finding $node.Extent 'requires-version' "``#requires -Version $($requires.RequiredPSVersion)`` excludes Windows PowerShell 5.1" 'require 5.1 at most'
                }
            }
            { $_ -is [System.Management.Automation.Language.TypeDefinitionAst] } {
                Add-Finding $node.Extent 'class' 'a `class` or `enum` definition: tejun''s scripts define none (the driver''s rule; 5.0 has them, but they cannot be redefined in a session and cost start-up time)' 'use hashtables, `[pscustomobject]` and functions'
            }
            { $_ -is [System.Management.Automation.Language.VariableExpressionAst] } {
                $name = (Get-VariableName $node)
                if (-not $node.VariablePath.IsDriveQualified -and $Ps7Variables.ContainsKey($name)) {
                    Add-Finding $node.Extent 'ps7-variable' "the automatic variable ``$name`` does not exist in Windows PowerShell 5.1" $Ps7Variables[$name]
                }
            }
            { $_ -is [System.Management.Automation.Language.CommandAst] } { Test-Command $node }
        }
    }
}

# The argument given to a parameter: `-Name:value`, or the element after `-Name`.
function Get-ParameterArgument($command, [int]$index) {
    $parameter = $command.CommandElements[$index]
    if ($null -ne $parameter.Argument) { return $parameter.Argument }
    if ($index + 1 -lt $command.CommandElements.Count -and
        $command.CommandElements[$index + 1] -isnot [System.Management.Automation.Language.CommandParameterAst]) {
        return $command.CommandElements[$index + 1]
    }
    $null
}

function Test-Command($command) {
    $name = $command.GetCommandName()
    if ($null -eq $name) { return }
    $canonical = $name
    if ($Aliases51.ContainsKey($name)) { $canonical = $Aliases51[$name] }
    if ($NewCommands.ContainsKey($canonical)) {
        Add-Finding $command.CommandElements[0].Extent 'new-command' "``$canonical`` does not exist in Windows PowerShell 5.1" $NewCommands[$canonical]
    }
    $elements = $command.CommandElements
    for ($i = 1; $i -lt $elements.Count; $i++) {
        $element = $elements[$i]
        if ($element -isnot [System.Management.Automation.Language.CommandParameterAst]) { continue }
        $written = $element.ParameterName
        if ($NewParameters.ContainsKey($canonical)) {
            $new = Resolve-NewParameter $canonical $written
            if ($null -ne $new) {
                $hint = $ParameterHints["$canonical -$new"]
                if ($null -eq $hint) { $hint = 'do without it, or find another way in the 5.1 documentation of the cmdlet' }
                Add-Finding $element.Extent 'new-parameter' "``$canonical -$new`` does not exist in Windows PowerShell 5.1" $hint
            }
        }
        if ($written.Length -ge 3 -and 'Encoding'.StartsWith($written, [StringComparison]::OrdinalIgnoreCase)) {
            $value = Get-ParameterArgument $command $i
            $text = $null
            if ($value -is [System.Management.Automation.Language.StringConstantExpressionAst]) { $text = $value.Value }
            elseif ($value -is [System.Management.Automation.Language.ConstantExpressionAst]) { $text = [string]$value.Value }
            if ($null -ne $text -and $Encodings51 -notcontains $text) {
                Add-Finding $value.Extent 'encoding' "``-Encoding $text`` is not a value Windows PowerShell 5.1 knows" 'use one of UTF8 (which writes a BOM in 5.1), Unicode, ASCII, Default, OEM; for UTF-8 without a BOM write with `[IO.File]::WriteAllText($path, $text, [Text.UTF8Encoding]::new($false))`'
            }
        }
    }
    if ($canonical -eq 'New-Object') {
        for ($i = 1; $i -lt $elements.Count; $i++) {
            $element = $elements[$i]
            $value = $null
            if ($element -is [System.Management.Automation.Language.CommandParameterAst]) {
                if ('TypeName'.StartsWith($element.ParameterName, [StringComparison]::OrdinalIgnoreCase)) { $value = Get-ParameterArgument $command $i }
                elseif ($element.ParameterName -match '^(ArgumentList|Args|Property|ComObject|Strict)$') { $i++ }
                if ($null -eq $value) { continue }
            } else { $value = $element }
            if ($value -is [System.Management.Automation.Language.StringConstantExpressionAst]) {
                $parsed = [System.Management.Automation.Language.Parser]::ParseInput("[$($value.Value)]", [ref]$null, [ref]$null)
                $typeAst = $parsed.Find({ $args[0] -is [System.Management.Automation.Language.TypeExpressionAst] }, $true)
                if ($null -ne $typeAst) { $null = Test-TypeName $typeAst.TypeName $value.Extent }
            }
            break
        }
    }
}

# The PowerShell 7 parameter that $written names on $cmdlet (exactly, or as an unambiguous
# prefix), when it is one that 5.1 lacks; else $null.
function Resolve-NewParameter([string]$cmdlet, [string]$written) {
    $new = $NewParameters[$cmdlet].Split(' ')
    foreach ($parameter in $new) {
        if ($parameter -eq $written) { return $parameter }
    }
    if ($new.Where({ $_.StartsWith($written, [StringComparison]::OrdinalIgnoreCase) }).Count -eq 0) { return $null }
    $info = Get-Command $cmdlet -ErrorAction Ignore
    if ($null -eq $info) { return $null }
    try { $resolved = $info.ResolveParameter($written).Name } catch { return $null }
    foreach ($parameter in $new) {
        if ($parameter -eq $resolved) { return $parameter }
    }
    $null
}

function Test-Tokens($tokens) {
    foreach ($token in $tokens) {
        if ($token.Kind -eq 'Number') {
            if ($token.Text -match '^0[bB]') {
                Add-Finding $token.Extent 'number-suffix' "the binary literal ``$($token.Text)`` is PowerShell 7" 'write it in hexadecimal (`0x...`)'
            } elseif ($token.Text -notmatch '^0[xX]' -and $token.Text -match '(?i)(u|y|uy|s|us|ul|n)(kb|mb|gb|tb|pb)?$') {
                Add-Finding $token.Extent 'number-suffix' "the number suffix of ``$($token.Text)`` is PowerShell 6.2 or 7" 'cast instead: `[uint32]1`, `[byte]1`, `[int16]1`, `[bigint]1`'
            } elseif ($token.Text -match '^0[xX][0-9a-fA-F]*(u|y|uy|s|us|ul|n)$') {
                Add-Finding $token.Extent 'number-suffix' "the number suffix of ``$($token.Text)`` is PowerShell 6.2 or 7" 'cast instead: `[uint32]0x1`, `[byte]0x1`'
            }
        }
        if ($token -is [System.Management.Automation.Language.StringExpandableToken]) {
            $text = $token.Text
            for ($i = 0; $i -lt $text.Length - 1; $i++) {
                if ($text[$i] -ne '`') { continue }
                $next = $text[$i + 1]
                if ($next -ceq 'e') {
                    Add-Finding $token.Extent 'string-escape' 'the escape `` `e `` (ESC) is PowerShell 6: Windows PowerShell 5.1 reads it as the letter e' 'write `[char]27`'
                } elseif ($next -ceq 'u' -and $i + 2 -lt $text.Length -and $text[$i + 2] -eq '{') {
                    Add-Finding $token.Extent 'string-escape' 'the escape `` `u{...} `` is PowerShell 6: Windows PowerShell 5.1 reads it as text' 'write `[char]0x...` (or `[char]::ConvertFromUtf32(0x...)`)'
                }
                $i++
            }
            if ($null -ne $token.NestedTokens) { Test-Tokens $token.NestedTokens }
        }
    }
}

function Test-Types($ast) {
    foreach ($node in $ast.FindAll({ $true }, $true)) {
        if ($node -is [System.Management.Automation.Language.TypeExpressionAst]) {
            $null = Test-TypeName $node.TypeName $node.Extent
        } elseif ($node -is [System.Management.Automation.Language.TypeConstraintAst]) {
            if ($node.TypeName.FullName -ne 'ref') { $null = Test-TypeName $node.TypeName $node.Extent }
        } elseif ($node -is [System.Management.Automation.Language.AttributeAst]) {
            $null = Test-TypeName $node.TypeName $node.Extent $true
        } elseif ($node -is [System.Management.Automation.Language.MemberExpressionAst]) {
            $null = Test-Member $node
        }
    }
}

# Single-quoted here-strings that the code runs as code (see the header).
function Get-EmbeddedCode($ast) {
    $codeVariables = [System.Collections.Generic.HashSet[string]]::new([StringComparer]::OrdinalIgnoreCase)
    $literals = [System.Collections.Generic.List[object]]::new()
    $takes = {
        param($argument)
        if ($argument -is [System.Management.Automation.Language.VariableExpressionAst]) { $null = $codeVariables.Add((Get-VariableName $argument)) }
        elseif ($argument -is [System.Management.Automation.Language.StringConstantExpressionAst] -and $argument.StringConstantType -eq 'SingleQuotedHereString') { $literals.Add($argument) }
    }
    foreach ($node in $ast.FindAll({ $true }, $true)) {
        if ($node -is [System.Management.Automation.Language.InvokeMemberExpressionAst] -and $node.Member -is [System.Management.Automation.Language.StringConstantExpressionAst]) {
            $member = $node.Member.Value
            $target = ''
            if ($node.Static -and $node.Expression -is [System.Management.Automation.Language.TypeExpressionAst]) { $target = $node.Expression.TypeName.Name }
            $isCode = ($member -eq 'AddScript') -or ($member -eq 'new' -and $target -like '*SessionStateFunctionEntry') -or
                ($member -eq 'Create' -and $target -match '(^|\.)scriptblock$')
            if ($isCode) { foreach ($argument in @($node.Arguments)) { & $takes $argument } }
        } elseif ($node -is [System.Management.Automation.Language.CommandAst] -and $node.GetCommandName() -in @('Invoke-Expression', 'iex')) {
            foreach ($argument in $node.CommandElements | Select-Object -Skip 1) { & $takes $argument }
        }
    }
    foreach ($node in $ast.FindAll({ $args[0] -is [System.Management.Automation.Language.AssignmentStatementAst] }, $true)) {
        if ($node.Left -is [System.Management.Automation.Language.VariableExpressionAst] -and
            $codeVariables.Contains((Get-VariableName $node.Left)) -and
            $node.Right -is [System.Management.Automation.Language.CommandExpressionAst] -and
            $node.Right.Expression -is [System.Management.Automation.Language.StringConstantExpressionAst] -and
            $node.Right.Expression.StringConstantType -eq 'SingleQuotedHereString') {
            $literals.Add($node.Right.Expression)
        }
    }
    , $literals
}

# Scans one unit of code: a file, or a here-string of code in one (whose first line is the line
# after its `@'`).
function Invoke-Scan([string]$file, [string]$text, [int]$lineOffset) {
    $tokens = $null
    $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseInput($text, [ref]$tokens, [ref]$errors)
    $script:Unit = @{
        File = $file
        LineOffset = $lineOffset
        UsingNamespaces = @(foreach ($using in $ast.UsingStatements) { if ($using.UsingStatementKind -eq 'Namespace') { $using.Name.Value } })
        Variables = $null
    }
    foreach ($e in $errors) {
        Add-Finding $e.Extent 'parse-error' "PowerShell 7 cannot parse this: $($e.Message)" 'fix the syntax'
    }
    foreach ($command in $ast.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] }, $true)) {
        if ($command.GetCommandName() -ne 'Add-Type') { continue }
        for ($i = 1; $i -lt $command.CommandElements.Count; $i++) {
            $element = $command.CommandElements[$i]
            if ($element -isnot [System.Management.Automation.Language.CommandParameterAst] -or $element.ParameterName -notin @('AssemblyName', 'AN')) { continue }
            $value = Get-ParameterArgument $command $i
            if ($null -eq $value) { continue }
            foreach ($item in @($value.SafeGetValue())) {
                $dll = Join-Path $NetDir "$item.dll"
                if (Test-Path -LiteralPath $dll) { Add-Assembly $dll $false }
            }
        }
    }
    $Unit.Variables = Get-VariableTyping $ast
    Test-Syntax $ast
    Test-Tokens $tokens
    Test-Types $ast
    foreach ($literal in (Get-EmbeddedCode $ast)) {
        $outer = $script:Unit
        Invoke-Scan $file $literal.Value ($literal.Extent.StartLineNumber + $lineOffset)
        $script:Unit = $outer
    }
}

foreach ($file in $Path) {
    Invoke-Scan $file ([IO.File]::ReadAllText($file)) 0
}
foreach ($finding in ($Findings | Sort-Object File, Line, Column)) {
    "$($finding.File):$($finding.Line):$($finding.Column): $($finding.Text)"
}
"ps51 scan: $($Path.Count) files, $($CheckedTypes.Count) type names and $($CheckedMembers.Count) members found in the reference, $($Findings.Count) findings"
if ($Findings.Count -gt 0) { exit 1 }
exit 0
