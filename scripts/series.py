#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The series: patches/ <-> a kernel git tree, the new files, and LKML export.

patches/series lists the series in order, one patch file per commit. Each
patch file is what 'git format-patch' writes for its commit (no diffstat,
no signature, a zero commit id): header, message, then the whole diff,
new files included in full. 'git am patches/*.patch' in any tree of the
base applies them; no tooling of ours is needed to read or apply them.

Every file the series adds also lives in this repo at its in-tree path
(kernel/, rust/, tools/, Documentation/, ...) in its final form: exactly
what the top of the series holds. Those copies are written by 'export',
never read by 'assemble', and 'check' fails, naming the file, if one of
them differs from the assembled series.

    assemble   base tarball + patches -> build/linux (a git repo, one
               commit per patch), incrementally: commits whose patches did
               not change are kept, and with them the mtimes make relies on
    export     build/linux commits since the base -> patches/ and the new
               files, in one step; refuses when that would lose work
    check      the new files in this repo are the series' final files
    format     the posting into build/series/: git format-patch
               --cover-letter of the commits re-authored and signed off by
               whoever runs it (git config user.name/user.email), with
               each patch's get_maintainer.pl recipients, and the man pages
"""

import argparse
import email
import email.policy
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
# The series exists on two bases while it moves from 6.12 to 7.3; BASE picks
# one (scripts/lib.sh exports it). Each has its patch directory, its tree in
# build/, and the Debian package its tarball comes from: 6.12 installed from
# bookworm, 7.3 fetched by setup.sh from trixie-backports into build/debian.
# Each series' new files are mirrored in this repo at their in-tree paths:
# the 6.12 series' at the top, the 7.3 series' under new-files-7.3/ until the
# move is done and they take the top.
BASES = {
    "6.12": {"patches": "patches", "tree": "linux",
             "package": "linux-source-6.12",
             "tarball": "/usr/src/linux-source-6.12.tar.xz",
             "version_file": None, "mirror": ""},
    "7.3": {"patches": "patches-7.3", "tree": "linux-7.3",
            "package": "linux-source-7.3",
            "tarball": os.path.join(BUILD, "debian", "linux-source-7.3.tar.xz"),
            "version_file": os.path.join(BUILD, "debian",
                                         "linux-source-7.3.version"),
            "mirror": "new-files-7.3"},
}
BASE = os.environ.get("BASE", "6.12")
if BASE not in BASES:
    sys.exit(f"series: error: BASE={BASE}: not one of {', '.join(BASES)}")
PATCHES = os.path.join(ROOT, BASES[BASE]["patches"])
SERIES = os.path.join(PATCHES, "series")
COVER = os.path.join(PATCHES, "cover-letter")
# What the series was last tested on: package, Debian version, Linux version.
TESTED_BASE = os.path.join(PATCHES, "base")
TREE = os.path.join(BUILD, BASES[BASE]["tree"])
# Where 'format' writes the posting: build/series, build/series-7.3.
POSTING = os.path.join(BUILD, "series" if BASE == "6.12" else f"series-{BASE}")
STATE = os.path.join(TREE, ".git", "series-state.json")
TARBALL = BASES[BASE]["tarball"]
# Where this repo mirrors the series' new files, at their in-tree paths.
MIRROR = os.path.join(ROOT, BASES[BASE]["mirror"]) if BASES[BASE]["mirror"] \
    else ROOT
BASE_PACKAGE = BASES[BASE]["package"]
# The dot-files upstream's .gitignore keeps tracked.
DOTFILES = (".clang-format", ".cocciconfig", ".editorconfig",
            ".get_maintainer.ignore", ".gitattributes", ".gitignore",
            ".kunitconfig", ".mailmap", ".rustfmt.toml")
# Bumped when the way the base commit or the state is made changes: trees
# assembled the old way are extracted and assembled again.
BASE_LAYOUT = 2
# The committer date is fixed, so a commit id depends only on the patches
# before it and on the patch itself (whose Date: is the real author date).
COMMITTER_DATE = "2026-01-01T00:00:00+0000"
# Paths of our tooling at the top of this repo; the series never adds files
# there, so the new files and the tooling cannot collide.
TOOLING = ("scripts/", "Makefile", "README.md", "patches/", "patches-7.3/",
           "new-files-7.3/", "build/", ".ci/",
           ".github/", ".gitignore", ".git/", "man/")
# How export writes one commit: reproducible, and what 'git am' takes back.
FORMAT_PATCH = ["format-patch", "--stdout", "--keep-subject", "--zero-commit",
                "--no-stat", "--no-signature", "--no-renames", "--abbrev=12",
                "--encoding=UTF-8"]


def die(msg):
    print(f"series: error: {msg}", file=sys.stderr)
    sys.exit(1)


def git(*args, cwd=TREE, env=None, check=True, inp=None, binary=False):
    full_env = dict(os.environ)
    full_env.update({
        "GIT_COMMITTER_DATE": COMMITTER_DATE,
        "GIT_COMMITTER_NAME": "series.py",
        "GIT_COMMITTER_EMAIL": "series@localhost",
    })
    full_env.update(env or {})
    res = subprocess.run(["git", *args], cwd=cwd, env=full_env, input=inp,
                         capture_output=True, text=not binary)
    if check and res.returncode != 0:
        err = res.stderr if not binary else res.stderr.decode(errors="replace")
        die(f"git {' '.join(args)}: {err.strip()}")
    return res.stdout


class Patch:
    """One commit of the series: its patch file, as format-patch wrote it."""

    def __init__(self, name, text):
        self.name = name
        self.text = text
        msg = email.message_from_string(text, policy=email.policy.default)
        for key in ("From", "Date", "Subject"):
            if not msg[key]:
                die(f"patches/{name}: no {key}: header (not format-patch"
                    " output?)")
        self.subject = str(msg["Subject"])

    def digest(self, prev):
        return hashlib.sha256(prev.encode() + self.text.encode()).hexdigest()


def read_series():
    patches = []
    if not os.path.exists(SERIES):
        return patches
    with open(SERIES) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            path = os.path.join(PATCHES, line)
            if not os.path.isfile(path):
                die(f"patches/series names {line}, which does not exist")
            with open(path) as p:
                patches.append(Patch(line, p.read()))
    return patches


def digests(patches):
    out, prev = [], ""
    for p in patches:
        prev = p.digest(prev)
        out.append(prev)
    return out


def base_version():
    """The Debian version of the base tarball on this machine."""
    vfile = BASES[BASE]["version_file"]
    if vfile:
        try:
            version = open(vfile).read().strip()
        except OSError:
            version = ""
    else:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}",
                              BASE_PACKAGE], capture_output=True, text=True)
        version = out.stdout.strip() if out.returncode == 0 else ""
    if not version or not os.path.exists(TARBALL):
        die(f"{BASE_PACKAGE} is not on this machine: run scripts/setup.sh")
    return version


def tested_base():
    """What patches/<base>/base records: the base the series was last
    tested on, as {"package", "debian", "linux"}."""
    fields = {}
    try:
        with open(TESTED_BASE) as f:
            for line in f:
                key, sep, value = line.split("#", 1)[0].partition(":")
                if sep:
                    fields[key.strip()] = value.strip()
    except OSError:
        die(f"{os.path.relpath(TESTED_BASE, ROOT)} is missing: it names the"
            " base the series was last tested on")
    return fields


def linux_version(tree):
    mk = open(os.path.join(tree, "Makefile")).read()
    ver = [re.search(rf"^{k} = (\S*)", mk, re.M).group(1)
           for k in ("VERSION", "PATCHLEVEL", "SUBLEVEL")]
    return ".".join(ver)


def report_base(version):
    """Names the base, and says so when it is not the one the series was
    last tested on: the series may still apply, but its results are not
    the recorded ones."""
    tested = tested_base()
    kver = linux_version(TREE)
    print(f"series: base is Linux {kver} (Debian {BASE_PACKAGE} {version})")
    if (tested.get("debian"), tested.get("linux")) != (version, kver):
        print(f"series: NOTE: the series was last tested on Linux"
              f" {tested.get('linux')} (Debian {BASE_PACKAGE}"
              f" {tested.get('debian')}), not on this base; it may still"
              " apply", file=sys.stderr)


def base_id(version):
    return f"{version} layout {BASE_LAYOUT}"


def extract_base(version):
    tmp = TREE + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    print(f"series: extracting {TARBALL} ({BASE_PACKAGE} {version})")
    subprocess.run(["tar", "-xf", TARBALL, "-C", tmp,
                    "--strip-components=1"], check=True)
    kver = linux_version(tmp)
    if not (kver + ".").startswith(BASE + "."):
        die(f"{TARBALL} is Linux {kver}, not {BASE}.y")
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
                      "GIT_AUTHOR_EMAIL": "debian-kernel@lists.debian.org",
                      "GIT_AUTHOR_DATE": COMMITTER_DATE})
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


def assembled_tip(state):
    """The commit that the patches, as last assembled or exported, produce."""
    return state["applied"][-1][1] if state["applied"] else \
        git("rev-parse", "base").strip()


def unexported_work(state):
    """Why build/linux holds work that patches/ lacks, or None."""
    gitdir = os.path.join(TREE, ".git")
    for d in ("rebase-merge", "rebase-apply"):
        if os.path.exists(os.path.join(gitdir, d)):
            return "a rebase or 'git am' is in progress in build/linux"
    status = git("status", "--porcelain").rstrip()
    if status:
        return "build/linux has uncommitted changes:\n" + status
    if git("rev-parse", "HEAD").strip() != assembled_tip(state):
        return "build/linux has commits that are not in patches/"
    return None


def apply_patch(patch):
    res = subprocess.run(
        ["git", "am", "--quiet", "--keep", "--keep-cr", "--no-3way"],
        cwd=TREE, input=patch.text, text=True, capture_output=True,
        env={**os.environ, "GIT_COMMITTER_DATE": COMMITTER_DATE,
             "GIT_COMMITTER_NAME": "series.py",
             "GIT_COMMITTER_EMAIL": "series@localhost"})
    if res.returncode != 0:
        git("am", "--abort", check=False)
        die(f"patches/{patch.name} does not apply:\n{res.stdout}{res.stderr}")
    return git("rev-parse", "HEAD").strip()


def cmd_assemble(args):
    version = base_version()
    state = load_state()
    if state is not None and not args.force:
        # Never throw away work done in the tree that is not exported yet.
        why = unexported_work(state)
        if why:
            die(f"{why}\nRun 'make export' first (or 'make assemble FORCE=1'"
                " to drop that work).")
    if state is None or state.get("base") != base_id(version):
        extract_base(version)
        state = load_state()
    report_base(version)
    patches = read_series()
    want = digests(patches)
    keep = 0
    for (name, commit, digest), d in zip(state["applied"], want):
        if digest != d:
            break
        keep += 1
    git("reset", "-q", "--hard", state["applied"][keep - 1][1] if keep
        else "base")
    applied = state["applied"][:keep]
    for p, d in zip(patches[keep:], want[keep:]):
        applied.append([p.name, apply_patch(p), d])
        print(f"series: applied {p.subject}")
    state["applied"] = applied
    save_state(state)
    print(f"series: {len(patches)} commits on the base ({keep} unchanged)")


def added_files(commit):
    """Path -> mode of every file the series adds, as of commit."""
    out = git("diff", "--no-renames", "--diff-filter=A", "--name-only", "-z",
              "base", commit)
    paths = [p for p in out.split("\0") if p]
    modes = {}
    for line in git("ls-tree", "-r", "-z", commit, "--", *paths).split("\0") \
            if paths else []:
        if line:
            meta, path = line.split("\t", 1)
            modes[path] = meta.split()[0]
    return modes


def repo_files():
    """The series' new files as this repo holds them, as paths in the tree:
    for the 6.12 series every file outside the tooling and the
    dot-directories, for the 7.3 one every file under its mirror."""
    found = []
    if not os.path.isdir(MIRROR):
        return found
    for top in sorted(os.listdir(MIRROR)):
        if MIRROR == ROOT and (top.startswith(".") or
                               (top + "/").startswith(TOOLING) or
                               top.startswith(TOOLING)):
            continue
        base = os.path.join(MIRROR, top)
        if os.path.isfile(base):
            found.append(top)
            continue
        for d, _, files in os.walk(base):
            found += [os.path.relpath(os.path.join(d, f), MIRROR)
                      for f in files]
    return sorted(found)


def file_differences(commit):
    """How this repo's new files differ from those of commit: a list of
    'path: why' lines, empty if they are the same."""
    want = added_files(commit)
    have = set(repo_files())
    diffs = []
    for path in sorted(set(want) | have):
        if path not in want:
            diffs.append(f"{path}: in this repo, but no patch adds it")
            continue
        if path not in have:
            diffs.append(f"{path}: the series adds it, this repo lacks it")
            continue
        blob = git("show", f"{commit}:{path}", binary=True)
        with open(os.path.join(MIRROR, path), "rb") as f:
            if f.read() != blob:
                diffs.append(f"{path}: differs from the series' final"
                             " version")
                continue
        executable = os.access(os.path.join(MIRROR, path), os.X_OK)
        if executable != (want[path] == "100755"):
            diffs.append(f"{path}: file mode differs from the series'")
    return diffs


def write_files(commit):
    want = added_files(commit)
    for path in repo_files():
        if path not in want:
            os.remove(os.path.join(MIRROR, path))
            print(f"series: removed {path} (no patch adds it any more)")
    for path, mode in want.items():
        dst = os.path.join(MIRROR, path)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, "wb") as f:
            f.write(git("show", f"{commit}:{path}", binary=True))
        os.chmod(dst, 0o755 if mode == "100755" else 0o644)
    # Directories emptied by removals go too.
    if not os.path.isdir(MIRROR):
        return
    for top in {p.split("/")[0] for p in repo_files()} | set(os.listdir(MIRROR)):
        base = os.path.join(MIRROR, top)
        if top.startswith(".") or not os.path.isdir(base) or \
                (MIRROR == ROOT and (top + "/").startswith(TOOLING)):
            continue
        for d, _, _ in sorted(os.walk(base), reverse=True):
            if not os.listdir(d):
                os.rmdir(d)


def slug(subject):
    s = re.sub(r"[^A-Za-z0-9]+", "-", subject).strip("-").lower()
    if len(s) > 64:
        s = s[:64].rsplit("-", 1)[0]
    return s + ".patch"


def cmd_export(args):
    state = load_state()
    if state is None:
        die("no assembled tree: run 'make assemble' first")
    why = unexported_work(state)
    if why and not why.startswith("build/linux has commits"):
        die(f"{why}\nCommit it in build/linux, then export.")
    # What would be overwritten must be what build/linux was assembled from:
    # patches changed since (a pull, an edit) or a new file edited here
    # instead of in build/linux would be lost.
    if not args.force:
        recorded = [d for _, _, d in state["applied"]]
        if digests(read_series()) != recorded:
            die("patches/ changed since build/linux was assembled from it;"
                " exporting would overwrite those changes.\nMove the work in"
                " build/linux onto the new patches (or drop it with 'make"
                " assemble FORCE=1'), then export ('make export FORCE=1'"
                " overwrites patches/ anyway).")
        edited = file_differences(assembled_tip(state))
        if edited:
            die("these files were changed in this repo, not in build/linux;"
                " exporting would overwrite them:\n  " + "\n  ".join(edited) +
                "\nMake the change in build/linux ('make export FORCE=1'"
                " overwrites them anyway).")
    commits = git("rev-list", "--reverse", "base..HEAD").split()
    if any(len(git("rev-list", "--parents", "-n1", c).split()) != 2
           for c in commits):
        die("build/linux has a merge commit since the base: a series is"
            " linear")
    texts, names = [], []
    for c in commits:
        text = git(*FORMAT_PATCH, "-1", c)
        subject = git("show", "-s", "--format=%s", c).strip()
        name = slug(subject)
        while name in names:
            name = name[:-6] + "-2.patch"
        names.append(name)
        texts.append(text)
    for old in os.listdir(PATCHES):
        if old.endswith(".patch"):
            os.remove(os.path.join(PATCHES, old))
    for name, text in zip(names, texts):
        with open(os.path.join(PATCHES, name), "w") as f:
            f.write(text)
    with open(SERIES, "w") as f:
        f.write("# The series, in order: one patch file per commit"
                " (see scripts/series.py).\n")
        f.writelines(n + "\n" for n in names)
    write_files("HEAD")
    # The tree now is what patches/ describes: record it as assembled.
    state["applied"] = [[n, c, d] for n, c, d in
                        zip(names, commits, digests(read_series()))]
    save_state(state)
    print(f"series: exported {len(commits)} commits to"
          f" {os.path.relpath(PATCHES, ROOT)}/ and their"
          f" {len(added_files('HEAD'))} new files")


def cmd_check(args):
    state = load_state()
    if state is None:
        die("no assembled tree: run 'make assemble' first")
    if digests(read_series()) != [d for _, _, d in state["applied"]]:
        die("build/linux was not assembled from the current patches/: run"
            " 'make assemble'")
    listed = {p.name for p in read_series()}
    stray = sorted(n for n in os.listdir(PATCHES)
                   if n.endswith(".patch") and n not in listed)
    diffs = file_differences(assembled_tip(state))
    diffs += [f"patches/{n}: not in patches/series" for n in stray]
    for line in diffs:
        print(f"series: {line}")
    if diffs:
        die("this repo's files are not the series' ('make export' writes"
            " them from build/linux)")
    print(f"series: the {len(added_files(assembled_tip(state)))} new files"
          " in this repo are the series' final versions")


def poster():
    """Name and address of whoever posts: git config of this repo's clone,
    or SERIES_FROM ("Name <address>"), which make test sets for its
    checkpatch run on a clone without an identity."""
    forced = re.fullmatch(r"\s*(.+?)\s*<([^<>@\s]+@[^<>\s]+)>\s*",
                          os.environ.get("SERIES_FROM", ""))
    if forced:
        return [forced.group(1), forced.group(2)]
    ident = []
    for key in ("user.name", "user.email"):
        res = subprocess.run(["git", "config", key], cwd=ROOT,
                             capture_output=True, text=True)
        if res.returncode != 0 or not res.stdout.strip():
            die(f"'git config {key}' is not set: the posting goes out under"
                " the identity of whoever runs 'make series'")
        ident.append(res.stdout.strip())
    return ident


def maintainers(patch_file):
    """The people and lists scripts/get_maintainer.pl names for a patch."""
    res = subprocess.run(
        ["perl", "scripts/get_maintainer.pl", "--no-rolestats", "--no-git",
         "--no-git-fallback", "--separator", "\n",
         patch_file], cwd=TREE, capture_output=True, text=True)
    if res.returncode != 0:
        die(f"get_maintainer.pl {patch_file}: {res.stderr.strip()}")
    return [a.strip() for a in res.stdout.splitlines() if "@" in a]


def mail_address(recipient):
    """The address of a recipient, 'Name <a@b>' or 'a@b', lower-cased:
    get_maintainer.pl quotes some names and the cover letter does not."""
    m = re.search(r"<([^<>]+)>", recipient)
    return (m.group(1) if m else recipient).strip().lower()


def add_cc(path, addrs, skip):
    """Adds a Cc: header for each of addrs not in skip to the mail at path,
    once per address (the cover letter's lists are often a patch's too)."""
    text = open(path).read()
    head, sep, body = text.partition("\n\n")
    seen = {mail_address(a) for a in skip}
    extra = []
    for a in addrs:
        if mail_address(a) not in seen:
            seen.add(mail_address(a))
            extra.append(f"Cc: {a}")
    with open(path, "w") as f:
        f.write("\n".join([head, *extra]) + sep + body)


def cmd_format(args):
    state = load_state()
    if state is None:
        die("no assembled tree: run 'make assemble' first")
    name, addr = poster()
    me = f"{name} <{addr}>"
    out = POSTING
    shutil.rmtree(out, ignore_errors=True)
    cover = open(COVER).read() if os.path.exists(COVER) else ""
    head, _, blurb = cover.partition("\n\n")
    hdrs = dict(line.split(":", 1) for line in head.splitlines() if ":" in line)
    # The commits as the poster sends them: authored and signed off by the
    # poster, dated now; the placeholder identity of this repo's patches
    # goes. A branch of its own, so build/linux is left as it is.
    git("branch", "-f", "posting", "HEAD")
    env_filter = (f"GIT_AUTHOR_NAME={shlex.quote(name)}; "
                  f"GIT_AUTHOR_EMAIL={shlex.quote(addr)}; "
                  "GIT_AUTHOR_DATE=\"$(date -R)\"; "
                  "export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_AUTHOR_DATE")
    msg_filter = ("sed '/^Signed-off-by: /d' | git interpret-trailers"
                  f" --trailer {shlex.quote('Signed-off-by: ' + me)}")
    git("filter-branch", "-f", "--env-filter", env_filter, "--msg-filter",
        msg_filter, "base..posting",
        env={"FILTER_BRANCH_SQUELCH_WARNING": "1"})
    opts = ["format-patch", "-q", "--cover-letter", "--numbered",
            "--thread=shallow", "--base=base", "-o", out]
    to = [a.strip() for a in hdrs.get("To", "").split(",") if a.strip()]
    cc = [a.strip() for a in hdrs.get("Cc", "").split(",") if a.strip()]
    for a in to:
        opts.append(f"--to={a}")
    if hdrs.get("Prefix"):
        opts.append(f"--subject-prefix={hdrs['Prefix'].strip()}")
    # The Message-IDs name the poster, as git send-email's would.
    git(*opts, "base..posting",
        env={"GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": addr})
    git("branch", "-D", "posting")
    git("update-ref", "-d", "refs/original/refs/heads/posting", check=False)
    files = sorted(f for f in os.listdir(out) if f.endswith(".patch"))
    # Recipients: the cover letter's, and for each patch its maintainers and
    # lists; the cover letter goes to all of them.
    everyone = list(cc)
    for f in files[1:]:
        found = maintainers(os.path.join(out, f))
        add_cc(os.path.join(out, f), cc + found, set(to))
        everyone += [a for a in found if a not in everyone]
    add_cc(os.path.join(out, files[0]), everyone, set(to))
    cl = os.path.join(out, files[0])
    text = open(cl).read()
    text = text.replace("*** SUBJECT HERE ***",
                        hdrs.get("Subject", "*** SUBJECT HERE ***").strip())
    text = text.replace("*** BLURB HERE ***", blurb.strip())
    with open(cl, "w") as f:
        f.write(text)
    # The man pages are the 6.12 series' until the 7.3 one has its own.
    man = os.path.join(ROOT, "man") if MIRROR == ROOT else ""
    if os.path.isdir(man):
        shutil.copytree(man, os.path.join(out, "man"))
    for f in files:
        print(os.path.join(out, f))
    if man and os.path.isdir(man):
        print(os.path.join(out, "man") + "/")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("assemble")
    a.add_argument("--force", action="store_true",
                   help="drop unexported work in build/linux")
    e = sub.add_parser("export")
    e.add_argument("--force", action="store_true",
                   help="overwrite patches/ and the new files even if they"
                   " changed since build/linux was assembled")
    sub.add_parser("check")
    sub.add_parser("format")
    args = ap.parse_args()
    {"assemble": cmd_assemble, "export": cmd_export, "check": cmd_check,
     "format": cmd_format}[args.cmd](args)


if __name__ == "__main__":
    main()
