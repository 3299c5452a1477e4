# expect: type-missing
$pool = [System.Buffers.ArrayPool[byte]]::Shared
