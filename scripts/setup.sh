#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# setup.sh [--plan]: install what a fresh Debian 12 machine lacks to
# assemble, build, boot and test the series. Idempotent: installs only what
# is missing and says what. With --plan it only prints what it would
# install (nothing if nothing is missing), which the Makefile and
# pipeline.sh show before they install anything.
#
# It uses only apt-get (Debian's main and bookworm-security archives), cargo
# from Debian's cargo-web (which it installs) and deb.debian.org.
set -euo pipefail
plan=${1:-}

# Debian packages, by what they are for.
PKGS=(
	linux-source-6.12			# the base tree
	rustc-web rust-web-src			# rustc 1.9x with the core/alloc sources
	clang lld llvm libclang-dev		# LLVM=1 builds, bindgen's libclang
	curl bc flex bison libelf-dev libssl-dev cpio make xz-utils rsync python3 perl
	python3-ply python3-git			# checkpatch.pl runs spdxcheck.py
	rustfmt-web rust-web-clippy		# make rustfmtcheck, CLIPPY=1
	cargo-web				# builds bindgen-cli (Debian's cargo
						# 0.66 is older than bindgen's MSRV)
	busybox-static				# the shell of make qemu (x86_64)
	qemu-system-x86 qemu-system-arm		# TCG boots of x86_64 and arm64
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross	# arm64 selftests
	gcc-arm-linux-gnueabihf libc6-dev-armhf-cross	# 32-bit arm selftests
							# (arm64 COMPAT)
	gcc-12-multilib				# -m32 selftests (not gcc-multilib:
						# it conflicts with the cross gcc)
	gdb-multiarch				# make walk-trace (x86_64 and arm64)
)
BINDGEN_VERSION=0.71.1

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q '^install ok installed$' || missing+=("$p")
done

# bindgen must be the CLI of a known version; the kernel calls it by name.
CARGO_BIN=${CARGO_HOME:-$HOME/.cargo}/bin
need_bindgen=
"$CARGO_BIN/bindgen" --version 2>/dev/null | grep -q " $BINDGEN_VERSION\$" ||
	need_bindgen=y

# busybox for the arm64 initramfs (make qemu ARCH=arm64): the arm64 .deb,
# unpacked into build/, so the host needs no foreign architecture.
BB_DIR=$(cd "$(dirname "$0")/.." && pwd)/build/busybox/arm64
need_busybox=
[ -x "$BB_DIR/bin/busybox" ] || need_busybox=y

if [ "$plan" = --plan ]; then
	todo=()
	[ ${#missing[@]} -eq 0 ] ||
		todo+=("Debian packages (apt-get): ${missing[*]};")
	[ -z "$need_bindgen" ] ||
		todo+=("bindgen-cli $BINDGEN_VERSION (cargo install, into $CARGO_BIN);")
	[ -z "$need_busybox" ] ||
		todo+=("busybox-static for arm64 (into build/busybox);")
	[ ${#todo[@]} -eq 0 ] ||
		echo "set-up: about to install ${todo[*]%;}"
	exit 0
fi

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing Debian packages: ${missing[*]}"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
else
	echo "setup: Debian packages present"
fi

if [ -n "$need_bindgen" ]; then
	echo "setup: installing bindgen-cli $BINDGEN_VERSION (cargo install --locked)"
	# Debian's cargo and rustc, whatever else is first in PATH: the same
	# toolchain on every machine.
	PATH=/usr/bin:$PATH RUSTC=/usr/bin/rustc /usr/bin/cargo install \
		--locked --quiet --root "${CARGO_HOME:-$HOME/.cargo}" \
		--version "$BINDGEN_VERSION" bindgen-cli
else
	echo "setup: bindgen-cli $BINDGEN_VERSION present"
fi

if [ -n "$need_busybox" ]; then
	echo "setup: fetching busybox-static (arm64) from deb.debian.org"
	MIRROR=http://deb.debian.org/debian
	tmp=$(mktemp -d)
	curl -fsSL "$MIRROR/dists/bookworm/main/binary-arm64/Packages.xz" |
		xz -d >"$tmp/Packages"
	deb=$(awk '/^Package: /{p=$2} p=="busybox-static" && /^Filename: /{print $2; exit}' \
		"$tmp/Packages")
	[ -n "$deb" ] || { echo "setup: busybox-static not in the arm64 index" >&2; exit 1; }
	curl -fsSL -o "$tmp/bb.deb" "$MIRROR/$deb"
	mkdir -p "$BB_DIR"
	dpkg-deb -x "$tmp/bb.deb" "$tmp/x"
	install -D -m755 "$tmp/x/bin/busybox" "$BB_DIR/bin/busybox"
	rm -rf "$tmp"
fi

echo "setup: done"
