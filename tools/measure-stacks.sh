#!/usr/bin/env bash
# Stack-keyed profiling scripts under dtrace(1) and dscope, side by side in
# one run: wall time, CPU of the whole process tree, exit status, and
# whether anything crashed. Needs root, a libdtrace, and dtrace(1).
#
#   tools/measure-stacks.sh [--bin PATH] [--dtrace PATH] [--seconds N]
#                           [--runs N] [--modes LIST] [--scripts LIST]
#                           [--log DIR]
#
# Scripts (comma-separated, all by default): stacks (the issue's profiling
# script: user stacks with execname, kernel stacks), keyed (stacks of a
# given depth beside other keys, a quantize keyed by stack, a second
# profile rate) and symbols (ufunc/umod/func keys: libdtrace grabs each
# process of a user symbol key while it snapshots, in dtrace(1) too).
#
# Modes (comma-separated, all by default):
#   dtrace  dtrace -q -s SCRIPT, stopped by SIGINT after N seconds
#   run     dscope run -q SCRIPT, stopped the same way
#   record  dscope run -q --record FILE SCRIPT (a snapshot every second)
#   window  the window's run worker (dscope __run-worker), given the run
#           request the window sends: N seconds, a snapshot every second
#   limit   dscope run -q --duration N SCRIPT (how soon after N it ends)
#   host    dscope run -q --host root@127.0.0.1:PORT --remote-dscope BIN
#           SCRIPT, through an sshd of its own on 127.0.0.1 (stopped by
#           SIGINT after N seconds, like run)
#   fleet   the same on two hosts at once, --host fleet-a --host fleet-b,
#           both aliases of that sshd
#
# For host and fleet the script starts /usr/sbin/sshd on a free port of
# 127.0.0.1 with a host key, a client key and an authorized_keys made in
# LOG/sshd, and gives dscope the client's settings through
# DSCOPE_SSH_CONFIG=LOG/sshd/ssh_config; sshd is stopped at the end.
#
# A crash (a status of 132-139 or a fatal signal, "SIGSEGV", "signal: 11",
# "Segmentation fault" or "ended unexpectedly" in what the run said, where
# a remote crash arrives) is named in the notes, with any core file that
# appeared in the core_pattern directory during the run.
#
# SIGINT goes to the command alone (timeout --foreground), as a terminal's
# ^C reaches each process once: without it timeout signals the command and
# then its whole process group, which makes two interrupts (the second ends
# dtrace(1) and dscope at once, without their output).
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
scripts=stacks,keyed,symbols
log=$(mktemp -d)
while [ $# -gt 0 ]; do
    case "$1" in
    --bin) bin=$2; shift 2 ;;
    --dtrace) dtrace_bin=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --modes) modes=$2; shift 2 ;;
    --scripts) scripts=$2; shift 2 ;;
    --log) log=$2; mkdir -p "$log"; shift 2 ;;
    *) echo "usage: $0 [--bin PATH] [--dtrace PATH] [--seconds N] [--runs N] [--modes LIST] [--scripts LIST] [--log DIR]" >&2
       exit 2 ;;
    esac
done
[ -x "$bin" ] || { echo "no dscope at $bin (cargo build --release)" >&2; exit 2; }
[ -x "$dtrace_bin" ] || { echo "no dtrace(1) at $dtrace_bin" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 2; }
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
mountpoint -q /sys/kernel/debug/tracing || mount -t tracefs none /sys/kernel/debug/tracing

