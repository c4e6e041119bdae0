# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers of the tooling: paths, the kernel's toolchain environment,
# phase announcement with wall time, and progress for long commands.
# Sourced, never run.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
LOGS=$BUILD/logs
mkdir -p "$LOGS"

# BASE: the series' base, 6.12 (patches/) or 7.3 (patches-7.3/), while the
# series moves from one to the other. Each has its tree (make bisect passes
# a worktree of it in TREE), its kernels' build directories
# (OUT/<arch>[-variant]), the prefix of its console logs, initramfs and
# result labels (TAG_PREFIX), the posting make series writes (POSTING),
# and its LLVM: 7.3 needs clang >= 17 (Debian
# 12's clang-19); 6.12 keeps the clang 14 it was tested with. bindgen loads
# the first libclang it finds, and another LLVM's fails on the kernel's
# clang options ("unknown argument"): LIBCLANG_PATH names the one of the
# LLVM the build uses. set_base switches all of it (pipeline.sh runs both).
TREE_GIVEN=${TREE:-}
set_base() {
	export BASE=$1
	case $BASE in
	6.12)
		TREE=${TREE_GIVEN:-$BUILD/linux}
		OUT=$BUILD/out
		TAG_PREFIX=
		POSTING=$BUILD/series
		LLVM_VAR=LLVM=1
		export LIBCLANG_PATH=/usr/lib/llvm-14/lib
		;;
	7.3)
		TREE=${TREE_GIVEN:-$BUILD/linux-7.3}
		OUT=$BUILD/out-7.3
		TAG_PREFIX=7.3-
		POSTING=$BUILD/series-7.3
		LLVM_VAR=LLVM=-19
		export LIBCLANG_PATH=/usr/lib/llvm-19/lib
		;;
	*) echo "error: BASE=$BASE: not 6.12 or 7.3" >&2; exit 1 ;;
	esac
	KMAKE_VARS=("$LLVM_VAR" RUSTC=/usr/bin/rustc HOSTRUSTC=/usr/bin/rustc
		    RUSTDOC=/usr/bin/rustdoc
		    BINDGEN="${CARGO_HOME:-$HOME/.cargo}/bin/bindgen")
}

# Kernel Rust must be built by Debian's rustc-web (it has rust-src); the
# host proc-macro crate too, or rustc refuses to mix them (E0514).
# bindgen is the cargo-installed CLI.
export PATH=/usr/bin:/bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH
set_base "${BASE:-6.12}"

die() { echo "error: $*" >&2; exit 1; }

# cc_for <arch>: the C compiler of static programs for the arch's guests.
cc_for() {
	case $1 in
	x86_64) echo gcc ;;
	arm64) echo aarch64-linux-gnu-gcc ;;
	*) die "unknown arch '$1' (x86_64 or arm64)" ;;
	esac
}

# tool_root <arch> <name>: a fresh root for the initramfs of a measurement
# (make bench, make walk-trace) in build/initramfs/<name>, with the test
# init and an empty /bench for its programs. Prints the root's path.
tool_root() {
	local root=$BUILD/initramfs/$2
	rm -rf "$root"
	mkdir -p "$root"/{bench,etc,proc,sys,dev,tmp}
	"$(cc_for "$1")" -static -O2 -Wall -o "$root/init" \
		"$ROOT/scripts/initramfs/init.c"
	echo "$root"
}

# pack_initramfs <root> <cpio>: the root as a newc cpio, in a stable order.
pack_initramfs() {
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$2"
}

# kernel_arch <arch>: the kernel's ARCH= for one of our arch names.
kernel_arch() {
	case $1 in
	x86_64) echo x86 ;;
	arm64) echo arm64 ;;
	*) die "unknown arch '$1' (x86_64 or arm64)" ;;
	esac
}

# phase <name> <command...>: announce, run, print the wall time; on failure
# name the phase and its log file.
phase() {
	local name=$1 t0 rc
	shift
	t0=$(date +%s)
	echo "==> $name"
	set +e
	"$@"
	rc=$?
	set -e
	if [ $rc -ne 0 ]; then
		echo "==> $name: FAILED after $(( $(date +%s) - t0 ))s" \
		     "(exit $rc; log: $(phase_log "$name"))" >&2
		return $rc
	fi
	echo "==> $name: done in $(( $(date +%s) - t0 ))s"
}

# phase_log <name>: the log file of a phase.
phase_log() { echo "$LOGS/$(echo "$1" | tr -c 'A-Za-z0-9_.-' '-' | sed 's/-*$//').log"; }

# logged <log> <command...>: run with output to <log>, printing a progress
# line every 20 s (lines so far and the last one); on failure show the tail.
logged() {
	local log=$1 pid rc
	shift
	"$@" >"$log" 2>&1 &
	pid=$!
	while kill -0 $pid 2>/dev/null; do
		for _ in $(seq 20); do
			sleep 1
			kill -0 $pid 2>/dev/null || break 2
		done
		printf '    ... %5d lines, %s\n' "$(wc -l <"$log")" \
			"$(tail -n1 "$log" | cut -c1-90)"
	done
	set +e
	wait $pid
	rc=$?
	set -e
	if [ $rc -ne 0 ]; then
		echo "--- last lines of $log:" >&2
		tail -n 25 "$log" >&2
	fi
	return $rc
}
