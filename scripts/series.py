#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The series: this repo's manifest <-> a kernel git tree, and LKML export.

The manifest is patches/series (quilt style): one patch file per commit,
in order. Each patch file is a mail-like header, a commit message and the
diff of the upstream files the commit edits:

    From: A U Thor <author@example.org>
    Subject: futex: Do a thing
    Adds: kernel/futex/thing.rs
          tools/testing/selftests/futex/functional/thing.c

    Why the thing is needed ...

    Signed-off-by: A U Thor <author@example.org>
    ---
    diff --git a/kernel/futex/Makefile b/kernel/futex/Makefile
    ...

Files named by "Adds:" are new files that the commit adds whole; they live
in this repo at their in-tree paths (kernel/, rust/, tools/, ...), never as
diffs. Everything else is the diff after "---".

    assemble   base tarball + series -> build/linux (a git repo, one commit
               per entry), incrementally: commits whose inputs did not
               change are kept, and with them the mtimes make relies on
    export     build/linux commits since the base -> patches/ and the
               added files, so work done in the tree comes back here
    format     git format-patch --cover-letter into build/series/
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PATCHES = os.path.join(ROOT, "patches")
SERIES = os.path.join(PATCHES, "series")
COVER = os.path.join(PATCHES, "cover-letter")
BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
TREE = os.path.join(BUILD, "linux")
STATE = os.path.join(TREE, ".git", "series-state.json")
TARBALL = "/usr/src/linux-source-6.12.tar.xz"
BASE_PACKAGE = "linux-source-6.12"
# The dot-files upstream's .gitignore keeps tracked.
DOTFILES = (".clang-format", ".cocciconfig", ".editorconfig",
            ".get_maintainer.ignore", ".gitattributes", ".gitignore",
            ".kunitconfig", ".mailmap", ".rustfmt.toml")
# Bumped when the way the base commit is made changes: trees assembled the
# old way are extracted again.
BASE_LAYOUT = 2
# Fixed dates make the commit ids, and so the exported series, reproducible.
COMMIT_DATE = "2026-01-01T00:00:00+0000"
# Paths of our tooling at the top of this repo; the series never adds files
# there, so the overlay and the tooling cannot collide.
TOOLING = ("scripts/", "Makefile", "README.md", "patches/", "build/", ".ci/",
           ".github/", ".gitignore")


def die(msg):
    print(f"series: error: {msg}", file=sys.stderr)
    sys.exit(1)


def git(*args, cwd=TREE, env=None, check=True, inp=None):
    full_env = dict(os.environ)
    full_env.update({
        "GIT_AUTHOR_DATE": COMMIT_DATE,
        "GIT_COMMITTER_DATE": COMMIT_DATE,
        "GIT_COMMITTER_NAME": "series.py",
        "GIT_COMMITTER_EMAIL": "series@localhost",
    })
    full_env.update(env or {})
    res = subprocess.run(["git", *args], cwd=cwd, env=full_env, input=inp,
                         capture_output=True, text=True)
    if check and res.returncode != 0:
        die(f"git {' '.join(args)}: {res.stderr.strip()}")
    return res.stdout


class Entry:
    """One commit of the series, parsed from its patch file."""

    def __init__(self, name, text):
        self.name = name
        head, sep, rest = text.partition("\n\n")
        if not sep:
            die(f"{name}: no blank line after the header")
        self.headers = {}
        key = None
        for line in head.splitlines():
            if line[:1] in (" ", "\t") and key:
                self.headers[key] += "\n" + line.strip()
                continue
            key, colon, value = line.partition(":")
            if not colon:
                die(f"{name}: bad header line '{line}'")
            self.headers[key] = value.strip()
        for key in ("From", "Subject"):
            if key not in self.headers:
                die(f"{name}: no {key}: header")
        self.adds = self.headers.get("Adds", "").split()
        for path in self.adds:
            if path.startswith(TOOLING) or path.startswith("/") or ".." in path:
                die(f"{name}: Adds: {path} is not an in-tree path we own")
        # The message ends at the first "---" line; the diff follows.
        m = re.search(r"^---$", rest, re.M)
        self.body = (rest[:m.start()] if m else rest).strip("\n")
        self.diff = rest[m.end():].lstrip("\n") if m else ""
        self.text = text

    @property
    def message(self):
        return self.headers["Subject"] + "\n\n" + self.body + "\n"

    def digest(self, prev):
        h = hashlib.sha256(prev.encode())
        h.update(self.text.encode())
        for path in self.adds:
            src = os.path.join(ROOT, path)
            if not os.path.isfile(src):
                die(f"{self.name}: Adds: {path}: no such file in the repo")
            h.update(path.encode() + b"\0")
            with open(src, "rb") as f:
                h.update(f.read())
        return h.hexdigest()


