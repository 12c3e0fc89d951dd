#!/usr/bin/env bash
# Stack-keyed profiling scripts under dtrace(1) and dscope, side by side in
# one run: wall time, CPU of the whole process tree, exit status, and
# whether anything crashed. Needs root, a libdtrace, and dtrace(1).
#
#   tools/measure-stacks.sh [--bin PATH] [--dtrace PATH] [--seconds N]
#                           [--runs N] [--modes LIST] [--log DIR]
#
# Modes (comma-separated, all by default):
#   dtrace  dtrace -q -s SCRIPT, stopped by SIGINT after N seconds
#   run     dscope run -q SCRIPT, stopped the same way
#   record  dscope run -q --record FILE SCRIPT (a snapshot every second)
#   window  the window's run worker (dscope __run-worker), given the run
#           request the window sends: N seconds, a snapshot every second
#   limit   dscope run -q --duration N SCRIPT (how soon after N it ends)
#
# Each run has the same load beside it: busy loops of sh, python3, perl
# and bash (so user stacks come from several programs). CPU is user +
# system of the command and every child it waited for (GNU time), which
# for dscope includes its run worker.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=target/release/dscope
dtrace_bin=$(command -v dtrace || echo /usr/local/sbin/dtrace)
seconds=10
runs=3
modes=dtrace,run,record,window,limit
log=$(mktemp -d)
while [ $# -gt 0 ]; do
    case "$1" in
    --bin) bin=$2; shift 2 ;;
    --dtrace) dtrace_bin=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --modes) modes=$2; shift 2 ;;
    --log) log=$2; mkdir -p "$log"; shift 2 ;;
    *) echo "usage: $0 [--bin PATH] [--dtrace PATH] [--seconds N] [--runs N] [--modes LIST] [--log DIR]" >&2
       exit 2 ;;
    esac
done
[ -x "$bin" ] || { echo "no dscope at $bin (cargo build --release)" >&2; exit 2; }
[ -x "$dtrace_bin" ] || { echo "no dtrace(1) at $dtrace_bin" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 2; }
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
mountpoint -q /sys/kernel/debug/tracing || mount -t tracefs none /sys/kernel/debug/tracing

# The most common profiling script (without its tick-10s: tick probes
# barely fire on some kernels; each mode stops it after N seconds), and a
# second one with symbol keys and a short kernel stack.
cat >"$log/stacks.d" <<'D'
profile-997 /arg1/ { @u[execname, ustack()] = count(); }
profile-997 /arg0/ { @k[stack()] = count(); }
D
cat >"$log/symbols.d" <<'D'
profile-997 /arg1/ { @f[ufunc(arg1)] = count(); @m[execname, umod(arg1)] = count(); }
profile-997 /arg0/ { @s[func(arg0)] = count(); @d[stack(5)] = count(); }
D

load_pids=()
start_load() {
    local t=$(( seconds + 60 ))
    timeout "$t" sh -c 'while :; do :; done' & load_pids+=($!)
    timeout "$t" python3 -c 'while True: sum(range(1000))' & load_pids+=($!)
    timeout "$t" perl -e 'while (1) { my $x = 0; $x += $_ for 1 .. 1000 }' & load_pids+=($!)
    timeout "$t" bash -c 'while :; do ls /usr/bin >/dev/null; done' & load_pids+=($!)
}
stop_load() {
    kill "${load_pids[@]}" 2>/dev/null || true
    wait "${load_pids[@]}" 2>/dev/null || true
    load_pids=()
}
trap stop_load EXIT

# Runs "$@" under GNU time; prints "wall cpu status".
measure() {
    local out=$1; shift
    local t="$out.time"
    /usr/bin/time -o "$t" -f '%e %U %S %x' "$@" >"$out.stdout" 2>"$out.stderr" || true
    local line
    line=$(tail -n 1 "$t")
    if grep -q 'terminated by signal' "$t"; then
        local sig
        sig=$(grep -o 'signal [0-9]*' "$t" | awk '{print $2}')
        # GNU time prints the signal line, then the numbers with status 0.
        set -- $line
        printf '%s %.2f signal-%s\n' "$1" "$(awk "BEGIN{print $2 + $3}")" "$sig"
    else
        set -- $line
        printf '%s %.2f %s\n' "$1" "$(awk "BEGIN{print $2 + $3}")" "$4"
    fi
}

window_request() {
    python3 - "$1" "$2" <<'PY'
import json, sys
path, ms = sys.argv[1], int(sys.argv[2])
print(json.dumps({"run": {"job": 1, "script": {"source": open(path).read(),
    "name": path.rsplit("/", 1)[-1], "options": [], "args": [], "destructive": False},
    "duration_ms": ms, "snapshot_ms": 1000}}))
PY
}

printf '%-8s %-10s %3s %8s %8s %-10s %s\n' mode script run wall_s cpu_s status notes
for script in stacks symbols; do
    d="$log/$script.d"
    for r in $(seq 1 "$runs"); do
        for mode in ${modes//,/ }; do
            out="$log/$script-$mode-$r"
            notes=""
            start_load
            sleep 1
            case "$mode" in
            dtrace)
                res=$(measure "$out" timeout --preserve-status -s INT "$seconds" "$dtrace_bin" -q -s "$d") ;;
            run)
                res=$(measure "$out" timeout --preserve-status -s INT "$seconds" "$bin" run -q "$d") ;;
            record)
                res=$(measure "$out" timeout --preserve-status -s INT "$seconds" "$bin" run -q --record "$out.rec" "$d")
                notes="recording $(stat -c %s "$out.rec" 2>/dev/null || echo 0) bytes" ;;
            window)
                req=$(window_request "$d" $(( seconds * 1000 )))
                # The input stays open for the run: its end would mean Stop.
                # The input stays open for the run (its end would mean Stop);
                # the events go through a timestamping reader.
                res=$(measure "$out" bash -c "\"$bin\" __run-worker < <(echo '$req'; exec sleep $(( seconds + 300 ))) | \
                    python3 -u -c 'import sys, time
for l in sys.stdin: sys.stdout.write(\"%.6f %s\" % (time.time(), l))'")
                pkill -f "^sleep $(( seconds + 300 ))\$" 2>/dev/null || true
                notes=$(python3 - "$out.stdout" "$seconds" <<'PY'
import json, sys
started = stopping = finished = None; snaps = 0; paces = []
for line in open(sys.argv[1]):
    t, _, body = line.partition(" ")
    try:
        e = json.loads(body)
    except ValueError:
        continue
    t = float(t)
    name = e if isinstance(e, str) else next(iter(e))
    if name == "Started": started = t
    elif name == "Stopping": stopping = t
    elif name == "Finished": finished = t
    elif name == "SnapshotChanges": snaps += 1
    elif name == "Pace": paces.append(e["Pace"]["every_ms"] / 1000)
late = (stopping - started - float(sys.argv[2])) if started and stopping else None
print("snapshots %d, stopping %s s after the duration, stop took %s s%s" % (
    snaps, "?" if late is None else "%.2f" % late,
    "?" if not (stopping and finished) else "%.1f" % (finished - stopping),
    (", paced to " + "/".join("%g s" % p for p in paces)) if paces else ""))
PY
) ;;
            limit)
                res=$(measure "$out" "$bin" run -q --duration "$seconds" "$d") ;;
            *) echo "unknown mode $mode" >&2; exit 2 ;;
            esac
            stop_load
            set -- $res
            printf '%-8s %-10s %3s %8s %8s %-10s %s\n' "$mode" "$script" "$r" "$1" "$2" "$3" "$notes"
        done
    done
done
echo "logs: $log"
