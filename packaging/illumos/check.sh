#!/bin/sh
# Proves that the window builds for illumos with the pkgsrc package's crate
# patches: vendors every crate of Cargo.lock into a scratch folder outside
# the repository, applies packaging/pkgsrc/sysutils/dscope/patches/ to them
# the way pkgsrc does (patch -p0 from the source folder, whose sibling is
# vendor/), and runs cargo clippy (which includes cargo check) offline for
# x86_64-unknown-illumos with the features the package uses. Exit 0 only
# when every patch applies and the check passes.
#
#   packaging/illumos/check.sh [SCRATCH_DIR]
#
# Needs git, tar, patch, cargo and `rustup target add x86_64-unknown-illumos`.
# CARGO_TARGET_DIR, if set, holds the build (kept between runs).
set -eu

repo=$(cd "$(dirname "$0")/../.." && pwd)
patches=$repo/packaging/pkgsrc/sysutils/dscope/patches
target=x86_64-unknown-illumos
# The pkgsrc package's window build: X11 only, illumos has no Wayland.
features="--no-default-features --features x11"

scratch=${1:-}
if [ -z "$scratch" ]; then
    # A folder of our own (vendored crates and, without CARGO_TARGET_DIR,
    # the build): removed at the end. A named one is kept for the next run.
    scratch=$(mktemp -d "${TMPDIR:-/tmp}/dscope-illumos.XXXXXX")
    trap 'rm -rf "$scratch"' EXIT
fi
mkdir -p "$scratch"
scratch=$(cd "$scratch" && pwd)
case "$scratch/" in
"$repo"/*)
    echo "check.sh: the scratch folder must be outside the repository" >&2
    exit 2
    ;;
esac

src=$scratch/dscope
vendor=$scratch/vendor
rm -rf "$src" "$vendor"
mkdir -p "$src"

# The working tree as git sees it (tracked and new files, not ignored ones
# such as target/), so uncommitted changes are checked too.
(cd "$repo" && git ls-files -co --exclude-standard | tar -cf - -T -) | (cd "$src" && tar -xf -)

echo "check.sh: vendoring into $vendor"
(cd "$src" && cargo vendor --locked --versioned-dirs --quiet "$vendor" >/dev/null)

status=0
for p in "$patches"/patch-*; do
    [ -e "$p" ] || continue
    # The patches name ../vendor/CRATE/FILE as pkgsrc applies them from the
    # source folder; GNU patch refuses ".." in names, so strip it here.
    if (cd "$vendor" && patch -p2 --batch --forward --silent --no-backup-if-mismatch <"$p"); then
        echo "check.sh: applied $(basename "$p")"
    else
        echo "check.sh: $(basename "$p") does not apply" >&2
        status=1
    fi
done
[ "$status" -eq 0 ] || exit 1

# cargo verifies vendored files against .cargo-checksum.json; like pkgsrc's
# cargo.mk, keep only the package checksum for the crates that were patched.
for crate in $(sed -n 's|^+++ \.\./vendor/\([^/]*\)/.*|\1|p' "$patches"/patch-* 2>/dev/null | sort -u); do
    sum=$(sed -n 's|.*"package":"\([0-9a-f]*\)".*|\1|p' "$vendor/$crate/.cargo-checksum.json")
    printf '{"package":"%s","files":{}}' "$sum" >"$vendor/$crate/.cargo-checksum.json"
done

mkdir -p "$src/.cargo"
cat >"$src/.cargo/config.toml" <<CONFIG
[source.crates-io]
replace-with = "vendored-sources"

[source.vendored-sources]
directory = "$vendor"
CONFIG

# Cargo does not look at the files of vendored crates again once built, so
# a build folder is only reused for the same patches.
sum=$(cat "$patches"/patch-* | cksum | cut -d' ' -f1)
build=${CARGO_TARGET_DIR:-$scratch/target}/illumos-check-$sum

echo "check.sh: cargo clippy --target $target $features"
cd "$src"
# shellcheck disable=SC2086 # $features is several words on purpose
CARGO_TARGET_DIR=$build \
    cargo clippy --offline --locked --target "$target" $features -- -D warnings
echo "check.sh: the window builds for $target with the patches"
