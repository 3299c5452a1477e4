/* bcryptprimitives.dll for wine 8.0, which lacks it: Rust's std on Windows calls ProcessPrng to seed its
 * hash maps and fails to start without it. Fills the buffer from RtlGenRandom (advapi32's SystemFunction036).
 * Built and copied into the wine prefix's system32 by tests/windows/setup. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, n)) return FALSE;
        data += n, len -= n;
    }
    return TRUE;
}
