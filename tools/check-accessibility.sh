#!/usr/bin/env bash
# Checks that a screen reader can use the window: starts a private D-Bus
# session and AT-SPI bus (at-spi2-core), turns accessibility on as a screen
# reader does, opens dscope on an X display, reads its accessible tree over
# AT-SPI, presses "Maximize" through AT-SPI's Action interface and reads the
# tree again, which must then name the button "Restore".
#
#   tools/check-accessibility.sh [--renderer software|gl] [--bin PATH]
#
# Needs DISPLAY (Xvfb will do), at-spi2-core, dbus (dbus-run-session) and
# gdbus (libglib2.0-bin). Exit 0 when both trees hold what they should.
set -euo pipefail
cd "$(dirname "$0")/.."

renderer=software
bin=target/debug/dscope
while [ $# -gt 0 ]; do
    case "$1" in
    --renderer) renderer=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    *) echo "usage: $0 [--renderer software|gl] [--bin PATH]" >&2; exit 2 ;;
    esac
done
: "${DISPLAY:?check-accessibility.sh: needs an X display (DISPLAY)}"
launcher=
for l in /usr/libexec/at-spi-bus-launcher /usr/lib/at-spi2-core/at-spi-bus-launcher; do
    [ -x "$l" ] && launcher=$l
done
[ -n "$launcher" ] || { echo "check-accessibility.sh: at-spi2-core is not installed" >&2; exit 2; }

if [ -z "${CHECK_A11Y_INSIDE:-}" ]; then
    exec env CHECK_A11Y_INSIDE=1 dbus-run-session -- "$0" --renderer "$renderer" --bin "$bin"
fi

scratch=$(mktemp -d)
"$launcher" --launch-immediately >/dev/null 2>&1 &
launcher_pid=$!
app_pid=
# The bus launcher or dscope may be gone already; that is no failure of
# the check (under set -e a failing kill here would make it one).
cleanup() {
    if [ -n "$app_pid" ]; then kill "$app_pid" 2>/dev/null || true; fi
    kill "$launcher_pid" 2>/dev/null || true
    rm -rf "$scratch"
}
trap cleanup EXIT

for _ in $(seq 1 50); do
    gdbus call --session --dest org.a11y.Bus --object-path /org/a11y/bus \
        --method org.a11y.Bus.GetAddress >/dev/null 2>&1 && break
    sleep 0.1
done
# What a screen reader sets when it starts; apps only build their tree then.
gdbus call --session --dest org.a11y.Bus --object-path /org/a11y/bus \
    --method org.freedesktop.DBus.Properties.Set org.a11y.Status IsEnabled '<true>' >/dev/null
bus=$(gdbus call --session --dest org.a11y.Bus --object-path /org/a11y/bus \
    --method org.a11y.Bus.GetAddress | sed "s/^('\(.*\)',)\$/\1/")

DSCOPE_CONFIG_DIR="$scratch/config" DSCOPE_STATE_DIR="$scratch/state" \
    "$bin" --renderer "$renderer" >"$scratch/dscope.log" 2>&1 &
app_pid=$!

# Prints "NAME<TAB>BUS<TAB>PATH" for every accessible node of every app.
tree() {
    python3 - "$bus" <<'PY'
import re, subprocess, sys
address = sys.argv[1]
def call(dest, path, *args):
    r = subprocess.run(["gdbus", "call", "--address", address, "--dest", dest,
                        "--object-path", path, "--method", *args],
                       capture_output=True, text=True, timeout=10)
    return r.stdout
def children(dest, path):
    out = call(dest, path, "org.a11y.atspi.Accessible.GetChildren")
    return re.findall(r"'(:[0-9.]+)', (?:objectpath )?'([^']+)'", out)
seen = 0
def walk(dest, path, depth):
    global seen
    seen += 1
    if depth > 16 or seen > 2000:
        return
    name = call(dest, path, "org.freedesktop.DBus.Properties.Get",
                "org.a11y.atspi.Accessible", "Name")
    m = re.search(r"<'(.*)'>", name)
    print(f"{m.group(1) if m else ''}\t{dest}\t{path}")
    for d, p in children(dest, path):
        walk(d, p, depth + 1)
for d, p in children("org.a11y.atspi.Registry", "/org/a11y/atspi/accessible/root"):
    walk(d, p, 0)
PY
}

found=
for _ in $(seq 1 30); do
    kill -0 "$app_pid" 2>/dev/null || { cat "$scratch/dscope.log" >&2; echo "check-accessibility.sh: dscope exited" >&2; exit 1; }
    tree >"$scratch/tree1"
    if grep -q $'^Maximize\t' "$scratch/tree1" && grep -q $'^D script editor\t' "$scratch/tree1"; then
        found=1
        break
    fi
    sleep 1
done
if [ -z "$found" ]; then
    echo "check-accessibility.sh: dscope's tree over AT-SPI lacks the editor or Maximize; it held:" >&2
    cut -f1 "$scratch/tree1" >&2
    exit 1
fi
echo "check-accessibility.sh: $(wc -l <"$scratch/tree1") accessible nodes, the editor and the run bar among them"

IFS=$'\t' read -r _ dest path < <(grep $'^Maximize\t' "$scratch/tree1" | head -1)
gdbus call --address "$bus" --dest "$dest" --object-path "$path" \
    --method org.a11y.atspi.Action.DoAction 0 >/dev/null
for _ in $(seq 1 20); do
    tree >"$scratch/tree2"
    if grep -q $'^Restore\t' "$scratch/tree2"; then
        echo "check-accessibility.sh: pressing Maximize through AT-SPI made it Restore ($renderer renderer)"
        exit 0
    fi
    sleep 0.5
done
echo "check-accessibility.sh: Maximize pressed through AT-SPI did nothing" >&2
exit 1
