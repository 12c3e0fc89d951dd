#!/usr/bin/env bash
# Measures what dscope costs over `ssh -X`: the bytes the ssh connection
# carries per keystroke, per mouse move and while idle. A private sshd runs
# on loopback with its own host key, authorized key and pid file; the
# "desktop" is an Xvfb on a local socket; dscope is started through
# `ssh -X` from that desktop, so it draws on the forwarded display
# (localhost:N inside the session) and every request crosses the ssh
# connection. xdotool drives the desktop Xvfb directly, as a user's
# keyboard would.
#
#   tools/measure-ssh-x.sh [--renderer software|gl] [--bin PATH]
#                          [--display N] [--port P] [--keys N] [--moves N]
#                          [--compress] [--frame-log FILE]
#                          [--screenshot PNG]
#
# Prints one line per measurement, "name value unit". "down" is sshd to
# ssh, the direction that carries drawing to the user; "up" is the other
# one (input events, replies' acknowledgements). The forwarded display
# is numbered from --display + 1, so it stays in the same range. Needs
# root (sshd, login as root with a key made for the run), OpenSSH, xauth,
# Xvfb, xdotool and ss (iproute2).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/measure-lib.sh

renderer=""
bin=target/release/dscope
display=140
port=2230
keys=20
moves=40
compress=no
frame_log=""
screenshot=""
while [ $# -gt 0 ]; do
    case "$1" in
        --renderer) renderer=$2; shift 2 ;;
        --bin) bin=$2; shift 2 ;;
        --display) display=$2; shift 2 ;;
        --port) port=$2; shift 2 ;;
        --keys) keys=$2; shift 2 ;;
        --moves) moves=$2; shift 2 ;;
        --compress) compress=yes; shift ;;
        --frame-log) frame_log=$2; shift 2 ;;
        --screenshot) screenshot=$2; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -x "$bin" ] || { echo "no binary at $bin (cargo build --release)" >&2; exit 2; }
bin=$(realpath "$bin")
need_free_display "$display"
need_free_display $((display + 1))
if ss -tlnH "( sport = :$port )" | grep -q .; then
    echo "port $port is in use; pick another with --port" >&2
    exit 2
fi

