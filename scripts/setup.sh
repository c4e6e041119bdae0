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
# from Debian's cargo-web (which it installs) and deb.debian.org. The 7.3
# base comes from Debian's trixie-backports (or sid), downloaded with a
# private sources list and lists directory under build/apt: the machine's
# own sources stay bookworm's, so no upgrade can pull trixie's libc in.
set -euo pipefail
plan=${1:-}

# Debian packages, by what they are for.
PKGS=(
	linux-source-6.12			# the 6.12 base (the series before
						# the move to 7.3)
	rustc-web rust-web-src			# rustc 1.9x with the core/alloc sources
	clang lld llvm libclang-dev		# 6.12: LLVM=1 (clang 14), its libclang
	clang-19 lld-19 llvm-19 libclang-19-dev	# 7.3 (needs clang >= 17): LLVM=-19
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

# The 7.3 base: linux-source-7.3 from trixie-backports, else sid. Only its
# .deb is fetched and unpacked into build/debian; the package carries only
# the tarball. BASE73_DIR/version records the Debian version fetched.
BASE73_PKG=linux-source-7.3
BASE73_DIR=$(cd "$(dirname "$0")/.." && pwd)/build/debian
need_base73=
[ -f "$BASE73_DIR/$BASE73_PKG.tar.xz" ] && [ -s "$BASE73_DIR/$BASE73_PKG.version" ] ||
	need_base73=y

if [ "$plan" = --plan ]; then
	todo=()
	[ ${#missing[@]} -eq 0 ] ||
		todo+=("Debian packages (apt-get): ${missing[*]};")
	[ -z "$need_bindgen" ] ||
		todo+=("bindgen-cli $BINDGEN_VERSION (cargo install, into $CARGO_BIN);")
	[ -z "$need_busybox" ] ||
		todo+=("busybox-static for arm64 (into build/busybox);")
	[ -z "$need_base73" ] ||
		todo+=("$BASE73_PKG from Debian trixie-backports or sid (into build/debian);")
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

if [ -n "$need_base73" ]; then
	apt_dir=$BASE73_DIR/../apt
	rm -rf "$apt_dir"
	mkdir -p "$apt_dir"/{sources,lists/partial,cache/archives/partial} "$BASE73_DIR"
	for suite in trixie-backports sid; do
		cat >"$apt_dir/sources/$suite.sources" <<-EOF
		Types: deb
		URIs: http://deb.debian.org/debian
		Suites: $suite
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
		EOF
	done
	# Every apt-get below reads only these sources and keeps its lists
	# and cache here: the machine's own apt state is not touched.
	private_apt=(-o Dir::Etc::SourceList=/dev/null
		     -o "Dir::Etc::SourceParts=$apt_dir/sources"
		     -o "Dir::State::Lists=$apt_dir/lists"
		     -o "Dir::Cache=$apt_dir/cache" -o Debug::NoLocking=1
		     -o APT::Sandbox::User=root)
	echo "setup: fetching $BASE73_PKG (Debian trixie-backports, else sid)"
	apt-get "${private_apt[@]}" -qq update
	# trixie-backports first: the newest 7.3.y that trixie users get.
	ver=
	for suite in trixie-backports sid; do
		ver=$(apt-cache "${private_apt[@]}" madison "$BASE73_PKG" |
		      awk -F' *[|] *' -v s=" $suite/" '$3 ~ s {print $2; exit}')
		[ -z "$ver" ] || break
	done
	[ -n "$ver" ] || { echo "setup: $BASE73_PKG is in neither suite" >&2; exit 1; }
	(cd "$apt_dir" && apt-get "${private_apt[@]}" -qq download "$BASE73_PKG=$ver")
	deb=$(ls "$apt_dir"/"${BASE73_PKG}"_*.deb)
	tmp=$(mktemp -d)
	dpkg-deb -x "$deb" "$tmp"
	mv "$tmp/usr/src/$BASE73_PKG.tar.xz" "$BASE73_DIR/$BASE73_PKG.tar.xz"
	dpkg-deb -f "$deb" Version >"$BASE73_DIR/$BASE73_PKG.version"
	rm -rf "$tmp" "$deb"
	echo "setup: $BASE73_PKG $(cat "$BASE73_DIR/$BASE73_PKG.version") in $BASE73_DIR"
fi

echo "setup: done"
