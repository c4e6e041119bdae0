#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh: make bench. Builds two x86_64 kernels from the same tree, with
# the Rust robust list walk (build/out/x86_64) and with the C one
# (build/out/x86_64-cwalk), boots them alternately (C, Rust, C, Rust, ...)
# so drift of the host hits both alike, runs scripts/bench/ in each boot,
# and prints medians, spread and the Rust/C ratio per size, and the text
# size of the Rust walk next to the C it replaces.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ROUNDS=${BENCH_ROUNDS:-3}	# boots per kernel
SAMPLES=${BENCH_SAMPLES:-10}	# samples per size per boot

for variant in "" cwalk; do
	tag=x86_64${variant:+-$variant}
	phase "build $tag kernel" logged "$(phase_log "build $tag kernel")" \
		"$ROOT/scripts/build-kernel.sh" x86_64 $variant
done

# The initramfs: the init and the benchmarks, nothing else.
root=$BUILD/initramfs/bench-x86_64
rm -rf "$root"
mkdir -p "$root"/{bench,etc,proc,sys,dev,tmp}
gcc -static -O2 -Wall -o "$root/init" "$ROOT/scripts/initramfs/init.c"
gcc -static -O2 -Wall -pthread -o "$root/bench/robust_exit" \
	"$ROOT/scripts/bench/robust_exit.c"
echo "bench robust_exit|/bench|1200|robust_exit $SAMPLES" >"$root/etc/tests.list"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) \
	>"$BUILD/initramfs/bench-x86_64.cpio"

logs=()
for round in $(seq "$ROUNDS"); do
	for variant in cwalk ""; do
		name=${variant:+c}
		name=${name:-rust}
		tag=bench-$name-$round
		phase "bench round $round: $name walk" env \
			INITRD="$BUILD/initramfs/bench-x86_64.cpio" LOG_TAG="$tag" \
			"$ROOT/scripts/boot.sh" x86_64 test $variant
		logs+=("$name=$LOGS/console-$tag.log")
	done
done

python3 "$ROOT/scripts/bench/summary.py" "${logs[@]}"

text() { size -A "$1" | awk '$1 == ".text" {print $2}'; }
rust_obj=$BUILD/out/x86_64/kernel/futex/robust/robust_list.o
core_rust=$(text "$BUILD/out/x86_64/kernel/futex/core.o")
core_c=$(text "$BUILD/out/x86_64-cwalk/kernel/futex/core.o")
echo
echo "text size: Rust walk (robust_list.o) $(text "$rust_obj") bytes;" \
     "C walk it replaces (core.o with C walk minus core.o with Rust walk)" \
     "$((core_c - core_rust)) bytes"
