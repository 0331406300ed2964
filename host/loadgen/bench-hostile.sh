#!/usr/bin/env bash
# The reliability benchmark of BENCHMARKS.md (issue 22): the host with one misbehaving plugin
# installed at a time (the test-hook's hostile modes, burn-hook's host wait, http-probe's
# forbidden egress), CLIENTS clients sending MESSAGES messages that set it off into their own
# rooms, while two paced probes measure `GET /healthz` and messages into an unrelated room
# (which say `pass`, so burn-hook lets them through at once).
# Per scenario: messages acknowledged and lost (acknowledged but not stored), the probes' p99
# against the run without a hostile plugin, host RSS at the end, and growth of the data
# directory and of the host log per message.
#
#   host/loadgen/bench-hostile.sh [MESSAGES] [CLIENTS] [SCENARIO…]
set -euo pipefail

MESSAGES=${1:-2000}
CLIENTS=${2:-32}
shift $(( $# > 2 ? 2 : $# ))
SCENARIOS=("$@")
[ ${#SCENARIOS[@]} -gt 0 ] || SCENARIOS=(none loop burn bomb recursion panic grow log-flood stdout-flood kv-flood sleep egress)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"

rustup target add wasm32-wasip2 >/dev/null
cargo build --release -q -p roomkit -p roomkit-loadgen
(cd plugins && cargo build --release -q --target wasm32-wasip2 -p test-hook -p burn-hook -p http-probe)
WASM=plugins/target/wasm32-wasip2/release

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

# The plugin file and manifest of a scenario (empty: no hostile plugin).
plugin_of() {
    case "$1" in
        none) echo "" ;;
        sleep) echo burn_hook ;;
        egress) echo http_probe ;;
        *) echo test_hook ;;
    esac
}
manifest_of() {
    case "$1" in
        loop) printf 'timeout_ms = 1000\nfuel = 100000000000\n[config]\nmode = "loop"\n' ;;
        burn) printf '[config]\nmode = "burn"\n' ;;
        bomb) printf '[config]\nmode = "bomb"\n' ;;
        recursion) printf '[config]\nmode = "recursion"\n' ;;
        panic) printf '[config]\nmode = "trap"\n' ;;
        grow) printf '[config]\nmode = "grow"\ngrow_bytes = "5000000"\n' ;;
        log-flood) printf '[config]\nmode = "log-flood"\ncount_calls = "off"\n' ;;
        stdout-flood) printf '[config]\nmode = "stdout-flood"\ncount_calls = "off"\n' ;;
        kv-flood) printf '[config]\nmode = "kv-flood"\ncount_calls = "off"\n' ;;
        sleep) printf 'timeout_ms = 1000\n[config]\nmode = "sleep"\n' ;;
        egress) printf 'timeout_ms = 1000\n' ;;
    esac
}
body_of() {
    case "$1" in
        egress) echo 'fetch http://169.254.169.254/latest/meta-data/ attack' ;;
        *) echo 'attack: a message that sets the hostile plugin off' ;;
    esac
}

echo "scenario,acked,lost,healthz_p99_ms,quiet_p99_ms,attack_rps,rss_mb,data_bytes_per_msg,log_bytes_per_msg"
for scenario in "${SCENARIOS[@]}"; do
    WORK=$(mktemp -d)
    PORT=$(free_port)
    mkdir -p "$WORK/plugins"
    plugin=$(plugin_of "$scenario")
    if [ -n "$plugin" ]; then
        cp "$WASM/$plugin.wasm" "$WORK/plugins/hostile.wasm"
        manifest_of "$scenario" > "$WORK/plugins/hostile.toml"
    fi
    cat > "$WORK/roomkit.toml" <<TOML
listen = "127.0.0.1:$PORT"
data_dir = "data"
plugin_dir = "plugins"
[api]
tokens = ["bench"]
[[channels]]
id = "agents"
type = "websocket"
TOML
    ./target/release/roomkit serve --config "$WORK/roomkit.toml" > "$WORK/host.log" 2>&1 &
    HOST_PID=$!
    for _ in $(seq 100); do grep -q "roomkit listening" "$WORK/host.log" && break; sleep 0.1; done
    AUTH="authorization: Bearer bench"
    API="http://127.0.0.1:$PORT"
    for n in $(seq 0 $((CLIENTS - 1))) quiet; do
        curl -sf -H "$AUTH" -d "{\"id\":\"room-$n\"}" "$API/v1/rooms" >/dev/null
        curl -sf -H "$AUTH" -d '{"channel_id":"agents"}' "$API/v1/rooms/room-$n/bindings" >/dev/null
    done
    message() { echo "{\"channel_id\":\"agents\",\"sender_id\":\"agent-1\",\"content\":{\"type\":\"text\",\"body\":\"$1\"}}"; }
    data_before=$(du -sb "$WORK/data" | cut -f1)
    log_before=$(stat -c %s "$WORK/host.log")
    load() { ./target/release/roomkit-loadgen --addr "127.0.0.1:$PORT" --header "$AUTH" --warmup-seconds 0 "$@"; }
    load --path /healthz --connections 1 --interval-ms 20 --seconds 3600 --until-file "$WORK/done" > "$WORK/healthz.json" &
    HEALTHZ=$!
    load --method POST --path /v1/rooms/room-quiet/messages --body "$(message 'an ordinary question, pass')" \
        --connections 1 --interval-ms 20 --seconds 3600 --until-file "$WORK/done" > "$WORK/quiet.json" &
    QUIET=$!
    attack=$(load --method POST --path "/v1/rooms/room-{conn}/messages" --spread "$CLIENTS" \
        --connections "$CLIENTS" --requests "$MESSAGES" --seconds 3600 --body "$(message "$(body_of "$scenario")")")
    touch "$WORK/done"
    wait $HEALTHZ $QUIET
    acked=$(json "$attack" requests)
    stored=0
    for n in $(seq 0 $((CLIENTS - 1))); do
        count=$(curl -sf -H "$AUTH" "$API/v1/rooms/room-$n" | python3 -c 'import json,sys; print(json.load(sys.stdin)["event_count"])')
        stored=$((stored + count - 1)) # less the record of the binding's attachment
    done
    rss_kb=$(ps -o rss= -p $HOST_PID | tr -d ' ')
    kill $HOST_PID; wait $HOST_PID 2>/dev/null || true
    data_after=$(du -sb "$WORK/data" | cut -f1)
    log_after=$(stat -c %s "$WORK/host.log")
    python3 -c '
import json,sys
s,acked,stored,h,q,a,rss,d0,d1,l0,l1,n = sys.argv[1:]
h,q,a = json.loads(h),json.loads(q),json.loads(a)
n = int(n)
print(",".join([s, acked, str(int(acked)-int(stored)), str(h["p99_ms"]), str(q["p99_ms"]), "%.0f" % a["rps"],
    "%.0f" % (int(rss)/1024), "%.0f" % ((int(d1)-int(d0))/n), "%.0f" % ((int(l1)-int(l0))/n)]))
' "$scenario" "$acked" "$stored" "$(cat "$WORK/healthz.json")" "$(cat "$WORK/quiet.json")" "$attack" \
        "$rss_kb" "$data_before" "$data_after" "$log_before" "$log_after" "$MESSAGES"
    rm -rf "$WORK"
done
