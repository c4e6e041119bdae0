#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh: make bench. Builds, for x86_64 and arm64 (BENCH_ARCHS), two
# kernels from the same tree that differ only in the robust list walk: Rust
# (build/out/<arch>-rustwalk) and C (build/out/<arch>-cwalk). Boots them alternately (C, Rust, C, Rust, ...)
# so drift of the host hits both alike, runs scripts/bench/ in each boot,
# and prints medians, spread and the Rust/C ratio per size, and the text
# size of the Rust walk next to the C it replaces. In the same boots of the
# Rust kernel, the robust unlock: contended, legacy against
# FUTEX_ROBUST_UNLOCK, and uncontended, inline against the vDSO and the
# syscall, alternating within one run; and in both kernels, signal delivery
# (the C kernel has neither the vDSO fixup nor its check). arm64 runs on two
# QEMU CPUs, with LSE atomics and without, for the two sequences of its vDSO.
#
# TCG has no stable notion of time: host load moves every sample, and a
# guest may even fail to calibrate its TSC. So by default QEMU runs with
# -icount shift=0, where the guest's timestamp counter advances one tick
# per guest instruction: the samples then count instructions, exactly and
# repeatably, like callgrind. BENCH_ICOUNT=0 measures host time instead.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ROUNDS=${BENCH_ROUNDS:-6}	# boots per kernel
SAMPLES=${BENCH_SAMPLES:-15}	# samples per size per boot

ICOUNT=${BENCH_ICOUNT:-1}
QEMU_EXTRA=
[ "$ICOUNT" = 1 ] && QEMU_EXTRA="-icount shift=0"
export QEMU_EXTRA

ARCHS=${BENCH_ARCHS:-x86_64 arm64}

# The QEMU CPUs an arch is measured on: arm64 on one with LSE atomics (the
# vDSO runs its casl) and one without (its ldxr/stlxr loop).
cpus_for() {
	case $1 in
	x86_64) echo max ;;
	arm64) echo "max cortex-a57" ;;
	esac
}

for arch in $ARCHS; do
	for variant in rustwalk cwalk; do
		tag=$arch-$variant
		phase "build $tag kernel" logged "$(phase_log "build $tag kernel")" \
			"$ROOT/scripts/build-kernel.sh" "$arch" $variant
	done

	# The initramfs: the init and the benchmarks, nothing else. The unlock
	# benchmark needs the uAPI of the series, and the vDSO parser of the
	# selftests to find the vDSO's robust unlock.
	cc=$(cc_for "$arch")
	root=$(tool_root "$arch" "bench-$arch")
	vdso_parser=$TREE/tools/testing/selftests/vDSO
	bench_cc() {	# <program>: build scripts/bench/<program>.c
		"$cc" -static -O2 -Wall -pthread \
			-isystem "$BUILD/out/$arch-rustwalk/usr-headers/include" \
			-I "$vdso_parser" -o "$root/bench/$1" \
			"$ROOT/scripts/bench/$1.c" "${@:2}"
	}
	bench_cc robust_exit
	bench_cc robust_unlock "$vdso_parser/parse_vdso.c"
	bench_cc signal_pingpong
	{
		echo "bench robust_exit|/bench|1200|robust_exit $SAMPLES"
		echo "bench robust_unlock|/bench|1200|robust_unlock $SAMPLES"
		echo "bench signal_pingpong|/bench|1200|signal_pingpong $SAMPLES"
	} >"$root/etc/tests.list"
	pack_initramfs "$root" "$BUILD/initramfs/bench-$arch.cpio"
done

