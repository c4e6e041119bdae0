#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# walk-trace.sh: make walk-trace. The exit walk, Rust against C, counted
# instruction by instruction: the benchmark kernels of make bench (Rust walk
# and C walk, one tree) boot under QEMU held by its gdbstub, a process runs
# scripts/bench/walk_once (a thread dies holding 1, then 8 robust mutexes;
# each process then exits with an empty list), and gdb single-steps every
# call of the walk's entry point (futex_rust_exit_robust_list(),
# exit_robust_list()) until it returns, callees included. The counts are
# exact and repeatable, where make bench's robust_exit at small N is lost in
# the noise of thread creation and exit. Prints instructions per walk by
# number of entries and the Rust/C ratio. arm64 runs on QEMU -cpu max.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ARCHS=${WALK_ARCHS:-x86_64 arm64}
HELD="1 8"

declare -A entry=([rustwalk]=futex_rust_exit_robust_list [cwalk]=exit_robust_list)
table=$BUILD/walk-trace
rm -rf "$table"
mkdir -p "$table"
for arch in $ARCHS; do
	root=$(tool_root "$arch" "walk-trace-$arch")
	"$(cc_for "$arch")" -static -O2 -Wall -pthread -o "$root/bench/walk_once" \
		"$ROOT/scripts/bench/walk_once.c"
	# Each size three times: the median of the three stands even if a
	# timer tick made one walk yield to another task, whose instructions
	# the stepping then counts too.
	for n in $HELD; do
		for run in 1 2 3; do
			echo "walk_once $n ($run)|/bench|600|walk_once $n"
		done
	done >"$root/etc/tests.list"
	pack_initramfs "$root" "$BUILD/initramfs/walk-trace-$arch.cpio"

	for variant in rustwalk cwalk; do
		tag=$arch-$variant
		phase "build $tag kernel" logged "$(phase_log "build $tag kernel")" \
			"$ROOT/scripts/build-kernel.sh" "$arch" $variant
		INITRD="$BUILD/initramfs/walk-trace-$arch.cpio" \
			LOG_TAG="walk-trace-$tag" QEMU_EXTRA="-icount shift=0 -s -S" \
			"$ROOT/scripts/boot.sh" "$arch" test $variant \
			>"$LOGS/walk-trace-boot-$tag.log" 2>&1 &
		qemu=$!
		sleep 2
		phase "trace the $tag exit walks" env WALK_ARCH="$arch" \
			WALK_FN="${entry[$variant]}" WALK_OUT="$table/$tag" \
			VMLINUX="$BUILD/out/$tag/vmlinux" \
			gdb-multiarch -q -batch -nx -ex "set architecture auto" \
			-ex "file $BUILD/out/$tag/vmlinux" \
			-x "$ROOT/scripts/bench/walk_trace.py"
		wait $qemu || true
	done
done
python3 - "$table" $ARCHS <<'PY'
import collections, os, statistics, sys
table, archs = sys.argv[1], sys.argv[2:]
print("\n== the exit walk, instructions per walk (callees included), by held entries:")
print("%-8s %8s %8s %8s %7s %6s" % ("arch", "entries", "C", "Rust", "Rust/C", "walks"))
status = 0
for arch in archs:
    counts = {}
    for v in ("cwalk", "rustwalk"):
        by = collections.defaultdict(list)
        for line in open(os.path.join(table, "%s-%s" % (arch, v))):
            n, calls = line.split()[:2]
            by[int(calls)].append(int(n))
        counts[v] = by
    for held in sorted(set(counts["cwalk"]) | set(counts["rustwalk"])):
        c, r = counts["cwalk"].get(held), counts["rustwalk"].get(held)
        if not c or not r:
            print("%-8s %8d  missing in one kernel" % (arch, held))
            status = 1
            continue
        cm, rm = statistics.median(c), statistics.median(r)
        print("%-8s %8d %8d %8d %7.3f %3d,%-3d" % (arch, held, cm, rm, rm / cm,
                                                  len(c), len(r)))
print("entries: futexes the dying task held (cmpxchg calls seen); 0 is an empty list;")
print("walks: how many walks of that size each kernel ran (C, Rust), median shown")
sys.exit(status)
PY
