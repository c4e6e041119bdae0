# SPDX-License-Identifier: GPL-2.0
#
# walk_trace.py: run by gdb (-x) against a kernel that QEMU holds at reset
# (-s -S). Every time the exit walk's entry point is called (WALK_FN), it
# single-steps until the function returns to its caller and counts the
# instructions run, its callees included, and the calls of the futex
# cmpxchg (FUTEX_CMPXCHG): one per held futex, in the C walk and the Rust
# one. Stops when the guest ends. QEMU runs with -icount, so that the guest's
# clock follows its instructions, not the slow stepping; a timer tick that
# falls inside a walk can still make it yield, which is why walk-trace.sh
# traces each size three times. Writes one line per walk to WALK_OUT:
#	<instructions> <cmpxchg calls> <instructions per function, most first>
# Tooling, not part of the series.
import bisect
import collections
import os
import subprocess

import gdb

fn = os.environ["WALK_FN"]
cmpxchg = os.environ.get("FUTEX_CMPXCHG", "futex_cmpxchg_value_locked")
arch = os.environ["WALK_ARCH"]
out = open(os.environ["WALK_OUT"], "w")

syms = []
nm = subprocess.run(["nm", "-n", os.environ["VMLINUX"]], capture_output=True,
                    text=True, check=True).stdout
for line in nm.splitlines():
    f = line.split()
    # Local labels ($x, .L) name no function: they stay with the last one.
    if len(f) == 3 and f[1] in "tTwW" and not f[2].startswith(("$", ".L")):
        syms.append((int(f[0], 16), f[2]))
addrs = [a for a, _ in syms]


def sym(pc):
    i = bisect.bisect_right(addrs, pc) - 1
    return syms[i][1] if i >= 0 else "?"


def reg(expr):
    return int(gdb.parse_and_eval("(unsigned long)(%s)" % expr)) & (2**64 - 1)


gdb.execute("set pagination off")
gdb.execute("target remote :1234")
gdb.execute("hbreak " + fn)
MAX_STEPS = 100000		# a walk that has not returned by then is dropped

while True:
    try:
        gdb.execute("continue", to_string=True)
        sp0 = reg("$sp")
    except gdb.error:
        break			# the guest is gone
    ret = reg("$x30") if arch == "arm64" else reg("*(unsigned long *)$sp")
    count, calls, prev = 0, 0, None
    per = collections.Counter()
    try:
        while count < MAX_STEPS:
            pc = reg("$pc")
            if pc == ret and reg("$sp") >= sp0:
                break
            s = sym(pc)
            if s == cmpxchg and prev != cmpxchg:
                calls += 1
            per[s] += 1
            count += 1
            prev = s
            gdb.execute("stepi", to_string=True)
    except gdb.error:
        break
    if count == MAX_STEPS:
        continue
    out.write("%d %d %s\n" % (count, calls, " ".join(
        "%s:%d" % kv for kv in per.most_common())))
    out.flush()
