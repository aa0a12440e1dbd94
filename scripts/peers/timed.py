#!/usr/bin/env python3
"""Run one command and record its wall-clock time and CPU time (scripts/bench-peers.sh).

    timed.py RECORD_TSV LABEL LOG CWD -- CMD [ARG...]

The clock starts just before the fork and stops when the child is reaped, so the child's
start-up (interpreter, imports, dynamic linking) is included and this script's own is not.
Appends `LABEL<TAB>wall_s<TAB>user_s<TAB>sys_s<TAB>exit_code` to RECORD_TSV (LABEL is
"QUESTION<TAB>TOOL<TAB>ROUND"); the child's stdout and stderr go to LOG. Exits with the child's
exit code.
"""
import os
import subprocess
import sys
import time


def main():
    record, label, log, cwd, sep, *cmd = sys.argv[1:]
    if sep != "--" or not cmd:
        raise SystemExit(__doc__)
    with open(log, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    rc = os.waitstatus_to_exitcode(status)
    proc.returncode = rc
    with open(record, "a", encoding="utf-8") as fh:
        fh.write(f"{label}\t{wall:.4f}\t{usage.ru_utime:.4f}\t{usage.ru_stime:.4f}\t{rc}\n")
    sys.exit(rc if rc >= 0 else 128 - rc)


if __name__ == "__main__":
    main()
