#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare the selftest results of kernels that must behave the same.

    ktap_diff.py [--rust-only PROGRAM]... LABEL=CONSOLE LABEL=CONSOLE [...]

Each CONSOLE is a guest console as scripts/boot.sh writes it (see
ktap_summary.py). The kernels are built from one tree and differ only in
which implementation of the same uAPI they have (the C of the tree, or the
Rust of the series): every selftest case, upstream's and the series', must
have the same result on each, case by case. KUnit suites are left out,
since only one of the kernels has the Rust crate's.

A --rust-only PROGRAM is a selftest mostly of uAPI that only the Rust
crate implements (set_robust_list2(): the C of the tree answers ENOSYS, and
the C implementation of the same ABI is another series): each of its cases
must either pass on the first kernel (the Rust one) and skip on every other
(Rust-only uAPI, counted apart), or have the same result everywhere, as any
case does (its tests of uAPI both implement).

Prints one line per case with its result on each kernel, marks the cases
whose results differ, and ends with "N cases compared, N differ". Exits 1
if any case differs, is missing on a kernel, or nothing was compared.
"""

import sys

from ktap_summary import parse


def results(path):
    """Case -> 'pass', 'FAIL' or 'skip' for every selftest case in the
    console (program results of the init, and their leaves)."""
    top, _, _ = parse(path)
    cases = {}
    for prog in top:
        # The init's results are "<abi> <dir>: <program> [args]"; KUnit
        # suites have no colon.
        if ": " not in prog.name:
            continue
        for leaf in prog.leaves():
            name = prog.name if leaf is prog else f"{prog.name}: {leaf.name}"
            cases[name] = "skip" if leaf.skip else "pass" if leaf.ok else "FAIL"
    return cases


def program_of(name):
    """The program of a case name "<abi> <dir>: <program> [args][: case]"."""
    return name.split(": ")[1].split()[0]


def main():
    args = sys.argv[1:]
    rust_only = set()
    while args[:1] == ["--rust-only"]:
        rust_only.add(args[1])
        args = args[2:]
    kernels = [arg.partition("=") for arg in args]
    per_kernel = [(label, results(path)) for label, _, path in kernels]
    names = sorted({n for _, cases in per_kernel for n in cases})
    width = max([len(n) for n in names] + [10])
    labels = [label for label, _ in per_kernel]
    print(f"{'case':{width}} " + " ".join(f"{lb:>14}" for lb in labels))
    differ = only = 0
    for name in names:
        seen = [cases.get(name, "missing") for _, cases in per_kernel]
        rust_only_result = ["pass"] + ["skip"] * (len(seen) - 1)
        if program_of(name) in rust_only and seen == rust_only_result:
            only += 1
            mark = "  (Rust-only uAPI)"
        else:
            mark = "  <-- DIFFERS" if len(set(seen)) > 1 else ""
            differ += bool(mark)
        print(f"{name:{width}} " + " ".join(f"{r:>14}" for r in seen) + mark)
    if only:
        print(f"{only} cases of Rust-only uAPI ({', '.join(sorted(rust_only))}):"
              f" pass on {labels[0]}, skip (ENOSYS) on the others")
    print(f"{len(names)} cases compared, {differ} differ")
    sys.exit(1 if differ or not names else 0)


if __name__ == "__main__":
    main()
