#!/usr/bin/env python3
"""The crate lists of the pkgsrc package and the FreeBSD port, from Cargo.lock.

    packaging/crates.py           rewrite them after Cargo.lock changed
    packaging/crates.py --check   exit 1 when they no longer match Cargo.lock

Both systems download every crate Cargo.lock names (for every target, as
`cargo vendor` does) and check each download against their distinfo, so the
lists must be exactly Cargo.lock's registry packages. Writing the distinfo
checksums needs the .crate files: this runs `cargo fetch --locked` and reads
them from cargo's download cache. The check needs no network: it compares the
names and versions, Cargo.lock's SHA-256 with the port's distinfo, and the
patch checksums with the patches.
"""

import hashlib
import os
import pathlib
import re
import subprocess
import sys
import time
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
PKGSRC = ROOT / "packaging/pkgsrc/sysutils/dscope"
FREEBSD = ROOT / "packaging/freebsd/sysutils/dscope"
REGISTRY = "registry+https://github.com/rust-lang/crates.io-index"


def locked_crates():
    lock = tomllib.loads((ROOT / "Cargo.lock").read_text())
    crates = []
    for p in lock["package"]:
        source = p.get("source")
        if source is None:
            continue  # dscope itself
        if source != REGISTRY:
            sys.exit(f"crates.py: {p['name']} comes from {source}; only crates.io is packaged")
        crates.append((p["name"], p["version"], p["checksum"]))
    return sorted(crates, key=lambda c: (c[0], c[1]))


def pkgsrc_version(crate):
    """The version lang/rust/cargo.mk reads from NAME-VERSION for the download
    address: ${crate:C/^.*-([0-9]+\\.[0-9.]+.*)$/\\1/}, whose greedy .* takes
    the last such dash, so 1.2.1+spec-1.1.0 comes out as 1.1.0."""
    return re.sub(r"^.*-([0-9]+\.[0-9.]+.*)$", r"\1", crate)


def cargo_depends(crates):
    lines = ["# $NetBSD$", ""]
    lines += [f"CARGO_CRATE_DEPENDS+=\t{n}-{v}" for n, v, _ in crates]
    # cargo.mk adds its own address for each crate with +=, after these: for
    # a version whose build metadata has a dash it names the wrong version
    # (a wrong file or none), so name the right one first.
    misread = [(n, v) for n, v, _ in crates if pkgsrc_version(f"{n}-{v}") != v]
    if misread:
        lines += ["", "# cargo.mk misreads the version of these from the name; fetch them here."]
        lines += [
            f"SITES.{n}-{v}.crate=\t-${{MASTER_SITE_CRATESIO}}{n}/{v}/download" for n, v in misread
        ]
    return "\n".join(lines) + "\n"


def makefile_crates(crates):
    names = [f"{n}-{v}" for n, v, _ in crates]
    body = " \\\n".join(("CARGO_CRATES=\t" if i == 0 else "\t\t") + s for i, s in enumerate(names))
    return body + "\n"


def pkgsrc_patches():
    """pkgsrc checksums a patch without its $NetBSD$ line (mk/checksum)."""
    out = []
    for patch in sorted((PKGSRC / "patches").glob("patch-*")):
        text = b"".join(
            line for line in patch.read_bytes().splitlines(keepends=True) if b"$NetBSD" not in line
        )
        out.append(f"SHA1 ({patch.name}) = {hashlib.sha1(text).hexdigest()}")
    return out


def crate_file(cache_dirs, name, version, sha256):
    for d in cache_dirs:
        f = d / f"{name}-{version}.crate"
        if f.exists():
            data = f.read_bytes()
            if hashlib.sha256(data).hexdigest() != sha256:
                sys.exit(f"crates.py: {f} does not match Cargo.lock's checksum")
            return data
    sys.exit(f"crates.py: {name}-{version}.crate is not in cargo's cache after cargo fetch")


def write():
    crates = locked_crates()
    subprocess.run(["cargo", "fetch", "--locked", "--manifest-path", str(ROOT / "Cargo.toml")], check=True)
    home = pathlib.Path(os.environ.get("CARGO_HOME", pathlib.Path.home() / ".cargo"))
    cache_dirs = sorted((home / "registry/cache").glob("index.crates.io-*"))
    pkgsrc_lines, freebsd_lines = [], []
    for name, version, sha256 in crates:
        data = crate_file(cache_dirs, name, version, sha256)
        f = f"{name}-{version}.crate"
        pkgsrc_lines += [
            f"BLAKE2s ({f}) = {hashlib.blake2s(data).hexdigest()}",
            f"SHA512 ({f}) = {hashlib.sha512(data).hexdigest()}",
            f"Size ({f}) = {len(data)} bytes",
        ]
        freebsd_lines += [
            f"SHA256 (rust/crates/{f}) = {sha256}",
            f"SIZE (rust/crates/{f}) = {len(data)}",
        ]
    (PKGSRC / "cargo-depends.mk").write_text(cargo_depends(crates))
    (PKGSRC / "distinfo").write_text(
        "$NetBSD$\n\n" + "\n".join(pkgsrc_lines + pkgsrc_patches()) + "\n"
    )
    (FREEBSD / "Makefile.crates").write_text(makefile_crates(crates))
    (FREEBSD / "distinfo").write_text(
        f"TIMESTAMP = {int(time.time())}\n" + "\n".join(freebsd_lines) + "\n"
    )


def check():
    crates = locked_crates()
    problems = []
    if (PKGSRC / "cargo-depends.mk").read_text() != cargo_depends(crates):
        problems.append("pkgsrc cargo-depends.mk")
    if (FREEBSD / "Makefile.crates").read_text() != makefile_crates(crates):
        problems.append("FreeBSD Makefile.crates")

    pkgsrc = (PKGSRC / "distinfo").read_text().splitlines()
    listed = {m.group(1) for l in pkgsrc if (m := re.match(r"Size \((.+)\) = \d+ bytes$", l))}
    if listed != {f"{n}-{v}.crate" for n, v, _ in crates}:
        problems.append("pkgsrc distinfo's crates")
    if [l for l in pkgsrc if l.startswith("SHA1 (patch-")] != pkgsrc_patches():
        problems.append("pkgsrc distinfo's patch checksums")

    freebsd = (FREEBSD / "distinfo").read_text().splitlines()
    sums = [l for l in freebsd if l.startswith("SHA256 (rust/crates/")]
    if sums != [f"SHA256 (rust/crates/{n}-{v}.crate) = {s}" for n, v, s in crates]:
        problems.append("FreeBSD distinfo's crate checksums")

    for p in problems:
        print(f"crates.py: {p} no longer matches Cargo.lock; run packaging/crates.py", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        sys.exit(check())
    if sys.argv[1:]:
        sys.exit(__doc__)
    write()
