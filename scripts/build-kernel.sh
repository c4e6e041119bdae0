#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-kernel.sh <x86_64|arm64> [debug]: configure (tinyconfig + our
# fragments) and build the assembled tree out of tree in build/out/<arch>.
# The config is regenerated only when a fragment changed; make does the rest
# incrementally. Prints the image path on success.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

arch=$1
variant=${2:-}
karch=$(kernel_arch "$arch")
[ "$karch" = x86 ] && karch=x86_64	# ARCH=x86 + tinyconfig is 32-bit
out=$OUT/$arch${variant:+-$variant}
# common, the base's, the arch's, the base's for the arch (if any), the
# variant's: later fragments override earlier ones.
frags=("$ROOT/scripts/configs/common.config"
       "$ROOT/scripts/configs/base-$BASE.config"
       "$ROOT/scripts/configs/$arch.config")
[ -f "$ROOT/scripts/configs/base-$BASE-$arch.config" ] &&
	frags+=("$ROOT/scripts/configs/base-$BASE-$arch.config")
[ -n "$variant" ] && frags+=("$ROOT/scripts/configs/$variant.config")
mkdir -p "$out"
# Rust is compiled by clippy-driver (CLIPPY=1) and the config has WERROR:
# a rustc or clippy warning, or a C warning, fails the build.
kmake() { make -C "$TREE" O="$out" ARCH="$karch" "${KMAKE_VARS[@]}" CLIPPY=1 "$@"; }

# defined_opts: the fragments' options that a Kconfig of the tree defines.
defined_opts() {
	local opt
	for opt in $(grep -ho '^CONFIG_[A-Z0-9_]*' "${frags[@]}" | sort -u); do
		if grep -rqx --include='Kconfig*' "config ${opt#CONFIG_}" "$TREE"; then
			echo "$opt"
		fi
	done
}
# A prefix of the series (make bisect) is configured again when it adds an
# option of the fragments.
stamp=$( { cat "${frags[@]}"
	   if [ "${PREFIX_OF_SERIES:-0}" = 1 ]; then defined_opts; fi; } |
	 sha256sum | cut -c1-16)
if [ ! -f "$out/.config" ] || [ "$(cat "$out/.config.stamp" 2>/dev/null)" != "$stamp" ]; then
	echo "    configuring $arch${variant:+ ($variant)}: tinyconfig + ${frags[*]##*/}"
	kmake -s tinyconfig >/dev/null
	(cd "$out" && "$TREE/scripts/kconfig/merge_config.sh" -m -O "$out" \
		"$out/.config" "${frags[@]}" >/dev/null)
	kmake -s olddefconfig >/dev/null
	# An option whose dependencies fail is dropped silently (Rust when the
	# toolchain is not found, say): refuse to build such a kernel.
	# Later fragments override earlier ones, as in merge_config.sh.
	# make bisect (PREFIX_OF_SERIES=1) builds commits that predate some of
	# the series' options: one that no Kconfig of the tree defines is not
	# there to stick.
	bad=0
	defined=
	if [ "${PREFIX_OF_SERIES:-0}" = 1 ]; then defined=$(defined_opts); fi
	for opt in $(grep -h '^CONFIG_.*=y' "${frags[@]}" | cut -d= -f1); do
		last=$(grep -h -E "^$opt=|^# $opt is not set" "${frags[@]}" | tail -n1)
		[ "$last" = "$opt=y" ] || continue
		if [ "${PREFIX_OF_SERIES:-0}" = 1 ] &&
		   ! grep -qx "$opt" <<<"$defined"; then
			continue
		fi
		if ! grep -q "^$opt=y" "$out/.config"; then
			echo "error: $opt=y did not stick in $out/.config" >&2
			bad=1
		fi
	done
	if [ $bad -ne 0 ]; then
		[ "$(grep -c '^CONFIG_RUST=y' "$out/.config")" = 0 ] &&
			kmake rustavailable >&2 || true
		exit 1
	fi
	echo "$stamp" >"$out/.config.stamp"
fi

case $arch in
x86_64) image=arch/x86/boot/bzImage ;;
arm64) image=arch/arm64/boot/Image ;;
esac
kmake -j"$(nproc)" "${image##*/}"
kmake -s headers_install INSTALL_HDR_PATH="$out/usr-headers" >/dev/null
echo "image: $out/$image"