def read_series():
    entries = []
    if not os.path.exists(SERIES):
        return entries
    with open(SERIES) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            with open(os.path.join(PATCHES, line)) as p:
                entries.append(Entry(line, p.read()))
    return entries


def base_version():
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", BASE_PACKAGE],
                         capture_output=True, text=True)
    if out.returncode != 0 or not os.path.exists(TARBALL):
        die(f"{BASE_PACKAGE} is not installed: run scripts/setup.sh")
    return out.stdout


def base_id(version):
    return f"{version} layout {BASE_LAYOUT}"


def extract_base(version):
    tmp = TREE + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    print(f"series: extracting {TARBALL} ({BASE_PACKAGE} {version})")
    subprocess.run(["tar", "-xf", TARBALL, "-C", tmp,
                    "--strip-components=1"], check=True)
    mk = open(os.path.join(tmp, "Makefile")).read()
    ver = {k: re.search(rf"^{k} = (\S*)", mk, re.M).group(1)
           for k in ("VERSION", "PATCHLEVEL", "SUBLEVEL")}
    kver = f"{ver['VERSION']}.{ver['PATCHLEVEL']}.{ver['SUBLEVEL']}"
    if (ver["VERSION"], ver["PATCHLEVEL"]) != ("6", "12"):
        die(f"base tree is Linux {kver}, not 6.12.y")
    print(f"series: base is Linux {kver} (Debian {version})")
    # Debian's .gitignore ignores the whole top level (its packaging repo
    # holds only debian/) and lacks upstream's exceptions for the dot-files
    # the kernel tracks: restore upstream's rules, so git sees the tree and
    # its .gitignore files, which selftest patches edit.
    gi = os.path.join(tmp, ".gitignore")
    text = open(gi).read()
    cut = text.find("#\n# Debian packaging")
    if cut >= 0:
        text = text[:cut]
    if "\n!.gitignore\n" not in text:
        text += "#\n# We don't want to ignore the following even if they are" \
                " dot-files\n#\n" + "".join(f"!{name}\n" for name in DOTFILES)
    with open(gi, "w") as f:
        f.write(text)
    git("init", "-q", "-b", "series", cwd=tmp)
    git("config", "core.autocrlf", "false", cwd=tmp)
    git("add", "-A", ".", cwd=tmp)
    git("commit", "-q", "-m", f"Linux {kver} (Debian {BASE_PACKAGE} {version})",
        cwd=tmp, env={"GIT_AUTHOR_NAME": "Debian",
                      "GIT_AUTHOR_EMAIL": "debian-kernel@lists.debian.org"})
    git("tag", "base", cwd=tmp)
    shutil.rmtree(TREE, ignore_errors=True)
    os.rename(tmp, TREE)
    save_state({"base": base_id(version), "applied": []})


def load_state():
    try:
        with open(STATE) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def save_state(state):
    with open(STATE, "w") as f:
        json.dump(state, f, indent=1)


def author_env(entry):
    m = re.match(r"(.*?)\s*<(.*)>", entry.headers["From"])
    if not m:
        die(f"{entry.name}: From: needs 'Name <email>'")
    return {"GIT_AUTHOR_NAME": m.group(1), "GIT_AUTHOR_EMAIL": m.group(2)}


def apply_entry(entry):
    for path in entry.adds:
        dst = os.path.join(TREE, path)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, path), dst)
        git("add", "--", path)
    if entry.diff.strip():
        res = subprocess.run(["git", "apply", "--index", "--whitespace=nowarn"],
                             cwd=TREE, input=entry.diff, text=True,
                             capture_output=True)
        if res.returncode != 0:
            die(f"{entry.name} does not apply:\n{res.stderr}")
    git("commit", "-q", "--allow-empty", "-F", "-", inp=entry.message,
        env=author_env(entry))
    return git("rev-parse", "HEAD").strip()


def cmd_assemble(args):
    version = base_version()
    state = load_state()
    if state is not None and not args.force:
        # Never throw away work done in the tree that is not exported yet.
        head = git("rev-parse", "HEAD").strip()
        last = state["applied"][-1][1] if state["applied"] else \
            git("rev-parse", "base").strip()
        dirty = git("status", "--porcelain", "--untracked-files=no").strip()
        if head != last or dirty:
            die("build/linux has commits or changes that are not in patches/:"
                " run 'make export' first (or 'make assemble FORCE=1' to"
                " drop them)")
    if state is None or state.get("base") != base_id(version):
        extract_base(version)
        state = load_state()
    entries = read_series()
    digests, prev = [], ""
    for e in entries:
        prev = e.digest(prev)
        digests.append(prev)
    keep = 0
    for (name, commit, digest), want in zip(state["applied"], digests):
        if digest != want:
            break
        keep += 1
    reset_to = state["applied"][keep - 1][1] if keep else "base"
    git("reset", "-q", "--hard", reset_to)
    applied = state["applied"][:keep]
    for e, d in zip(entries[keep:], digests[keep:]):
        applied.append([e.name, apply_entry(e), d])
        print(f"series: applied {e.headers['Subject']}")
    state["applied"] = applied
    save_state(state)
    print(f"series: {len(entries)} commits on Linux base ({keep} unchanged)")