work=$(mktemp -d)
chmod 700 "$work"
xvfb_pid=""
sshd_pid=""
ssh_pid=""
cleanup() {
    [ -n "$frame_log" ] && [ -f "$work/frames" ] && cp "$work/frames" "$frame_log"
    if [ -f "$work/app.pid" ]; then
        kill "$(cat "$work/app.pid")" 2>/dev/null || true
    fi
    [ -n "$ssh_pid" ] && kill "$ssh_pid" 2>/dev/null || true
    [ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null || true
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# sshd refuses to start without its privilege separation directory,
# which Debian creates only when the system sshd service runs.
[ -d /run/sshd ] || mkdir -m 755 /run/sshd

ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/id"
cp "$work/id.pub" "$work/authorized_keys"
# StrictModes would reject a key file under the world-writable /tmp.
# XAUTHORITY keeps the session's cookie in the run's directory instead
# of root's ~/.Xauthority.
cat >"$work/sshd_config" <<EOF
ListenAddress 127.0.0.1:$port
HostKey $work/host_key
AuthorizedKeysFile $work/authorized_keys
PidFile $work/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
X11Forwarding yes
X11UseLocalhost yes
X11DisplayOffset $((display + 1))
XAuthLocation /usr/bin/xauth
SetEnv XAUTHORITY=$work/xauthority-remote
PrintMotd no
Compression $compress
EOF
/usr/sbin/sshd -D -e -f "$work/sshd_config" 2>"$work/sshd.log" &
sshd_pid=$!

Xvfb ":$display" -screen 0 1280x860x24 2>"$work/xvfb.log" &
xvfb_pid=$!
export DISPLAY=":$display"
export XAUTHORITY="$work/xauthority-desktop"
for _ in $(seq 1 50); do
    xdotool getdisplaygeometry >/dev/null 2>&1 && break
    sleep 0.2
done
for _ in $(seq 1 50); do
    ss -tlnH "( sport = :$port )" | grep -q . && break
    sleep 0.1
done

script="$work/measure.d"
cp assets/examples/read-sizes.d "$script"
renderer_args=""
[ -n "$renderer" ] && renderer_args="--renderer $renderer"
# Debian's ssh_config trusts forwarded X clients (ForwardX11Trusted yes);
# say so here, since this run ignores the system's client config.
ssh -F /dev/null -X -o ForwardX11Trusted=yes -o Compression="$compress" \
    -o IdentityFile="$work/id" -o IdentitiesOnly=yes -o BatchMode=yes \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile="$work/known_hosts" \
    -p "$port" root@127.0.0.1 \
    "echo \$\$ >'$work/app.pid'; echo \"\$DISPLAY\" >'$work/remote-display';
     exec env DSCOPE_CONFIG_DIR='$work/config' DSCOPE_STATE_DIR='$work/state' \
         DSCOPE_FRAME_LOG='$work/frames' '$bin' $renderer_args '$script'" \
    >"$work/dscope.log" 2>&1 </dev/null &
ssh_pid=$!

wait_for_window 150 "$work/dscope.log" "$work/sshd.log"
app_pid=$(cat "$work/app.pid")
sleep 3

# Bytes on the ssh connection as sshd's end of it sees them:
# "sent" is down (to the user), "received" is up.
counter() {
    ss -tinH state established "( sport = :$port )" |
        awk -v key="$1" '
            match($0, key ":[0-9]+") {
                total += substr($0, RSTART + length(key) + 1, RLENGTH - length(key) - 1) }
            END { print total + 0 }'
}
down() { counter bytes_sent; }
up() { counter bytes_received; }
cpu() { awk '{ print $14 + $15 }' "/proc/$app_pid/stat"; }
frames() { [ -f "$work/frames" ] && grep -c '^painted' "$work/frames" || echo 0; }
hz=$(getconf CLK_TCK)

report() { printf '%s %s %s\n' "$1" "$2" "$3"; }
report forwarded_display "$(cat "$work/remote-display")" display
report first_window_down "$(down)" bytes

xdotool mousemove 500 200 click 1 key End
sleep 3

d0=$(down); u0=$(up); c0=$(cpu); f0=$(frames)
sleep 5
d1=$(down); u1=$(up); c1=$(cpu); f1=$(frames)
report idle_down_5s $((d1 - d0)) bytes
report idle_up_5s $((u1 - u0)) bytes
report idle_cpu_5s $(((c1 - c0) * 1000 / hz)) ms
report idle_frames_5s $((f1 - f0)) frames

d0=$(down); u0=$(up); c0=$(cpu); f0=$(frames)
for _ in $(seq 1 "$keys"); do
    xdotool key x
    sleep 0.25
done
sleep 1.5
d1=$(down); u1=$(up); c1=$(cpu); f1=$(frames)
report down_per_key $(((d1 - d0) / keys)) bytes
report up_per_key $(((u1 - u0) / keys)) bytes
report cpu_per_key $(((c1 - c0) * 1000 / hz / keys)) ms
report frames_per_key "$(awk -v f=$((f1 - f0)) -v k="$keys" 'BEGIN { printf "%.1f", f / k }')" frames

sleep 2
d0=$(down); u0=$(up); c0=$(cpu); f0=$(frames)
for i in $(seq 1 "$moves"); do
    xdotool mousemove $((400 + (i % 2) * 7)) $((250 + (i % 3) * 5))
    sleep 0.1
done
sleep 1
d1=$(down); u1=$(up); c1=$(cpu); f1=$(frames)
report down_per_mouse_move $(((d1 - d0) / moves)) bytes
report up_per_mouse_move $(((u1 - u0) / moves)) bytes
report cpu_per_mouse_move $(((c1 - c0) * 1000 / hz / moves)) ms
report frames_per_mouse_move "$(awk -v f=$((f1 - f0)) -v k="$moves" 'BEGIN { printf "%.1f", f / k }')" frames
report rss_kib "$(awk '/VmRSS/ { print $2 }' "/proc/$app_pid/status")" KiB
# What the user's screen shows at the end (ImageMagick's import), to see
# that the keys and the window really arrived.
[ -z "$screenshot" ] || import -window root "$screenshot"
