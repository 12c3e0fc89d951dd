#!/usr/bin/env bash
# Measures what dscope costs over VNC: the bytes a VNC server sends its
# viewer per keystroke, per mouse move and while idle. dscope draws on a
# TigerVNC Xvnc (Xtigervnc) listening on loopback; tools/vnc_client.py is
# the viewer, asking for updates as an interactive one does and counting
# what arrives. By default xdotool types and moves the mouse on the Xvnc
# display directly, so input does not travel over RFB; only the pictures
# do, which is the direction a user's link has to carry. Xvnc then draws
# the pointer into the picture itself, since the viewer did not move it;
# with --input rfb the viewer sends the keys and pointer moves as RFB
# events instead, as a person at a viewer would, and draws the pointer
# itself.
#
#   tools/measure-vnc.sh [--renderer software|gl] [--bin PATH]
#                        [--display N] [--rfbport P] [--keys N] [--moves N]
#                        [--encodings LIST] [--frame-log FILE]
#                        [--screenshot PNG]
#                        [--viewer-log FILE] [--input xdotool|rfb]
#
# Prints one line per measurement, "name value unit". The bytes are the
# server's end of the RFB connection as ss sees it ("down"); the viewer's
# own count of what it read is printed too, as a cross-check, with the
# encodings the server chose. --encodings is passed to vnc_client.py
# (default 16,0,-239: ZRLE, Raw, Cursor); --viewer-log keeps its list of
# every rectangle received. Needs Xtigervnc
# (tigervnc-standalone-server), python3, xdotool and ss (iproute2).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/measure-lib.sh

renderer=""
bin=target/release/dscope
display=142
rfbport=""
keys=20
moves=40
encodings=16,0,-239
frame_log=""
screenshot=""
viewer_log=""
input=xdotool
while [ $# -gt 0 ]; do
    case "$1" in
        --renderer) renderer=$2; shift 2 ;;
        --bin) bin=$2; shift 2 ;;
        --display) display=$2; shift 2 ;;
        --rfbport) rfbport=$2; shift 2 ;;
        --keys) keys=$2; shift 2 ;;
        --moves) moves=$2; shift 2 ;;
        --encodings) encodings=$2; shift 2 ;;
        --frame-log) frame_log=$2; shift 2 ;;
        --screenshot) screenshot=$2; shift 2 ;;
        --viewer-log) viewer_log=$2; shift 2 ;;
        --input) input=$2; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -n "$rfbport" ] || rfbport=$((5900 + display))
[ -x "$bin" ] || { echo "no binary at $bin (cargo build --release)" >&2; exit 2; }
need_free_display "$display"
if ss -tlnH "( sport = :$rfbport )" | grep -q .; then
    echo "port $rfbport is in use; pick another with --rfbport" >&2
    exit 2
fi

