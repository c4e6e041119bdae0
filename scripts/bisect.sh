#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bisect.sh: make bisect. Every prefix of the series must build, as CI
# builds it (WERROR, CLIPPY=1): x86_64, arm64, and x86_64 without Rust.
# The commits are checked out one after the other in a worktree of
# build/linux (build/bisect/linux; BASE=7.3: of build/linux-7.3, in
# build/bisect-7.3/linux), with a build directory per kernel that
# persists, so each step rebuilds what the commit changed. Prints one line
# per commit; exits 1 if any build failed. Long (hours on two cores): not
# part of make test, run before a posting and quoted in the cover letter.
# A prefix that built is remembered by its tree (less what no kernel build
# reads: Documentation/, tools/testing/) and the build's inputs (fragments,
# build-kernel.sh): after a change late in the series, a second run
# rebuilds only the prefixes that changed, and a patch of documentation or
# selftests only is not built again.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bisect=$BUILD/bisect${TAG_PREFIX:+-$BASE}
wt=$bisect/linux
mkdir -p "$bisect/logs" "$bisect/built"
# What the kernels below are built from besides the tree: the fragments they
# use (not debug.config, which only make debug uses) and the build script.
tools=$(cat "$ROOT"/scripts/configs/{common,x86_64,arm64,norust}.config \
	"$ROOT"/scripts/configs/base-"$BASE"*.config \
	"$ROOT/scripts/build-kernel.sh" | sha256sum | cut -c1-16)
if [ ! -e "$wt/.git" ]; then
	rm -rf "$wt"
	git -C "$TREE" worktree prune
	git -C "$TREE" worktree add -q --detach "$wt" base
fi
# Files of the source tarball that the kernel's .gitignore keeps out of the
# base commit (.clippy.toml, which sets clippy's MSRV: without it clippy
# lints differently and the build fails), as build/linux has them.
git -C "$TREE" ls-files -z --others --ignored --exclude-standard |
	while IFS= read -r -d '' f; do
		mkdir -p "$wt/$(dirname "$f")"
		cp -p "$TREE/$f" "$wt/$f"
	done
kernels=("x86_64" "arm64" "x86_64 norust")
failed=0
n=0
for c in $(git -C "$TREE" rev-list --reverse base..HEAD); do
	n=$((n + 1))
	git -C "$wt" checkout -q --detach "$c"
	line=$(printf '%02d %s' "$n" "$(git -C "$TREE" show -s --format=%s "$c")")
	# The kernel's inputs: the tree without Documentation/ and the
	# selftests, which no kernel build reads, so that a patch of only
	# those is known to build when the prefix before it did.
	tree=$(git -C "$TREE" ls-tree -r "$c" |
		grep -v -P '\t(Documentation|tools/testing)/' |
		sha256sum | cut -c1-40)
	for k in "${kernels[@]}"; do
		log=$bisect/logs/$(printf '%02d' "$n")-${k// /-}.log
		built=$bisect/built/$tree-$tools-${k// /-}
		if [ -e "$built" ]; then
			line+=" | $k: ok (built before)"
		elif PREFIX_OF_SERIES=1 BUILD=$bisect TREE=$wt \
				"$ROOT/scripts/build-kernel.sh" $k \
				>"$log" 2>&1; then
			line+=" | $k: ok"
			touch "$built"
		else
			line+=" | $k: FAILED ($log)"
			failed=1
		fi
	done
	echo "$line"
done
exit $failed
