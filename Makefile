# SPDX-License-Identifier: GPL-2.0
#
# Robust futexes in Rust: the tooling around the series, on Linux 6.12 and
# (BASE=7.3) 7.3.
# "make help" lists the targets.

ARCH ?= x86_64
S := scripts

.PHONY: run test debug norust bisect bench walk-trace qemu assemble export check series setup clean help

run: ## set up, build x86_64, boot it, run KUnit + futex selftests (default)
	@$(S)/pipeline.sh run

test: ## everything on x86_64 and arm64, checkpatch, rustfmt; "N passed, N failed"
	@$(S)/pipeline.sh test

debug: ## x86_64 and arm64 with KASAN, lockdep, kmemleak and more: "N passed"
	@$(S)/pipeline.sh debug

norust: ## x86_64 without CONFIG_RUST: C walk, ENOSYS for the new uAPI, skips
	@$(S)/pipeline.sh norust

bisect: ## every prefix of the series builds: x86_64, arm64, x86_64 without Rust
	@$(S)/setup.sh --plan && $(S)/setup.sh >/dev/null
	@python3 $(S)/series.py assemble
	@$(S)/bisect.sh

bench: ## Rust vs C robust list walk on two kernels from one tree: medians, ratios
	@$(S)/setup.sh --plan && $(S)/setup.sh >/dev/null
	@python3 $(S)/series.py assemble
	@$(S)/bench.sh

walk-trace: ## the exit walk of 0, 1 and 8 entries, Rust vs C, counted by gdb stepping
	@$(S)/setup.sh --plan && $(S)/setup.sh >/dev/null
	@python3 $(S)/series.py assemble
	@$(S)/walk-trace.sh

qemu: ## boot ARCH=x86_64|arm64 to an interactive busybox shell
	@$(S)/setup.sh --plan && $(S)/setup.sh >/dev/null
	@python3 $(S)/series.py assemble
	@mkdir -p build/logs
	@$(S)/build-kernel.sh $(ARCH) >build/logs/qemu-build.log 2>&1 || \
		{ tail -20 build/logs/qemu-build.log; exit 1; }
	@$(S)/build-initramfs.sh $(ARCH) >/dev/null
	@$(S)/boot.sh $(ARCH) shell

assemble: ## (re)build build/linux from patches/ (FORCE=1 drops unexported work)
	@python3 $(S)/series.py assemble $(if $(FORCE),--force)

export: ## build/linux's commits -> patches/ and the new files (FORCE=1: overwrite)
	@python3 $(S)/series.py export $(if $(FORCE),--force)

check: ## the new files in this repo are the series' final versions
	@python3 $(S)/series.py check

series: assemble ## write the LKML series with a cover letter to build/series/
	@python3 $(S)/series.py format

setup: ## install what this machine lacks (Debian packages, bindgen-cli)
	@$(S)/setup.sh --plan && $(S)/setup.sh

clean: ## remove build/ (the assembled tree, kernels, logs)
	rm -rf build

help: ## this list
	@echo "Targets (ARCH=x86_64|arm64 for qemu):"
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | \
		sed 's/:[^#]*## /\t/' | awk -F'\t' '{printf "  %-10s %s\n", $$1, $$2}'
