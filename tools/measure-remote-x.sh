#!/usr/bin/env bash
# Measures what dscope costs a remote X display: bytes the client sends to
# the X server per keystroke and per mouse move, CPU time per keystroke,
# and what it does while idle. The X server is an Xvfb listening on TCP and
# dscope reaches it as DISPLAY=127.0.0.1:N, exactly as a client on another
# host would; xdotool drives it through the local socket, so its own
# traffic is not counted.
#
#   tools/measure-remote-x.sh [--renderer software|gl] [--bin PATH]
#                             [--display N] [--keys N] [--moves N]
#                             [--frame-log FILE]
#
# Prints one line per measurement, "name value unit". Needs Xvfb, xdotool
# and ss (iproute2). Frames are counted by the software shell itself when
# DSCOPE_FRAME_LOG names a file (one line per presented frame); the GL
# path has no such counter, so its frames are estimated from bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/measure-lib.sh

renderer=""
bin=target/release/dscope
display=100
keys=20
moves=40
frame_log=""
while [ $# -gt 0 ]; do
    case "$1" in
        --renderer) renderer=$2; shift 2 ;;
        --bin) bin=$2; shift 2 ;;
        --display) display=$2; shift 2 ;;
        --keys) keys=$2; shift 2 ;;
        --moves) moves=$2; shift 2 ;;
        --frame-log) frame_log=$2; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -x "$bin" ] || { echo "no binary at $bin (cargo build --release)" >&2; exit 2; }
need_free_display "$display"

work=$(mktemp -d)
xvfb_pid=""
app_pid=""
cleanup() {
    [ -n "$frame_log" ] && [ -f "$work/frames" ] && cp "$work/frames" "$frame_log"
    [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

Xvfb ":$display" -listen tcp -ac -screen 0 1280x860x24 -nolisten unix 2>"$work/xvfb.log" &
xvfb_pid=$!
# The local socket is what xdotool uses; Xvfb has it even with
# -nolisten unix on Linux (abstract namespace), so try both.
export DISPLAY=":$display"
for _ in $(seq 1 50); do
    xdotool getdisplaygeometry >/dev/null 2>&1 && break
    sleep 0.2
done

script="$work/measure.d"
cp assets/examples/read-sizes.d "$script"
renderer_args=()
[ -n "$renderer" ] && renderer_args=(--renderer "$renderer")
DISPLAY="127.0.0.1:$display" DSCOPE_CONFIG_DIR="$work/config" \
    DSCOPE_STATE_DIR="$work/state" DSCOPE_FRAME_LOG="$work/frames" \
    "$bin" "${renderer_args[@]}" "$script" >"$work/dscope.log" 2>&1 &
app_pid=$!

wait_for_window 100 "$work/dscope.log"
sleep 3

# Bytes the dscope process has sent on its TCP connections to the server.
sent() {
    ss -tinpH state established "( dport = :$((6000 + display)) )" |
        awk -v pid="pid=$app_pid," '
            index($0, pid) { mine = 1; next }
            mine && match($0, /bytes_sent:[0-9]+/) {
                total += substr($0, RSTART + 11, RLENGTH - 11); mine = 0 }
            { mine = mine && !/^[A-Z]/ }
            END { print total + 0 }'
}
# User+system CPU of dscope, in clock ticks: the whole process (with the
# delayed check's libdtrace compile on its worker thread) and its main
# thread alone (events, egui, painting, presenting).
cpu() { awk '{ print $14 + $15 }' "/proc/$app_pid/stat"; }
ui_cpu() { awk '{ print $14 + $15 }' "/proc/$app_pid/task/$app_pid/stat"; }
frames() { [ -f "$work/frames" ] && grep -c '^painted' "$work/frames" || echo 0; }
hz=$(getconf CLK_TCK)

report() { printf '%s %s %s\n' "$1" "$2" "$3"; }

# Click into the editor (left of the middle, upper half), at the end of a
# line, then let everything the click started settle.
xdotool mousemove 500 200 click 1 key End
sleep 3

b0=$(sent); c0=$(cpu); f0=$(frames)
sleep 5
b1=$(sent); c1=$(cpu); f1=$(frames)
report idle_bytes_5s $((b1 - b0)) bytes
report idle_cpu_5s $(((c1 - c0) * 1000 / hz)) ms
report idle_frames_5s $((f1 - f0)) frames

b0=$(sent); c0=$(cpu); u0=$(ui_cpu); f0=$(frames)
for _ in $(seq 1 "$keys"); do
    xdotool key x
    sleep 0.25
done
# The keys' consequences (the delayed check, the recovery copy) belong to
# them; wait for those, but not so long that the cursor blinks in.
sleep 1.5
b1=$(sent); c1=$(cpu); u1=$(ui_cpu); f1=$(frames)
report bytes_per_key $(((b1 - b0) / keys)) bytes
report cpu_per_key $(((c1 - c0) * 1000 / hz / keys)) ms
report ui_cpu_per_key $(((u1 - u0) * 1000 / hz / keys)) ms
report frames_per_key "$(awk -v f=$((f1 - f0)) -v k="$keys" 'BEGIN { printf "%.1f", f / k }')" frames

sleep 2
b0=$(sent); c0=$(cpu); f0=$(frames)
for i in $(seq 1 "$moves"); do
    xdotool mousemove $((400 + (i % 2) * 7)) $((250 + (i % 3) * 5))
    sleep 0.1
done
sleep 1
b1=$(sent); c1=$(cpu); f1=$(frames)
report bytes_per_mouse_move $(((b1 - b0) / moves)) bytes
report cpu_per_mouse_move $(((c1 - c0) * 1000 / hz / moves)) ms
report frames_per_mouse_move "$(awk -v f=$((f1 - f0)) -v k="$moves" 'BEGIN { printf "%.1f", f / k }')" frames
report rss_kib "$(awk '/VmRSS/ { print $2 }' "/proc/$app_pid/status")" KiB
