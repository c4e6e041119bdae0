#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Medians, spread and ratios of benchmark lines from QEMU consoles.

    summary.py [--unit ticks|instructions] NAME=console.log [...]

Lines are "bench <what> n=<N> ticks=<value>" (timestamp counter ticks);
all logs of one NAME are pooled. A <what> of the form <bench>:<way> compares
ways measured side by side in one run instead: its rows are the ways, pooled
over all logs, and the ratio is to the first way.
Prints per benchmark and N: the median and spread (p10..p90, and min..max)
of each NAME (or way), and the ratio of the medians to the first. With
--limits, the ratios that LIMITS bounds are checked: each gets its limit
printed beside it, and the exit status is 1 if one is over.
"""

import re
import statistics
import sys

LINE = re.compile(r"bench (\S+) n=(\d+) ticks=(\d+)")
# The robust unlock against the legacy sequence it replaces (issue 11):
# woken waiter; waiters left queued; FUTEX_WAITERS stale, nobody waiting
# (the robust unlock takes the bucket lock that FUTEX_WAKE skips there).
LIMITS = {
    ("unlock_wakeup", "kernel"): 1.05,
    ("unlock_queued", "kernel"): 1.15,
    ("unlock_wake", "kernel"): 1.35,
}


def pct(values, p):
    values = sorted(values)
    i = (len(values) - 1) * p / 100
    lo, hi = int(i), min(int(i) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (i - lo)


def main():
    data, names, args = {}, [], sys.argv[1:]
    unit, check = "ticks", False
    if args[:1] == ["--limits"]:
        check, args = True, args[1:]
    if args[:1] == ["--unit"]:
        unit, args = args[1], args[2:]
    for arg in args:
        name, _, path = arg.partition("=")
        if name not in names:
            names.append(name)
        with open(path, errors="replace") as f:
            for line in f:
                m = LINE.search(line)
                if m:
                    what, _, way = m.group(1).partition(":")
                    key = (what, int(m.group(2)))
                    series = way or name
                    if series not in names:
                        names.append(series)
                    data.setdefault(key, {}).setdefault(series, []).append(
                        int(m.group(3)))
    if not data:
        print("bench: no results")
        sys.exit(1)
    print(f"{'benchmark':17} {'N':>5} {'walk':7} {'samples':>7} "
          f"{'median kt':>10} {'p10..p90 kt':>19} {'min..max kt':>19} "
          f"{'ratio':>6}{'  limit' if check else ''}")
    over = []
    for (what, n) in sorted(data):
        row = data[(what, n)]
        base = next(name for name in names if name in row)
        for name in names:
            v = row.get(name, [])
            if not v:
                continue
            med = statistics.median(v)
            ratio = med / statistics.median(row[base])
            print(f"{what:17} {n:5} {name:7} {len(v):7} {med / 1e3:10.2f} "
                  f"{pct(v, 10) / 1e3:9.2f}..{pct(v, 90) / 1e3:<9.2f}"
                  f"{min(v) / 1e3:9.2f}..{max(v) / 1e3:<9.2f}"
                  f"{ratio:6.3f}", end="")
            limit = LIMITS.get((what, name)) if check else None
            if limit is None:
                print()
                continue
            print(f"  <= {limit:.2f}" + ("  OVER" if ratio > limit else ""))
            if ratio > limit:
                over.append(f"{what} {name}: {ratio:.3f} > {limit:.2f}")
    what = ("guest instructions (QEMU -icount: one counter tick each)"
            if unit == "instructions" else "timestamp counter ticks")
    print(f"\nkt: thousands of {what};\nratio: median of each walk (or way)"
          f" / median of the first one listed")
    if over:
        print("\nover the limit: " + "; ".join(over))
        sys.exit(1)


if __name__ == "__main__":
    main()
