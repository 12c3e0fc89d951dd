#!/usr/bin/env bash
# Measures the window on a fleet: N hosts, each a network namespace of its
# own joined by a veth link with its own sshd, all running this build of
# dscope; the window is opened on all of them (--host x N) under Xvfb and
# the script is run (F5), its merged aggregations drawn as they come. The
# window's CPU is read from /proc while the hosts start (WARMUP seconds)
# and then over SECS seconds of tracing, with its memory after, and a
# screenshot is kept to look at.
#
#   tools/measure-fleet-window.sh [--hosts N] [--secs S] [--warmup W]
#                                 [--bin PATH] [--display N]
#
# Prints "name value unit" lines. Needs root, ip (iproute2), nsenter,
# OpenSSH's sshd, Xvfb, xdotool and libdtrace.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/measure-lib.sh

hosts=16
secs=10
warmup=30
bin=target/release/dscope
display=120
while [ $# -gt 0 ]; do
    case "$1" in
        --hosts) hosts=$2; shift 2 ;;
        --secs) secs=$2; shift 2 ;;
        --warmup) warmup=$2; shift 2 ;;
        --bin) bin=$2; shift 2 ;;
        --display) display=$2; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -x "$bin" ] || { echo "no binary at $bin (cargo build --release)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "network namespaces need root" >&2; exit 2; }
need_free_display "$display"
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

work=$(mktemp -d)
tag=$$
net=$((100 + tag % 100))
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for i in $(seq 1 "$hosts"); do ip netns delete "dsm$tag-$i" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N "" -f "$work/id"
cp "$work/id.pub" "$work/authorized_keys"
mkdir -p /run/sshd
: >"$work/known_hosts"
: >"$work/ssh_config"
args=()
for i in $(seq 1 "$hosts"); do
    ns="dsm$tag-$i"
    ip netns add "$ns"
    # Interface names are at most 15 bytes.
    out="dsmo$i-$tag"
    in="dsmi$i-$tag"
    ip link add "$out" type veth peer name "$in"
    ip link set "$in" netns "$ns"
    ip addr add "10.$net.$i.1/30" dev "$out"
    ip link set "$out" up
    ip netns exec "$ns" ip addr add "10.$net.$i.2/30" dev "$in"
    ip netns exec "$ns" ip link set "$in" up
    ssh-keygen -q -t ed25519 -N "" -f "$work/host$i"
    echo "host$i $(cat "$work/host$i.pub")" >>"$work/known_hosts"
    printf 'Port 22\nListenAddress 10.%s.%s.2\nHostKey %s/host%s\nPidFile %s/sshd%s.pid\nAuthorizedKeysFile %s/authorized_keys\nStrictModes no\nUsePAM no\nPermitRootLogin prohibit-password\nPasswordAuthentication no\nLogLevel ERROR\n' \
        "$net" "$i" "$work" "$i" "$work" "$i" "$work" >"$work/sshd$i.conf"
    printf 'Host host%s\n  HostName 10.%s.%s.2\n  User root\n  IdentityFile %s/id\n  IdentitiesOnly yes\n  UserKnownHostsFile %s/known_hosts\n  GlobalKnownHostsFile /dev/null\n  HostKeyAlias host%s\n  StrictHostKeyChecking yes\n  BatchMode yes\n  LogLevel ERROR\n' \
        "$i" "$net" "$i" "$work" "$work" "$i" >>"$work/ssh_config"
    # nsenter: the network namespace only, so /sys keeps its tracefs.
    nsenter --net="/run/netns/$ns" /usr/sbin/sshd -D -e -f "$work/sshd$i.conf" 2>"$work/sshd$i.log" &
    pids+=($!)
    args+=(--host "host$i")
done

cat >"$work/measure.d" <<'D'
#pragma D option quiet
profile-97 { @samples[execname] = count(); }
D

Xvfb ":$display" -screen 0 1280x860x24 2>"$work/xvfb.log" &
pids+=($!)
export DISPLAY=":$display"
for _ in $(seq 1 50); do
    xdotool getdisplaygeometry >/dev/null 2>&1 && break
    sleep 0.2
done
DSCOPE_SSH_CONFIG="$work/ssh_config" DSCOPE_CONFIG_DIR="$work/config" DSCOPE_STATE_DIR="$work/state" \
    "$bin" "${args[@]}" --remote-dscope "$bin" "$work/measure.d" >"$work/dscope.log" 2>&1 &
app=$!
pids+=($app)
wait_for_window 100 "$work/dscope.log"

ticks() { awk '{print $14 + $15}' "/proc/$app/stat"; }
hz=$(getconf CLK_TCK)
# Run, with no time limit; the merged pie shows once snapshots come.
# The run bar's Duration field (its place in the 1100x760 window): long
# enough to outlast the measurement.
xdotool mousemove 320 37 click 1
xdotool key ctrl+a
xdotool type "$((warmup + secs + 60))"
xdotool key Tab
xdotool key F5
t0=$(ticks)
sleep "$warmup"
start=$(date +%s.%N)
before=$(ticks)
sleep "$secs"
after=$(ticks)
end=$(date +%s.%N)
rss=$(awk '/VmRSS/ {print $2}' "/proc/$app/status")
import -window root "$work/shot.png"
cp "$work/shot.png" "/tmp/measure-fleet-window.png"
awk -v a="$after" -v b="$before" -v t0="$t0" -v hz="$hz" -v s="$start" -v e="$end" \
    -v n="$hosts" -v w="$warmup" 'BEGIN {
    printf "fleet_hosts %d hosts\n", n
    printf "window_cpu_while_starting %.1f %%_of_one_core\n", 100 * (b - t0) / hz / w
    printf "window_cpu_tracing %.1f %%_of_one_core\n", 100 * (a - b) / hz / (e - s)
}'
echo "window_rss $((rss / 1024)) MB"
echo "screenshot /tmp/measure-fleet-window.png"
