#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pipeline.sh <run|test|debug>: the README's commands, phase by phase.
#
#   run    set up, assemble, build x86_64, boot it, run KUnit and the futex
#          selftests, print a short summary
#   test   the same for x86_64 and arm64 (arm64 booted twice: on a CPU with
#          LSE atomics and on one without), plus checkpatch --strict on every
#          patch of the exported series and rustfmtcheck; ends with
#          "N passed, N failed" and fails on any failure
#   debug  x86_64 and arm64 with KASAN, lockdep, PROVE_RCU, DEBUG_LIST,
#          DEBUG_OBJECTS, atomic-sleep, UBSAN and kmemleak
#   norust x86_64 without CONFIG_RUST: the C walk, ENOSYS for the new uAPI,
#          and the series' selftests skip
#
# Each phase announces itself and prints its wall time; a failing phase names
# its log. A failing build or boot does not stop the other arch: every
# result is counted in the closing line.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

what=${1:-run}
T0=$(date +%s)
results=()		# LABEL=FILE arguments of ktap_summary.py
compared=()		# the side-by-side logs of same_results()
CHECKS=$LOGS/checks.tap
: >"$CHECKS"
nchecks=0

# check <name> <command...>: one TAP line in $CHECKS for a check's outcome.
check() {
	local name=$1
	shift
	nchecks=$((nchecks + 1))
	if "$@"; then
		echo "ok $nchecks $name" >>"$CHECKS"
	else
		echo "not ok $nchecks $name" >>"$CHECKS"
	fi
}

setup() {
	"$ROOT/scripts/setup.sh" --plan | sed 's/^/    /'
	logged "$(phase_log setup)" "$ROOT/scripts/setup.sh" &&
		grep -v '^\s*$' "$(phase_log setup)" | sed 's/^/    /'
}
assemble() { python3 "$ROOT/scripts/series.py" assemble 2>&1 | sed 's/^/    /'; }

# The new files in this repo are what the assembled series holds (the check
# names each file that differs).
files_check() {
	check "the repo's new files are the $BASE series' (series.py check)" \
		logged "$(phase_log "files-$BASE")" python3 "$ROOT/scripts/series.py" check
}

# arch_pipeline <arch> [variant]: build, pack, boot; the console log is the
# result whether or not a phase failed (a missing log counts as a failure).
arch_pipeline() {
	local arch=$1 variant=${2:-} tag=$TAG_PREFIX$1${2:+-$2}
	rm -f "$LOGS/console-$tag.log"
	results+=("$tag=$LOGS/console-$tag.log")
	phase "build $tag kernel" \
		logged "$(phase_log "build $tag kernel")" \
		"$ROOT/scripts/build-kernel.sh" "$arch" $variant || return 0
	phase "build $arch selftests and initramfs" \
		logged "$(phase_log "build $arch selftests and initramfs")" \
		"$ROOT/scripts/build-initramfs.sh" "$arch" $variant || return 0
	phase "boot $tag: KUnit and selftests" \
		"$ROOT/scripts/boot.sh" "$arch" test $variant || return 0
}

# arm64_cpu <tag> <QEMU CPU> <lse|no-lse>: boot the arm64 kernel and
# initramfs just built again, on another CPU, so that the vDSO robust
# unlock's other sequence runs (LSE atomics: casl; without: ldxr/stlxr). The
# console must show that the CPU had (or had not) LSE atomics.
arm64_cpu() {
	local tag=$TAG_PREFIX$1 cpu=$2 lse=$3 log=$LOGS/console-$TAG_PREFIX$1.log
	rm -f "$log"
	results+=("$tag=$log")
	phase "boot $tag (QEMU -cpu $cpu): KUnit and selftests" \
		env ARM64_CPU="$cpu" LOG_TAG="$1" \
		"$ROOT/scripts/boot.sh" arm64 test || return 0
	check "$tag ran on -cpu $cpu, $lse atomics" cpu_has_lse "$log" "$lse"
}