work=$(mktemp -d)
xvnc_pid=""
app_pid=""
client_pid=""
cleanup() {
    [ -n "$client_pid" ] && kill "$client_pid" 2>/dev/null || true
    [ -n "$frame_log" ] && [ -f "$work/frames" ] && cp "$work/frames" "$frame_log"
    [ -n "$viewer_log" ] && [ -f "$work/rects" ] && cp "$work/rects" "$viewer_log"
    [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
    [ -n "$xvnc_pid" ] && kill "$xvnc_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

Xtigervnc ":$display" -rfbport "$rfbport" -localhost -SecurityTypes None \
    -geometry 1100x760 -depth 24 -desktop dscope-measure 2>"$work/xvnc.log" &
xvnc_pid=$!
export DISPLAY=":$display"
for _ in $(seq 1 50); do
    xdotool getdisplaygeometry >/dev/null 2>&1 &&
        ss -tlnH "( sport = :$rfbport )" | grep -q . && break
    sleep 0.2
done

input_args=()
if [ "$input" = rfb ]; then
    mkfifo "$work/input"
    input_args=(--input "$work/input")
fi
python3 tools/vnc_client.py --port "$rfbport" --stats "$work/stats" \
    --encodings "$encodings" --log "$work/rects" "${input_args[@]}" \
    2>"$work/client.log" &
client_pid=$!
# Opened for reading too, so that opening it does not wait for the viewer.
[ "$input" = rfb ] && exec 3<>"$work/input"
# Input goes either to the X server directly or through the viewer.
move() {
    if [ "$input" = rfb ]; then echo "move $1 $2" >&3; else xdotool mousemove "$1" "$2"; fi
}
click() {
    if [ "$input" = rfb ]; then echo "click $1 $2" >&3; else xdotool mousemove "$1" "$2" click 1; fi
}
key() {
    if [ "$input" = rfb ]; then echo "key $1" >&3; else xdotool key "$1"; fi
}

script="$work/measure.d"
cp assets/examples/read-sizes.d "$script"
renderer_args=()
[ -n "$renderer" ] && renderer_args=(--renderer "$renderer")
DSCOPE_CONFIG_DIR="$work/config" DSCOPE_STATE_DIR="$work/state" \
    DSCOPE_FRAME_LOG="$work/frames" \
    "$bin" "${renderer_args[@]}" "$script" >"$work/dscope.log" 2>&1 &
app_pid=$!

wait_for_window 100 "$work/dscope.log"
sleep 3
kill -0 "$client_pid" 2>/dev/null || { echo "viewer stopped" >&2; cat "$work/client.log" >&2; exit 1; }

# The server's end of the RFB connection: "sent" is down to the viewer.
counter() {
    ss -tinH state established "( sport = :$rfbport )" |
        awk -v key="$1" '
            match($0, key ":[0-9]+") {
                total += substr($0, RSTART + length(key) + 1, RLENGTH - length(key) - 1) }
            END { print total + 0 }'
}
down() { counter bytes_sent; }
stat() { awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }' "$work/stats"; }
cpu() { awk '{ print $14 + $15 }' "/proc/$app_pid/stat"; }
frames() { [ -f "$work/frames" ] && grep -c '^painted' "$work/frames" || echo 0; }
hz=$(getconf CLK_TCK)

report() { printf '%s %s %s\n' "$1" "$2" "$3"; }
report input "$input" via
report first_window_down "$(down)" bytes

click 500 200
key End
sleep 3

d0=$(down); v0=$(stat bytes); n0=$(stat updates); c0=$(cpu); f0=$(frames)
sleep 5
d1=$(down); v1=$(stat bytes); n1=$(stat updates); c1=$(cpu); f1=$(frames)
report idle_down_5s $((d1 - d0)) bytes
report idle_viewer_read_5s $((v1 - v0)) bytes
report idle_updates_5s $((n1 - n0)) updates
report idle_cpu_5s $(((c1 - c0) * 1000 / hz)) ms
report idle_frames_5s $((f1 - f0)) frames

d0=$(down); v0=$(stat bytes); n0=$(stat updates); c0=$(cpu); f0=$(frames)
for _ in $(seq 1 "$keys"); do
    key x
    sleep 0.25
done
sleep 1.5
d1=$(down); v1=$(stat bytes); n1=$(stat updates); c1=$(cpu); f1=$(frames)
report down_per_key $(((d1 - d0) / keys)) bytes
report viewer_read_per_key $(((v1 - v0) / keys)) bytes
report updates_per_key "$(awk -v f=$((n1 - n0)) -v k="$keys" 'BEGIN { printf "%.1f", f / k }')" updates
report cpu_per_key $(((c1 - c0) * 1000 / hz / keys)) ms
report frames_per_key "$(awk -v f=$((f1 - f0)) -v k="$keys" 'BEGIN { printf "%.1f", f / k }')" frames

sleep 2
d0=$(down); v0=$(stat bytes); n0=$(stat updates); c0=$(cpu); f0=$(frames)
for i in $(seq 1 "$moves"); do
    move $((400 + (i % 2) * 7)) $((250 + (i % 3) * 5))
    sleep 0.1
done
sleep 1
d1=$(down); v1=$(stat bytes); n1=$(stat updates); c1=$(cpu); f1=$(frames)
report down_per_mouse_move $(((d1 - d0) / moves)) bytes
report viewer_read_per_mouse_move $(((v1 - v0) / moves)) bytes
report updates_per_mouse_move "$(awk -v f=$((n1 - n0)) -v k="$moves" 'BEGIN { printf "%.1f", f / k }')" updates
report cpu_per_mouse_move $(((c1 - c0) * 1000 / hz / moves)) ms
report frames_per_mouse_move "$(awk -v f=$((f1 - f0)) -v k="$moves" 'BEGIN { printf "%.1f", f / k }')" frames
report rss_kib "$(awk '/VmRSS/ { print $2 }' "/proc/$app_pid/status")" KiB
awk '$1 ~ /^rects_/ { sub(/^rects_/, "", $1); printf "encoding_%s %s rects\n", $1, $2 }' "$work/stats"
# What the user's screen shows at the end (ImageMagick's import), to see
# that the keys and the window really arrived.
[ -z "$screenshot" ] || import -window root "$screenshot"