unit=ticks
[ "$ICOUNT" = 1 ] && unit=instructions
status=0
for arch in $ARCHS; do
	for cpu in $(cpus_for "$arch"); do
		run=$arch
		[ "$cpu" = max ] || run=$arch-$cpu
		logs=()
		for round in $(seq "$ROUNDS"); do
			for variant in cwalk rustwalk; do
				name=${variant%walk}
				tag=bench-$run-$name-$round
				phase "bench $run round $round: $name walk" env \
					INITRD="$BUILD/initramfs/bench-$arch.cpio" \
					LOG_TAG="$tag" ARM64_CPU="$cpu" \
					"$ROOT/scripts/boot.sh" "$arch" test $variant
				logs+=("$name=$LOGS/console-$tag.log")
			done
		done
		echo
		echo "== $arch on QEMU -cpu $cpu, $unit:"
		# The instruction counts of x86_64 are checked against the
		# limits of the robust unlock; the verdict is the exit status
		# of make bench, after all tables. arm64's are shown (its
		# counter ticks once per 16 instructions under -icount).
		limits=
		[ "$ICOUNT" = 1 ] && [ "$arch" = x86_64 ] && limits=--limits
		python3 "$ROOT/scripts/bench/summary.py" $limits --unit "$unit" \
			"${logs[@]}" || status=$?

		# Instruction counts weigh a locked cmpxchg like a mov, and a
		# call and a return like two more: for operations of a few
		# dozen instructions that is not their cost. So the Rust kernel
		# also runs in host time, noisy as TCG makes it, for a second
		# view of the same benchmarks.
		[ "$ICOUNT" = 1 ] || continue
		hostlogs=()
		for round in $(seq "${BENCH_HOST_ROUNDS:-3}"); do
			tag=bench-host-$run-rust-$round
			phase "bench $run host-time round $round: rust walk" env \
				INITRD="$BUILD/initramfs/bench-$arch.cpio" \
				LOG_TAG="$tag" ARM64_CPU="$cpu" QEMU_EXTRA= \
				"$ROOT/scripts/boot.sh" "$arch" test rustwalk
			hostlogs+=("rust=$LOGS/console-$tag.log")
		done
		echo
		echo "== the same in host time ($arch on QEMU -cpu $cpu, TCG, rust kernel only):"
		python3 "$ROOT/scripts/bench/summary.py" --unit ticks "${hostlogs[@]}"
	done
done

# Text of the walk in each kernel, from the symbol sizes: the Rust crate
# without its KUnit tests plus the C wake-up it calls, against the three C
# functions it replaces. The Rust walk is inline in its entry points and the
# common case of handle_futex_death() inline in the walk, so the entry
# points and the out-of-line rest of the death handling are its text.
symsize() {	# <object> <python regex the symbol names must match, or ! for not>
	nm -S "$1" | python3 -c '
import re, sys
pat, neg = sys.argv[1].lstrip("!"), sys.argv[1].startswith("!")
print(sum(int(f[1], 16) for f in (l.split() for l in sys.stdin)
          if len(f) == 4 and f[2] in "tT" and bool(re.search(pat, f[3])) != neg))
' "$2"
}
# The walk's monomorphic instances for the real task, not the KUnit ones.
echo
for arch in $ARCHS; do
	rust_text=$(( $(symsize "$BUILD/out/$arch-rustwalk/kernel/futex/robust/robust_list.o" \
		'^futex_rust_(compat_)?exit_robust_list$|(4walk16exit_robust_list|5death18handle_futex_death|5death17handle_other_word).*11CurrentTask') +
		$(symsize "$BUILD/out/$arch-rustwalk/kernel/futex/core.o" \
		'^futex_robust_wake_one$') ))
	c_text=$(symsize "$BUILD/out/$arch-cwalk/kernel/futex/core.o" \
		'^(exit_robust_list|compat_exit_robust_list|handle_futex_death)$')
	echo "text size of the walk, $arch: Rust $rust_text bytes (the two entry" \
	     "points with the walk inline, the death handling, and" \
	     "futex_robust_wake_one), C $c_text bytes (exit_robust_list," \
	     "compat_exit_robust_list, handle_futex_death)"
done
exit $status