cpu_has_lse() {	# <console log> <lse|no-lse>
	local seen=lse
	grep -q 'CPU features: detected: LSE atomic instructions' "$1" ||
		seen=no-lse
	[ "$seen" = "$2" ] || { echo "    $1: $seen, expected $2"; return 1; }
}

# Series checks: every exported patch is checkpatch --strict clean, and
# every file the series adds has a maintainer (which is what checkpatch's
# FILE_PATH_CHANGES warning asks; we answer it instead of the warning): an
# M: entry of a section that is Maintained or Supported, as get_maintainer.pl
# labels them.
#
# checkpatch warns on every ENOSYS ("invalid syscall nr and nothing else",
# with false positives it admits to). futex(2) has always failed with ENOSYS
# for an operation it does not know, and the robust unlock ABI keeps that, so
# a selftest must check for it: the warning is ignored in patches that touch
# only tools/testing/selftests/, and nowhere else.
checkpatch_one() {
	local patch=$1 log=$2 f ignore=FILE_PATH_CHANGES
	grep '^diff --git ' "$patch" | grep -qv ' a/tools/testing/selftests/' ||
		ignore+=,ENOSYS
	(cd "$TREE" && ./scripts/checkpatch.pl --strict --ignore "$ignore" \
		"$patch") >"$log" 2>&1 || { sed 's/^/    /' "$log"; return 1; }
	for f in $(awk '/^diff --git /{f=$4; sub(/^b\//, "", f)}
			/^new file mode/{print f}' "$patch"); do
		(cd "$TREE" && ./scripts/get_maintainer.pl --no-git -f "$f") |
			grep -Eq "\((maintainer|supporter):" ||
			{ echo "    $f: no maintainer in MAINTAINERS"; return 1; }
	done
}

series_checks() {
	local p
	# The posting carries the identity of whoever posts; a clone without
	# one (CI) checks the series under a stand-in.
	git -C "$ROOT" config user.email >/dev/null ||
		export SERIES_FROM="${SERIES_FROM:-make test <make-test@localhost>}"
	python3 "$ROOT/scripts/series.py" format >"$(phase_log "series-$BASE")"
	for p in "$POSTING"/0*.patch; do
		case $p in */0000-cover-letter.patch) continue ;; esac
		check "$TAG_PREFIX${TAG_PREFIX:+series: }checkpatch --strict: ${p##*/}" \
			checkpatch_one "$p" "$LOGS/checkpatch-$TAG_PREFIX${p##*/}.log"
	done
}

# The C of the series adds no warning at W=1 (the build has WERROR, so a
# warning fails the compile). Rust warnings already fail every build.
w1_check() {
	check "${TAG_PREFIX}W=1 build of kernel/futex/ (x86_64)" \
		logged "$(phase_log "w1-$BASE")" \
		make -C "$TREE" O="$OUT/x86_64" ARCH=x86_64 \
		"${KMAKE_VARS[@]}" CLIPPY=1 W=1 kernel/futex/
}

# The series' C outside kernel/futex/ adds no warning at W=1 either.
w1_vdso_check() {
	check "${TAG_PREFIX}W=1 build of arch/x86/entry/vdso/vma.o (x86_64)" \
		logged "$(phase_log "w1-vdso-$BASE")" \
		make -C "$TREE" O="$OUT/x86_64" ARCH=x86_64 \
		"${KMAKE_VARS[@]}" W=1 arch/x86/entry/vdso/vma.o
}

