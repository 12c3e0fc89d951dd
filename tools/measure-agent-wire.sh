#!/bin/sh
# Bytes on the wire for the snapshots a window gets from `dscope agent`
# on a host: a private sshd on 127.0.0.1, the agent speaking the protocol
# over ssh as the window's connection does, a live run of a script with
# about 20,000 keys in one count() aggregation, once with ssh's
# compression off and once with it on (what the window uses). Snapshots
# travel as what changed since the one before (agent protocol 2): the
# first carries every key, the later ones the values that changed.
#
# Usage: tools/measure-agent-wire.sh [--port N] [--seconds S]
# Needs root (DTrace, and sshd's login as root with a key made for the
# run), OpenSSH, Linux DTrace and `cargo build --release`.
# Prints one line per measurement, "name value unit".
set -eu
port=2298
seconds=20
while [ $# -gt 0 ]; do
    case "$1" in
    --port) port=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    *) echo "usage: $0 [--port N] [--seconds S]" >&2; exit 2 ;;
    esac
done
dscope=$(pwd)/target/release/dscope
[ -x "$dscope" ] || { echo "build it first: cargo build --release" >&2; exit 2; }

work=$(mktemp -d)
chmod 700 "$work"
sshd_pid=""
trap '[ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
[ -d /run/sshd ] || mkdir -m 755 /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/id"
cp "$work/id.pub" "$work/authorized_keys"
printf 'ListenAddress 127.0.0.1:%s\nHostKey %s/host_key\nAuthorizedKeysFile %s/authorized_keys\nPidFile %s/sshd.pid\nPermitRootLogin prohibit-password\nPasswordAuthentication no\nUsePAM no\nStrictModes no\n' \
    "$port" "$work" "$work" "$work" >"$work/sshd_config"
/usr/sbin/sshd -D -e -f "$work/sshd_config" 2>"$work/sshd.log" &
sshd_pid=$!
for _ in $(seq 1 50); do
    ss -tlnH "( sport = :$port )" | grep -q . && break
    sleep 0.1
done
printf '[127.0.0.1]:%s %s\n' "$port" "$(cat "$work/host_key.pub")" >"$work/known_hosts"

version=$("$dscope" --version | awk '{print $2}')
hello="{\"dscope\":\"client\",\"protocol\":2,\"version\":\"$version\"}"
source='syscall:::entry { @[rand() % 10000] = count(); }'
run="{\"run\":{\"job\":1,\"script\":{\"source\":\"$source\",\"name\":\"keys.d\",\"options\":[],\"args\":[],\"destructive\":false},\"duration_ms\":$((seconds * 1000)),\"snapshot_ms\":1000}}"

for compression in no yes; do
    # The input stays open past the run, so the agent ends on Finished.
    { echo "$hello"; echo "$run"; sleep $((seconds + 60)); } |
        ssh -T -p "$port" -i "$work/id" -o IdentitiesOnly=yes \
            -o UserKnownHostsFile="$work/known_hosts" -o StrictHostKeyChecking=yes \
            -o BatchMode=yes -o Compression=$compression root@127.0.0.1 "$dscope" agent \
            >"$work/out" &
    ssh_pid=$!
    # Bytes the client received on the connection, once the run finished.
    received=0
    for _ in $(seq 1 $((seconds * 10 + 600))); do
        now=$(ss -tinH state established "( dport = :$port )" |
            grep -o 'bytes_received:[0-9]*' | cut -d: -f2 | head -n 1)
        [ -n "$now" ] && received=$now
        grep -q '"Finished"' "$work/out" 2>/dev/null && break
        sleep 0.1
    done
    pkill -f "sleep $((seconds + 60))" 2>/dev/null || true
    wait "$ssh_pid" 2>/dev/null || true
    snapshots=$(grep -c '"SnapshotChanges"' "$work/out" || true)
    payload=$(grep '"SnapshotChanges"' "$work/out" | wc -c)
    # Keys travel with their first value only: count them over the run.
    keys=$(grep '"SnapshotChanges"' "$work/out" | grep -o '"key"' | wc -l)
    [ "$snapshots" -gt 0 ] || { echo "no snapshot arrived:" >&2; cat "$work/out" "$work/sshd.log" >&2; exit 1; }
    echo "compression_${compression}_snapshots $snapshots count"
    echo "compression_${compression}_keys_seen $keys keys"
    first=$(grep '"SnapshotChanges"' "$work/out" | head -n 1 | wc -c)
    echo "compression_${compression}_payload_per_snapshot $((payload / snapshots)) bytes"
    echo "compression_${compression}_payload_first_snapshot $first bytes"
    [ "$snapshots" -gt 1 ] &&
        echo "compression_${compression}_payload_per_later_snapshot $(((payload - first) / (snapshots - 1))) bytes"
    echo "compression_${compression}_wire_per_snapshot $((received / snapshots)) bytes"
done
