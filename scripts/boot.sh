#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# boot.sh <x86_64|arm64> [test|shell] [variant]: boot the built kernel with
# the test initramfs under QEMU (-smp 2; KVM only if it works, else TCG).
# "test" runs KUnit and the selftests and writes the console to
# build/logs/console-<arch>.log; a guest that does not finish within
# BOOT_TIMEOUT seconds is killed, reported as a failure with the tail of its
# console. "shell" gives an interactive busybox shell.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

arch=$1
mode=${2:-test}
variant=${3:-}
out=$OUT/$arch${variant:+-$variant}
initrd=${INITRD:-$BUILD/initramfs/$TAG_PREFIX$arch.cpio}
timeout=${BOOT_TIMEOUT:-1800}
append="panic=-1 oops=panic"
[ "$mode" = shell ] && append="$append shell"
# GUEST_CMDLINE: more kernel parameters; "name=value" ones reach the init
# and the tests as their environment (timeout_factor=N, FUTEX_14485_TRIALS and
# FUTEX_14485_LEGACY_TRIALS).
append="$append ${GUEST_CMDLINE:-}"

# KVM only if it really runs a guest: /dev/kvm can exist and still fail
# (nested, MSR errors). Probe once by booting the kernel with no init.
accel=tcg
host=$(uname -m | sed 's/aarch64/arm64/')
if [ "$arch" = "$host" ] && [ -w /dev/kvm ]; then
	probe=$BUILD/kvm-probe.log
	if [ ! -f "$BUILD/kvm-probed" ]; then
		# (QEMU aborts on a broken KVM; keep the shell's notice quiet.)
		{ timeout -k 2 20 qemu-system-x86_64 -accel kvm -cpu host -M pc \
			-m 256M -nographic -no-reboot \
			-kernel "$out/arch/x86/boot/bzImage" \
			-append "console=ttyS0 panic=-1 rdinit=/none" \
			</dev/null >"$probe" 2>&1; } 2>/dev/null || true
		grep -q 'Linux version' "$probe" && echo kvm >"$BUILD/kvm-probed" ||
			echo tcg >"$BUILD/kvm-probed"
	fi
	accel=$(cat "$BUILD/kvm-probed")
fi
cpu=max
[ "$accel" = kvm ] && cpu=host
case $arch in
x86_64)
	qemu=(qemu-system-x86_64 -M pc -cpu "$cpu" -kernel "$out/arch/x86/boot/bzImage")
	append="console=ttyS0 $append"
	;;
arm64)
	qemu=(qemu-system-aarch64 -M virt -cpu "${ARM64_CPU:-max}" -kernel "$out/arch/arm64/boot/Image")
	append="console=ttyAMA0 $append"
	;;
esac
# QEMU_EXTRA: more options, e.g. -icount for make bench.
# shellcheck disable=SC2206
qemu+=(-accel "$accel" -smp 2 -m 1G -nographic -no-reboot ${QEMU_EXTRA:-}
       -initrd "$initrd" -append "$append")

if [ "$mode" = shell ]; then
	exec "${qemu[@]}"
fi

log=$LOGS/console-$TAG_PREFIX${LOG_TAG:-$arch${variant:+-$variant}}.log
echo "    qemu ($accel, -smp 2), console: $log"
set +e
timeout --foreground -k 5 "$timeout" "${qemu[@]}" </dev/null >"$log" 2>&1
rc=$?
set -e
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	echo "# boot: guest killed after ${timeout}s" >>"$log"
	echo "error: $arch guest hung; killed after ${timeout}s. Console tail:" >&2
	tail -n 30 "$log" >&2
	exit 1
fi
if ! grep -q '^# init: all tests done' "$log"; then
	echo "error: $arch guest ended early (qemu exit $rc). Console tail:" >&2
	tail -n 30 "$log" >&2
	exit 1
fi
