#!/usr/bin/env bash
# Runs a command on a private Xvfb display and stops the server after it:
#
#   tools/with-xvfb.sh [-s WxHxD] COMMAND [ARG ...]
#
# The server picks a free display number itself (-displayfd) and names it
# only once it accepts connections. `xvfb-run -a` instead guesses a free
# number from lock files and does not wait for the server it replaces to
# be gone, so a check started right after another one's could find no X
# server on its display.
set -euo pipefail

screen=1280x860x24
if [ "${1:-}" = -s ]; then
    screen=$2
    shift 2
fi
[ $# -gt 0 ] || { echo "usage: $0 [-s WxHxD] COMMAND [ARG ...]" >&2; exit 2; }

scratch=$(mktemp -d)
xvfb_pid=
cleanup() {
    if [ -n "$xvfb_pid" ]; then
        kill "$xvfb_pid" 2>/dev/null || true
        wait "$xvfb_pid" 2>/dev/null || true
    fi
    rm -rf "$scratch"
}
trap cleanup EXIT

mkfifo "$scratch/displayfd"
# Only local clients reach it (-nolisten tcp): the tests' own.
Xvfb -displayfd 3 -screen 0 "$screen" -nolisten tcp \
    3>"$scratch/displayfd" >"$scratch/xvfb.log" 2>&1 &
xvfb_pid=$!
display=
if ! read -r -t 30 display <"$scratch/displayfd" || [ -z "$display" ]; then
    echo "with-xvfb.sh: Xvfb did not start:" >&2
    cat "$scratch/xvfb.log" >&2
    exit 1
fi

set +e
DISPLAY=":$display" "$@"
status=$?
set -e
exit "$status"