# The most common profiling script (without its tick-10s: tick probes
# barely fire on some kernels; each mode stops it after N seconds), a
# second stack-keyed one, and one with symbol keys and a short kernel stack.
cat >"$log/stacks.d" <<'D'
profile-997 /arg1/ { @u[execname, ustack()] = count(); }
profile-997 /arg0/ { @k[stack()] = count(); }
D
cat >"$log/keyed.d" <<'D'
profile-997 /arg1/ { @q[ustack(6)] = quantize(cpu); @c[pid, ustack(3), execname] = count(); }
profile-997 /arg0/ { @k[cpu, stack(8)] = sum(1); }
profile-499 /arg1/ { @s[ustack(4), tid & 3] = count(); }
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
    # A bare wait would also wait for the sshd below.
    if [ ${#load_pids[@]} -gt 0 ]; then wait "${load_pids[@]}" 2>/dev/null || true; fi
    load_pids=()
}

# A private sshd for host and fleet (as tests/sshd/mod.rs makes one).
sshd_pid=
sshd_port=
stop_sshd() {
    if [ -n "$sshd_pid" ]; then
        kill "$sshd_pid" 2>/dev/null || true
        wait "$sshd_pid" 2>/dev/null || true
        sshd_pid=
    fi
}
start_sshd() {
    local d=$log/sshd
    [ -x /usr/sbin/sshd ] && command -v ssh-keygen >/dev/null ||
        { echo "host and fleet need /usr/sbin/sshd and ssh-keygen (openssh-server)" >&2; exit 2; }
    mkdir -p "$d"
    rm -f "$d/host_key" "$d/host_key.pub" "$d/id" "$d/id.pub"
    ssh-keygen -q -t ed25519 -N '' -f "$d/host_key"
    ssh-keygen -q -t ed25519 -N '' -f "$d/id"
    cp "$d/id.pub" "$d/authorized_keys"
    sshd_port=$(python3 - <<'PY'
import socket
for p in range(2270, 2400):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break
PY
)
    [ -n "$sshd_port" ] || { echo "no free port in 2270-2399 for sshd" >&2; exit 2; }
    cat >"$d/sshd_config" <<C
Port $sshd_port
ListenAddress 127.0.0.1
HostKey $d/host_key
PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
MaxStartups 100
LogLevel ERROR
C
    local h client=""
    for h in 127.0.0.1 fleet-a fleet-b; do
        client+="Host $h
  HostName 127.0.0.1
  Port $sshd_port
  User root
  IdentityFile $d/id
  IdentitiesOnly yes
  UserKnownHostsFile /dev/null
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking no
  BatchMode yes
  LogLevel ERROR
"
    done
    printf '%s' "$client" >"$d/ssh_config"
    # sshd started as root wants its privilege separation directory.
    mkdir -p /run/sshd
    /usr/sbin/sshd -D -e -f "$d/sshd_config" </dev/null 2>"$d/sshd.log" &
    sshd_pid=$!
    local i
    for i in $(seq 1 200); do
        (exec 3<>"/dev/tcp/127.0.0.1/$sshd_port") 2>/dev/null && return 0
        kill -0 "$sshd_pid" 2>/dev/null || break
        sleep 0.05
    done
    echo "sshd did not start on $sshd_port: $(cat "$d/sshd.log")" >&2
    exit 2
}
trap 'stop_load; stop_sshd' EXIT
case ",$modes," in *,host,*|*,fleet,*)
    start_sshd
    export DSCOPE_SSH_CONFIG=$log/sshd/ssh_config
    # The remote shell starts in root's home: the remote dscope by its full path.
    remote_bin=$(readlink -f "$bin")
    ssh -F "$DSCOPE_SSH_CONFIG" -T fleet-a true </dev/null ||
        { echo "cannot ssh to the sshd on 127.0.0.1:$sshd_port (log: $log/sshd/sshd.log)" >&2; exit 2; } ;;
esac

# Where cores go, when core_pattern names a directory (not a pipe).
core_dir=$(cat /proc/sys/kernel/core_pattern 2>/dev/null || true)
case "$core_dir" in /*) core_dir=$(dirname "$core_dir") ;; *) core_dir= ;; esac
cores() { [ -n "$core_dir" ] && ls "$core_dir" 2>/dev/null | sort || true; }

# The notes' word on a crash: the status, what the run said, new cores.
crash_note() {
    local out=$1 status=$2 before=$3 said=() new
    case "$status" in
    13[2-9]|signal-4|signal-6|signal-7|signal-8|signal-11) said+=("status $status") ;;
    esac
    local files=("$out.stderr")
    [ "$4" = window ] && files+=("$out.stdout")
    local pat
    for pat in SIGSEGV SIGABRT 'signal: 11' 'signal: 6' 'Segmentation fault' 'ended unexpectedly' 'core dumped'; do
        grep -qF -- "$pat" "${files[@]}" 2>/dev/null && said+=("\"$pat\"")
    done
    new=$(comm -13 <(printf '%s\n' "$before") <(cores) | tr '\n' ' ')
    [ -n "$new" ] && said+=("cores: ${new% }")
    [ ${#said[@]} -gt 0 ] && printf 'CRASH (%s)' "$(IFS=,; echo "${said[*]}" | sed 's/,/, /g')"
    return 0
}

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
for script in ${scripts//,/ }; do
    d="$log/$script.d"
    for r in $(seq 1 "$runs"); do
        for mode in ${modes//,/ }; do
            out="$log/$script-$mode-$r"
            notes=""
            start_load
            sleep 1
            cores_before=$(cores)
            case "$mode" in
            dtrace)
                res=$(measure "$out" timeout --foreground --preserve-status -s INT "$seconds" "$dtrace_bin" -q -s "$d") ;;
            run)
                res=$(measure "$out" timeout --foreground --preserve-status -s INT "$seconds" "$bin" run -q "$d") ;;
            record)
                res=$(measure "$out" timeout --foreground --preserve-status -s INT "$seconds" "$bin" run -q --record "$out.rec" "$d")
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
            host)
                res=$(measure "$out" timeout --foreground --preserve-status -s INT "$seconds" "$bin" run -q \
                    --host "root@127.0.0.1:$sshd_port" --remote-dscope "$remote_bin" "$d") ;;
            fleet)
                res=$(measure "$out" timeout --foreground --preserve-status -s INT "$seconds" "$bin" run -q \
                    --host fleet-a --host fleet-b --remote-dscope "$remote_bin" "$d")
                # run merges the hosts' aggregations, the host as the first key.
                notes="hosts in the output: $({ grep -oE '^ *fleet-[ab]\b' "$out.stdout" 2>/dev/null || true; } |
                    tr -d ' ' | sort -u | tr '\n' ' ' | sed 's/ $//')" ;;
            *) echo "unknown mode $mode" >&2; exit 2 ;;
            esac
            stop_load
            set -- $res
            crash=$(crash_note "$out" "$3" "$cores_before" "$mode")
            [ -n "$crash" ] && notes="$crash${notes:+; $notes}"
            printf '%-8s %-10s %3s %8s %8s %-10s %s\n' "$mode" "$script" "$r" "$1" "$2" "$3" "$notes"
        done
    done
done
echo "logs: $log"