def slug(subject):
    s = re.sub(r"[^A-Za-z0-9]+", "-", subject).strip("-").lower()
    if len(s) > 64:
        s = s[:64].rsplit("-", 1)[0]
    return s + ".patch"


def cmd_export(args):
    state = load_state()
    if state is None:
        die("no assembled tree: run 'make assemble' first")
    if git("status", "--porcelain", "--untracked-files=no").strip():
        die("build/linux has uncommitted changes: commit them first")
    old_adds = {p for e in read_series() for p in e.adds}
    commits = git("rev-list", "--reverse", "base..HEAD").split()
    names, new_adds = [], set()
    for old in os.listdir(PATCHES):
        if old.endswith(".patch"):
            os.remove(os.path.join(PATCHES, old))
    for c in commits:
        author = git("show", "-s", "--format=%an <%ae>", c).strip()
        subject = git("show", "-s", "--format=%s", c).strip()
        body = git("show", "-s", "--format=%b", c).strip("\n")
        adds, edits = [], []
        for line in git("diff-tree", "-r", "--no-commit-id", "--name-status",
                        "--no-renames", c).splitlines():
            status, path = line.split("\t", 1)
            (adds if status == "A" else edits).append(path)
        for path in adds:
            if path.startswith(TOOLING):
                die(f"{subject}: adds {path}, which collides with tooling")
            dst = os.path.join(ROOT, path)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "wb") as f:
                f.write(subprocess.run(["git", "show", f"{c}:{path}"],
                                       cwd=TREE, capture_output=True,
                                       check=True).stdout)
            mode = git("ls-tree", c, "--", path).split()[0]
            os.chmod(dst, 0o755 if mode == "100755" else 0o644)
            new_adds.add(path)
        diff = git("diff", "--no-renames", f"{c}^", c, "--", *edits) \
            if edits else ""
        hdr = f"From: {author}\nSubject: {subject}\n"
        if adds:
            hdr += "Adds: " + "\n      ".join(adds) + "\n"
        text = hdr + "\n" + body + "\n"
        if diff:
            text += "---\n" + diff
        name = slug(subject)
        while name in names:
            name = name[:-6] + "-2.patch"
        names.append(name)
        with open(os.path.join(PATCHES, name), "w") as f:
            f.write(text)
    for path in old_adds - new_adds:
        os.remove(os.path.join(ROOT, path))
        print(f"series: removed {path} (no commit adds it any more)")
    with open(SERIES, "w") as f:
        f.write("# The series, in order: one patch file per commit"
                " (see scripts/series.py).\n")
        f.writelines(n + "\n" for n in names)
    # The tree now is what the manifest describes: record it as assembled.
    digests, prev = [], ""
    for e in read_series():
        prev = e.digest(prev)
        digests.append(prev)
    state["applied"] = [[n, c, d] for n, c, d in zip(names, commits, digests)]
    save_state(state)
    print(f"series: exported {len(commits)} commits to patches/")


def cmd_format(args):
    state = load_state()
    if state is None:
        die("no assembled tree: run 'make assemble' first")
    out = os.path.join(BUILD, "series")
    shutil.rmtree(out, ignore_errors=True)
    cover = open(COVER).read() if os.path.exists(COVER) else ""
    head, _, blurb = cover.partition("\n\n")
    hdrs = dict(line.split(":", 1) for line in head.splitlines() if ":" in line)
    opts = ["format-patch", "-q", "--cover-letter", "--numbered",
            "--thread=shallow", "--base=base", "-o", out]
    for key in ("To", "Cc"):
        for addr in hdrs.get(key, "").split(","):
            if addr.strip():
                opts.append(f"--{key.lower()}={addr.strip()}")
    if hdrs.get("Prefix"):
        opts.append(f"--subject-prefix={hdrs['Prefix'].strip()}")
    git(*opts, "base..HEAD")
    files = sorted(os.listdir(out))
    cl = os.path.join(out, files[0])
    text = open(cl).read()
    text = text.replace("*** SUBJECT HERE ***",
                        hdrs.get("Subject", "*** SUBJECT HERE ***").strip())
    text = text.replace("*** BLURB HERE ***", blurb.strip())
    with open(cl, "w") as f:
        f.write(text)
    for name in files:
        print(os.path.join(out, name))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("assemble")
    a.add_argument("--force", action="store_true",
                   help="drop unexported work in build/linux")
    sub.add_parser("export")
    sub.add_parser("format")
    args = ap.parse_args()
    {"assemble": cmd_assemble, "export": cmd_export,
     "format": cmd_format}[args.cmd](args)


if __name__ == "__main__":
    main()
