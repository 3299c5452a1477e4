/* conrun.exe PROGRAM ARGS...: runs PROGRAM in a console, as it would run in a console window on Windows, and
 * exits with its exit code. Under wine, a console program started from a Linux shell whose standard handles are
 * not terminals gets no console at all (wine's "shell, no window" mode); PowerShell's console host then does
 * nothing and exits 0. Started with CREATE_NO_WINDOW, the program gets a console of its own without a window
 * (wine's headless conhost), which its children (pwsh.exe) inherit. The standard handles are passed through
 * unchanged. When this process already has a console (a terminal), the program shares it.
 * conrun.exe --boot: only starts wine's services and desktop, then exits.
 * Built and installed by tests/windows/setup; used by tests/windows/wine. */
#include <windows.h>

int wmain(void) {
    WCHAR *cmd = GetCommandLineW();
    /* skip argv[0] the way the C runtime splits it: a quoted string, or up to the first blank */
    if (*cmd == L'"') {
        for (cmd++; *cmd && *cmd != L'"'; cmd++) {}
        if (*cmd) cmd++;
    } else {
        while (*cmd && *cmd != L' ' && *cmd != L'\t') cmd++;
    }
    while (*cmd == L' ' || *cmd == L'\t') cmd++;
    if (!*cmd) {
        static const char usage[] = "usage: conrun.exe PROGRAM [ARGS...]\n";
        DWORD n;
        WriteFile(GetStdHandle(STD_ERROR_HANDLE), usage, sizeof usage - 1, &n, NULL);
        return 2;
    }

    /* Wine starts its desktop process (explorer.exe /desktop) from the first process that asks for the desktop,
     * and that process inherits the starter's inheritable handles at that moment. When tejun.exe was that
     * process, explorer kept the write ends of pwsh's stdout and stderr pipes, and tejun waited for their end
     * of file forever, on every run after the wineserver had stopped. Asking for the desktop here first
     * starts it before the program has any handles. (On Windows the desktop always exists.) */
    GetDesktopWindow();
    if (!wcscmp(cmd, L"--boot")) return 0; /* only that: see tests/windows/wine */

    STARTUPINFOW si = {sizeof si};
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = GetStdHandle(STD_OUTPUT_HANDLE);
    si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
    DWORD flags = GetConsoleCP() ? 0 : CREATE_NO_WINDOW; /* GetConsoleCP is 0 without a console */

    /* The program and everything it starts are in a job that ends with this process: Windows processes under
     * wine are not children of the Linux process that started them, so a test that kills tests/windows/wine
     * (this process) would leave them running; the job kills them when wine closes this process's handles. */
    HANDLE job = CreateJobObjectW(NULL, NULL);
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits = {0};
    limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    if (job) SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, sizeof limits);

    PROCESS_INFORMATION pi;
    if (!CreateProcessW(NULL, cmd, NULL, NULL, TRUE, flags | CREATE_SUSPENDED, NULL, NULL, &si, &pi)) {
        char msg[64];
        DWORD n, len = wsprintfA(msg, "conrun: cannot start the program (error %lu)\n", GetLastError());
        WriteFile(si.hStdError, msg, len, &n, NULL);
        return 127;
    }
    if (job) AssignProcessToJobObject(job, pi.hProcess);
    ResumeThread(pi.hThread);
    CloseHandle(pi.hThread);
    WaitForSingleObject(pi.hProcess, INFINITE);
    DWORD code = 1;
    GetExitCodeProcess(pi.hProcess, &code);
    return (int)code;
}