# The man pages for linux-man render without a groff warning.
man_check() {
	local page
	for page in "$ROOT"/man/man*/*; do
		check "man page ${page#"$ROOT"/man/} (groff -ww)" man_page_clean \
			"${page#"$ROOT"/man/}"
	done
}

man_page_clean() {	# <page, relative to man/>
	local out
	out=$(cd "$ROOT/man" && groff -man -ww -z "$1" 2>&1)
	[ -z "$out" ] || { sed 's/^/    /' <<<"$out"; return 1; }
}

rustfmt_check() {
	check "${TAG_PREFIX}make rustfmtcheck" logged "$(phase_log "rustfmtcheck-$BASE")" \
		make -C "$TREE" O="$OUT/x86_64" ARCH=x86_64 \
		"${KMAKE_VARS[@]}" rustfmtcheck
}

# program_lines <program> <ERE>: the lines of a selftest program's output
# that match the ERE, from this run's consoles (those of other runs may still
# be in $LOGS), each cut to start at its match and led by the kernel and the
# ABI of the program (its TAP result line, after its output, names the ABI).
program_lines() {
	local program=$1 ere=$2 result tag log
	for result in "${results[@]}"; do
		tag=${result%%=*}
		log=${result#*=}
		[ "$tag" != checks ] && [ -r "$log" ] || continue
		tr -d '\r' <"$log" | awk -v tag="$tag" -v prog="$program" -v ere="$ere" '
			match($0, ere) {
				buf[n++] = substr($0, RSTART)
				next
			}
			$0 ~ "^(not )?ok [0-9]+ [^ ]+ futex: " prog "( |$)" {
				abi = $1 == "not" ? $4 : $3
				for (i = 0; i < n; i++)
					printf "    %-12s %-7s %s\n", tag, abi, buf[i]
				n = 0
			}'
	done
}

# What the series fixes, as the selftests of each kernel saw it: glibc bug
# 14485 reproduced with ptrace, for the legacy unlock and the vDSO unlock.
bug_14485_demo() {
	local lines
	lines=$(program_lines futex_robust_vdso 'bug 14485, ')
	[ -n "$lines" ] || return 0
	echo
	echo "glibc bug 14485 (a robust mutex unlocked, its memory reused, the"
	echo "thread killed before it cleared list_op_pending), from futex_robust_vdso"
	echo "(kernel, ABI of the program):"
	echo "$lines"
}

# The fuzzer's seed and closing line per kernel and ABI: what it did, and the
# seed that replays it.
fuzzer_lines() {
	local lines
	lines=$(program_lines futex_robust_fuzz \
		'futex_robust_fuzz: (seed|[0-9]+ calls)')
	[ -n "$lines" ] || return 0
	echo
	echo "futex_robust_fuzz (kernel, ABI of the program; -s replays a seed):"
	echo "$lines"
}

# The selftest cases of each pair of kernels that must behave the same (the
# Rust and the C implementation of one tree), side by side, as compared by
# same_results() in this run.
side_by_side() {
	local log
	for log in "${compared[@]}"; do
		[ -r "$log" ] || continue
		echo
		echo "Rust and C kernels of one tree, case by case (${log##*/rust-vs-c-}):"
		sed 's/^/    /' "$log"
	done
}

summary() {
	echo
	echo "==> summary (logs in $LOGS)"
	set +e
	echo "QEMU CPUs: x86_64 and arm64 -cpu max (arm64: LSE atomics, the vDSO's"
	echo "casl), arm64-a57 -cpu cortex-a57 (no LSE: the vDSO's ldxr/stlxr loop)"
	local table rc
	table=$(python3 "$ROOT/scripts/ktap_summary.py" "${results[@]}")
	rc=$?
	set -e
	# The table's last line, "N passed, N failed", closes the output.
	side_by_side
	sed '$d' <<<"$table"
	fuzzer_lines
	bug_14485_demo
	echo "total wall time $(( $(date +%s) - T0 ))s"
	tail -n 1 <<<"$table"
	return $rc
}

