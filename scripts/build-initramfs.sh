#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-initramfs.sh <x86_64|arm64> [variant]: build the futex kselftests static for
# every ABI the kernel runs (x86_64 and i386 on x86_64; arm64 and 32-bit arm,
# armhf, on arm64), the init
# (scripts/initramfs/init.c), the test list, and pack them with busybox
# into build/initramfs/<arch>.cpio.
#
# The test list is read from the selftests' own run.sh files, so a test the
# series adds to run.sh runs here too.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

arch=$1
variant=${2:-}		# the kernel whose uAPI headers the tests see
case $arch in
x86_64) abis=(x86_64 i386) ;;
arm64) abis=(arm64 armhf) ;;
*) die "unknown arch $arch" ;;
esac
headers=$OUT/$arch${variant:+-$variant}/usr-headers/include
[ -d "$headers" ] || die "no installed headers in $headers: build the kernel first"
root=$BUILD/initramfs/$TAG_PREFIX$arch
rm -rf "$root"
mkdir -p "$root"/{bin,etc,selftests,proc,sys,dev,tmp}

# abi_cc <abi>: the compiler and flags for one ABI.
abi_cc() {
	case $1 in
	x86_64) echo "gcc" ;;
	i386) echo "gcc -m32" ;;
	arm64) echo "aarch64-linux-gnu-gcc" ;;
	armhf) echo "arm-linux-gnueabihf-gcc" ;;
	esac
}

# abi_headers <abi>: the uAPI headers an ABI's tests compile against: the
# kernel's own, but arch/arm's for 32-bit arm code. arm64's describe AArch64
# only (x86's cover i386 too); the compat system call numbers of arm64 are
# arm's. They do not depend on the kernel's config.
abi_headers() {
	local dir=$OUT/arm-headers
	case $1 in
	armhf)
		make -s -C "$TREE" O="$dir" ARCH=arm "${KMAKE_VARS[@]}" \
			headers_install INSTALL_HDR_PATH="$dir/usr-headers" >&2
		echo "$dir/usr-headers/include"
		;;
	*) echo "$headers" ;;
	esac
}

# abi_warnings <abi>: warnings that stay warnings for an ABI. On 7.3, the
# harness's ASSERT_EQ() casts the pointers it compares to intmax_t, and
# futex_requeue_pi prints a time_t with %ld: on a 32-bit ABI both warn in
# every harness test that compares pointers, a matter of
# kselftest_harness.h, not of the tests.
abi_warnings() {
	case $BASE/$1 in
	7.3/i386 | 7.3/armhf) echo "-Wno-error=pointer-to-int-cast -Wno-error=format" ;;
	esac
}

# Selftest directories we run, each with a run.sh naming its tests.
SELFTEST_DIRS=(futex/functional)
TIMEOUT=300	# seconds per test program

: >"$root/etc/tests.list"
for abi in "${abis[@]}"; do
	cc=$(abi_cc "$abi")
	hdrs=$(abi_headers "$abi")
	for dir in "${SELFTEST_DIRS[@]}"; do
		out=$BUILD/selftests/$TAG_PREFIX$abi/$dir
		mkdir -p "$out"
		echo "    selftests $dir for $abi ($cc -static)"
		# lib.mk appends its flags to CFLAGS/LDFLAGS from the environment;
		# a warning in a selftest fails the build, as one in the kernel does.
		CFLAGS="-static -Wall -Werror $(abi_warnings "$abi")" LDFLAGS="-static" \
			make -s -C "$TREE/tools/testing/selftests/$dir" \
			CC="$cc" OUTPUT="$out" \
			KHDR_INCLUDES="-isystem $hdrs" all
		dst=$root/selftests/$abi/$dir
		mkdir -p "$dst"
		find "$out" -maxdepth 1 -type f -perm -u+x -exec cp {} "$dst/" \;
		# "./prog $COLOR -a -b" in run.sh becomes one line of the list.
		sed -n 's/^\.\/\([^ ]*\)\(.*\)$/\1\2/p' \
			"$TREE/tools/testing/selftests/$dir/run.sh" |
		sed 's/\$COLOR//; s/  */ /g; s/ *$//' |
		while read -r line; do
			echo "$abi ${dir%%/*}: $line|/selftests/$abi/$dir|$TIMEOUT|$line"
		done >>"$root/etc/tests.list"
	done
done

initcc=$(abi_cc "${abis[0]}")
$initcc -static -O2 -Wall -Wextra -o "$root/init" "$ROOT/scripts/initramfs/init.c"
busybox=$BUILD/busybox/$arch/bin/busybox
[ "$arch" = x86_64 ] && busybox=/bin/busybox
[ -x "$busybox" ] && cp "$busybox" "$root/bin/busybox"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$BUILD/initramfs/$TAG_PREFIX$arch.cpio"
echo "    $(grep -c . "$root/etc/tests.list") tests," \
     "$(du -h "$BUILD/initramfs/$TAG_PREFIX$arch.cpio" | cut -f1) initramfs"
