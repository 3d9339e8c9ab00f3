"""Run a command and print the peak of the summed resident memory of its
process tree (the command and every process it starts), sampled every 0.5 s.

``/usr/bin/time -v`` reports the largest single process only; btsopt's
country-scale runs solve the LP in a second process.

Usage: ``python benchmarks/tree_rss.py COMMAND [ARGS...]``
"""

from __future__ import annotations

import subprocess
import sys
import time

import psutil


def main(argv: list[str]) -> int:
    child = subprocess.Popen(argv)
    root = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        try:
            processes = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in processes))
        except psutil.Error:
            pass  # a process ended between listing and reading
        time.sleep(0.5)
    print(f"peak tree RSS {peak / 2**30:.2f} GiB", file=sys.stderr)
    return child.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