# The Rust and the C implementation of the same uAPI, in two kernels of one
# tree (the default, and the upstream-c variant): every selftest case has
# the same result on both, shown side by side in the log. robust_list2 tests
# mostly the uAPI only the Rust has (set_robust_list2(): ENOSYS in the C of
# the tree): each of its cases passes on the Rust kernel and skips on the C
# one, or has the same result on both (ktap_diff.py --rust-only).
same_results() {	# <arch>
	local log
	log=$(phase_log "rust-vs-c-$TAG_PREFIX$1")
	compared+=("$log")
	if ! python3 "$ROOT/scripts/ktap_diff.py" --rust-only robust_list2 \
		"Rust=$LOGS/console-$TAG_PREFIX$1.log" \
		"C=$LOGS/console-$TAG_PREFIX$1-upstream-c.log" >"$log"; then
		grep -E 'DIFFERS|missing|differ$' "$log" | sed 's/^/    /'
		return 1
	fi
	tail -n 2 "$log" | sed 's/^/    /'
}

# The kernels of the 7.3 base (patches-7.3/), the series' new base, which
# it is moving to: x86_64 and arm64, each with the Rust crate and with
# upstream's C, their selftest results compared case by case, and the arm64
# Rust kernel again on a CPU without LSE atomics, each running upstream's
# futex selftests with the series'.
base_73() {
	set_base 7.3
	phase "assemble build/linux-7.3 from patches-7.3/" assemble
	phase "7.3: new-files-7.3/ holds the series' new files (series.py check)" \
		files_check
	arch_pipeline x86_64
	arch_pipeline x86_64 upstream-c
	check "7.3-x86_64: Rust and C kernels give every selftest case the same result" \
		same_results x86_64
	arch_pipeline arm64
	arm64_cpu arm64-a57 cortex-a57 no-lse
	check "7.3-arm64 ran on -cpu max, lse atomics" \
		cpu_has_lse "$LOGS/console-7.3-arm64.log" lse
	arch_pipeline arm64 upstream-c
	check "7.3-arm64: Rust and C kernels give every selftest case the same result" \
		same_results arm64
	phase "7.3 series: export and checkpatch --strict" series_checks
	phase "7.3: rustfmtcheck" rustfmt_check
	phase "7.3: W=1 build of kernel/futex/ (C and Rust)" w1_check
	phase "7.3: W=1 build of the x86 vDSO's C" w1_vdso_check
	set_base 6.12
}

phase "set-up" setup
phase "assemble build/linux from patches/" assemble
phase "the repo's files are the series' final files" files_check
results+=("checks=$CHECKS")
case $what in
run)
	arch_pipeline x86_64
	;;
test)
	arch_pipeline x86_64
	arch_pipeline arm64
	arm64_cpu arm64-a57 cortex-a57 no-lse
	check "arm64 ran on -cpu max, lse atomics" \
		cpu_has_lse "$LOGS/console-arm64.log" lse
	phase "series: export and checkpatch --strict" series_checks
	phase "rustfmtcheck" rustfmt_check
	phase "man pages" man_check
	phase "W=1 build of the series' C" w1_check
	base_73
	;;
debug)
	# Under KASAN, lockdep and kmemleak on TCG everything runs several
	# times slower. Each kernel runs the selftests for two ABIs (64-bit
	# and -m32 or 32-bit arm): 5,000 ptrace-placed kills in the window of
	# glibc bug 14485 per ABI through the vDSO make 10,000 per kernel;
	# the legacy sequence, a demonstration whose count is only printed,
	# gets 1,000. A trial takes 0.11 to 0.17 s on x86_64 (about 15
	# minutes per ABI): each test program gets 20 times its timeout, the
	# guest 4 hours.
	export GUEST_CMDLINE="timeout_factor=20 FUTEX_14485_TRIALS=${FUTEX_14485_TRIALS:-5000} FUTEX_14485_LEGACY_TRIALS=${FUTEX_14485_LEGACY_TRIALS:-1000}"
	export BOOT_TIMEOUT=${BOOT_TIMEOUT:-14400}
	# DEBUG_ARCHS: one architecture per run where a session is too short
	# for both (hours each on this machine).
	for arch in ${DEBUG_ARCHS:-x86_64 arm64}; do
		arch_pipeline "$arch" debug
	done
	;;
norust)
	arch_pipeline x86_64 norust
	;;
*)
	die "unknown pipeline '$what' (run, test, debug or norust)"
	;;
esac
summary
