# What the window measurement scripts share; sourced by them (bash).

# Exits saying so when display :N is taken. A lock file whose process is
# gone is a leftover that the X server replaces; a live one is someone
# else's display.
need_free_display() {
    local lock="/tmp/.X$1-lock"
    if [ -f "$lock" ] && kill -0 "$(tr -d ' ' <"$lock")" 2>/dev/null; then
        echo "display :$1 is in use; pick another with --display" >&2
        exit 2
    fi
}

# Waits up to TRIES/5 seconds for the window of measure.d, sets $window,
# moves it to the corner and focuses it; without one, prints LOGS and
# exits.
wait_for_window() {
    local tries=$1
    shift
    window=""
    for _ in $(seq 1 "$tries"); do
        window=$(xdotool search --name 'measure.d' 2>/dev/null | head -1 || true)
        [ -n "$window" ] && break
        sleep 0.2
    done
    if [ -z "$window" ]; then
        echo "no dscope window" >&2
        cat "$@" >&2
        exit 1
    fi
    xdotool windowmove --sync "$window" 0 0 >/dev/null 2>&1 || true
    xdotool windowfocus --sync "$window" >/dev/null 2>&1 || true
}
