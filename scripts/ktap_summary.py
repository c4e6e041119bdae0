#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise KTAP/TAP results from QEMU consoles and check logs.

    ktap_summary.py LABEL=FILE [LABEL=FILE ...]

Each FILE is a console log (KUnit's KTAP as the kernel printed it, then the
init's KTAP of the selftests, each program's own TAP nested four spaces
deeper) or a plain TAP file of our checks (checkpatch, rustfmt). Lines that
are not TAP (kernel messages) are ignored, except that a kernel splat
(BUG, WARNING, Oops, KASAN, UBSAN, lockdep) is itself a failure.

Counting: every leaf result is one test (a KUnit case, a kselftest case); a
top-level result that failed without any failed leaf (a crash, a timeout, a
non-zero exit) counts one more failure; results missing from a plan ("1..N"
with fewer results: the guest died) count as failures. A skip is not a pass.

The suites of the series (OWN_SUITE) skip, as kselftests do, where the
kernel lacks a feature; on the kernels this pipeline builds that means the
feature is missing, so such a skip counts as a failure, unless KNOWN_GAPS
names it with the open issue that adds the feature.

Prints a table per suite, the failures by name, and last the line
"N passed, N failed". Exits 1 if anything failed or nothing ran.
"""

import re
import sys

RESULT = re.compile(r"^(not ok|ok) (\d+)\s*-?\s*(.*?)(?:\s+#\s*(.*))?$")
PLAN = re.compile(r"^1\.\.(\d+)")
# Kernel messages that mean something went wrong even if every test passed.
SPLAT = re.compile(r"(BUG: |WARNING: |Oops|Kernel panic|KASAN: |UBSAN: |"
                   r"possible circular locking|inconsistent lock state|"
                   r"possible recursive locking|sleeping function called|"
                   r"Call Trace:|rust_panic)")
TIMESTAMP = re.compile(r"^\[\s*\d+\.\d+\]\s?")
# The series' own suites: KUnit's, and its selftest programs.
OWN_SUITE = re.compile(r"(^|: )futex_robust_\w+$")
# Skips that are known gaps of the series, by (label, suite): why.
KNOWN_GAPS = {}


class Result:
    def __init__(self, ok, name, directive, children):
        self.ok = ok
        self.name = name
        self.directive = directive or ""
        self.children = children

    @property
    def skip(self):
        return self.directive.upper().startswith("SKIP")

    def leaves(self):
        if not self.children:
            yield self
        for c in self.children:
            yield from c.leaves()


def parse(path):
    """Return (top-level results, missing-from-plan count, splat lines or
    None when the file is not a kernel console)."""
    pending = {}		# indent -> results seen at that indent
    plans, splats, console = [], [], False
    finished = killed = False
    with open(path, errors="replace") as f:
        for raw in f:
            line = TIMESTAMP.sub("", raw.rstrip("\r\n"))
            stripped = line.lstrip(" ")
            indent = len(line) - len(stripped)
            console = console or "Linux version" in line
            finished = finished or line.startswith("# init: all tests done")
            killed = killed or line.startswith("# boot: guest killed")
            if SPLAT.search(line):
                splats.append(line.strip())
            m = RESULT.match(stripped)
            if m:
                children = []
                for d in sorted(k for k in pending if k > indent):
                    children += pending.pop(d)
                pending.setdefault(indent, []).append(
                    Result(m.group(1) == "ok", m.group(3), m.group(4),
                           children))
                continue
            p = PLAN.match(stripped)
            if p and indent == 0:
                plans.append(int(p.group(1)))
    top = pending.get(0, [])
    missing = max(0, sum(plans) - len(top))
    if console and not finished:
        # The guest hung (killed by boot.sh) or died before init finished.
        splats.append("guest killed by the boot timeout" if killed else
                      "guest stopped before the tests finished")
    return top, missing, splats if console else None


def group_of(name):
    # "x86_64 futex: futex_requeue_pi -b -l" -> "x86_64 futex: futex_requeue_pi"
    m = re.match(r"^(\S+ \S+: \S+)", name)
    return m.group(1) if m else name


def main():
    rows, failures, gaps, totals = {}, [], {}, [0, 0, 0]
    ran = False
    for arg in sys.argv[1:]:
        label, _, path = arg.partition("=")
        try:
            top, missing, splats = parse(path)
        except OSError as e:
            top, missing, splats = [], 1, None
            failures.append(f"{label}: cannot read {path}: {e.strerror}")
        for r in top:
            ran = True
            counts = rows.setdefault((label, group_of(r.name)), [0, 0, 0])
            leaves = list(r.leaves())
            failed_leaves = 0
            group = group_of(r.name)
            own = OWN_SUITE.search(group)
            gap = KNOWN_GAPS.get((label, group))
            for leaf in leaves:
                # A kernel built without the series' features (label
                # "<arch>-norust") is where its suites are meant to skip.
                if leaf.skip and own and not gap and \
                        not label.endswith("-norust"):
                    counts[1] += 1
                    failed_leaves += 1
                    failures.append(f"{label}: {r.name}: {leaf.name}: skipped"
                                    " in a suite of the series, so the"
                                    f" feature is missing ({leaf.directive})")
                elif leaf.skip:
                    counts[2] += 1
                    if gap:
                        gaps[(label, group)] = gaps.get((label, group), 0) + 1
                elif leaf.ok:
                    counts[0] += 1
                else:
                    counts[1] += 1
                    failed_leaves += 1
                    why = f" ({leaf.directive})" if leaf.directive else ""
                    failures.append(f"{label}: {r.name}" + (
                        why if leaf is r else f": {leaf.name}{why}"))
            if not r.ok and not r.skip and failed_leaves == 0:
                counts[1] += 1
                why = f" ({r.directive})" if r.directive else ""
                failures.append(f"{label}: {r.name}{why}")
        if missing:
            rows.setdefault((label, "results missing (guest died?)"),
                            [0, 0, 0])[1] += missing
            failures.append(f"{label}: {missing} planned results never came")
        if splats is not None:
            counts = rows.setdefault((label, "kernel log: no splat, guest ran to the end"),
                                     [0, 0, 0])
            if splats:
                counts[1] += 1
                failures.append(f"{label}: {splats[0]}")
            else:
                counts[0] += 1

    width = max([len(g) for _, g in rows] + [20])
    lwidth = max([len(label) for label, _ in rows] + [8])
    print(f"{'':{lwidth}} {'suite':{width}} {'pass':>5} {'fail':>5} {'skip':>5}")
    for (label, group), (p, f, s) in rows.items():
        mark = "  <-- FAILED" if f else ""
        print(f"{label:{lwidth}} {group:{width}} {p:5} {f:5} {s:5}{mark}")
        totals[0] += p
        totals[1] += f
        totals[2] += s
    if failures:
        print("\nFailures:")
        for f in failures:
            print(f"  {f}")
    if not ran:
        totals[1] += 1
        print("\nNo results at all.")
    for (label, group), n in gaps.items():
        print(f"\nKnown gap: {label} {group}: {n} skipped"
              f" ({KNOWN_GAPS[(label, group)]})")
    print(f"\n{totals[2]} skipped (a skip is not a pass)")
    print(f"{totals[0]} passed, {totals[1]} failed")
    sys.exit(1 if totals[1] else 0)


if __name__ == "__main__":
    main()
