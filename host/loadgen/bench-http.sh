#!/usr/bin/env bash
# The HTTP benchmark of BENCHMARKS.md (issue 5): inbound messages over HTTP through the whole
# pipeline — three wasm BEFORE_BROADCAST hooks (pii-redactor, profanity-filter, a keyword hook),
# the durable sled store, delivery to a webhook channel whose webhook-provider plugin POSTs
# every event, signed, to a sink on loopback (`roomkit dev sink`, a process of its own) — driven
# by `roomkit-loadgen`, also a process of its own. The baseline, in the same script and rounds:
# the same load generator against `GET /healthz` of the same host (HTTP, auth-free routing,
# nothing else), so the ratio says what the pipeline costs on top of serving HTTP here; and
# `local`: the same messages into rooms without the webhook channel (hooks and durable commit,
# no outbound HTTP).
#
#   host/loadgen/bench-http.sh [ROUNDS] [SECONDS] [CONNECTIONS]
set -euo pipefail

ROUNDS=${1:-3}
SECONDS_PER_RUN=${2:-10}
CONNECTIONS=${3:-64}
ROOMS=64
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"

rustup target add wasm32-wasip2 >/dev/null
cargo build --release -q -p roomkit -p roomkit-loadgen
(cd plugins && cargo build --release -q --target wasm32-wasip2 \
    -p pii-redactor -p profanity-filter -p test-hook -p webhook-provider)

WORK=$(mktemp -d)
HOST_PID=""
SINK_PID=""
cleanup() {
    [ -n "$HOST_PID" ] && kill "$HOST_PID" 2>/dev/null || true
    [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null || true
    if [ -n "${KEEP:-}" ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HOST_PORT=$(free_port)
SINK_PORT=$(free_port)
WASM=plugins/target/wasm32-wasip2/release
mkdir -p "$WORK/plugins"
cp "$WASM/pii_redactor.wasm" "$WORK/plugins/pii-redactor.wasm"
cp "$WASM/profanity_filter.wasm" "$WORK/plugins/profanity-filter.wasm"
cp "$WASM/test_hook.wasm" "$WORK/plugins/keyword-hook.wasm"
cp "$WASM/webhook_provider.wasm" "$WORK/plugins/webhook-provider.wasm"
cp examples/support-desk/plugins/pii-redactor.toml examples/support-desk/plugins/profanity-filter.toml "$WORK/plugins/"
cat > "$WORK/plugins/keyword-hook.toml" <<EOF
kind = "hook"
[config]
block_word = "forbidden"
count_calls = "off"
EOF
cat > "$WORK/plugins/webhook-provider.toml" <<EOF
kind = "provider"
allowed_hosts = ["http://127.0.0.1:$SINK_PORT"]
timeout_ms = 6000
warm_instances = 64
[config]
url = "http://127.0.0.1:$SINK_PORT/roomkit"
secret = "bench-secret"
EOF
cat > "$WORK/roomkit.toml" <<EOF
listen = "127.0.0.1:$HOST_PORT"
data_dir = "data"
plugin_dir = "plugins"
[api]
tokens = ["bench"]
[[channels]]
id = "agents"
type = "websocket"
[[channels]]
id = "customers"
type = "webhook"
provider = "webhook-provider"
EOF

./target/release/roomkit dev sink --listen "127.0.0.1:$SINK_PORT" --secret bench-secret > "$WORK/sink.log" &
SINK_PID=$!
RUST_LOG=warn ./target/release/roomkit serve --config "$WORK/roomkit.toml" > "$WORK/host.log" 2>&1 &
HOST_PID=$!
for _ in $(seq 100); do
    grep -q "roomkit listening" "$WORK/host.log" && break
    sleep 0.1
done
grep -q "roomkit listening" "$WORK/host.log" || { cat "$WORK/host.log"; exit 1; }

AUTH="authorization: Bearer bench"
API="http://127.0.0.1:$HOST_PORT"
for n in $(seq 0 $((ROOMS - 1))); do
    curl -sf -H "$AUTH" -d "{\"id\":\"bench-$n\"}" "$API/v1/rooms" >/dev/null
    curl -sf -H "$AUTH" -d '{"channel_id":"agents"}' "$API/v1/rooms/bench-$n/bindings" >/dev/null
    curl -sf -H "$AUTH" -d '{"channel_id":"customers","participant_id":"+15550001"}' \
        "$API/v1/rooms/bench-$n/bindings" >/dev/null
    # The same rooms without the webhook channel: what the pipeline costs without delivery.
    curl -sf -H "$AUTH" -d "{\"id\":\"local-$n\"}" "$API/v1/rooms" >/dev/null
    curl -sf -H "$AUTH" -d '{"channel_id":"agents"}' "$API/v1/rooms/local-$n/bindings" >/dev/null
done

# A 200-byte text with nothing to redact or block: every hook reads all of it.
TEXT=$(printf 'Hello, this is agent Smith from the support desk. Your refund for order 12345 has been approved and will reach your account within three to five business days. Thanks for your patience today!!!' | head -c 200)
BODY="{\"channel_id\":\"agents\",\"sender_id\":\"agent-1\",\"content\":{\"type\":\"text\",\"body\":\"$TEXT\"}}"

loadgen() {
    ./target/release/roomkit-loadgen --addr "127.0.0.1:$HOST_PORT" --connections "$CONNECTIONS" \
        --seconds "$SECONDS_PER_RUN" --warmup-seconds 2 --header "$AUTH" "$@"
}

echo "round,run,rps,p50_ms,p99_ms,errors"
for round in $(seq "$ROUNDS"); do
    base=$(loadgen --path /healthz)
    pipe=$(loadgen --method POST --path "/v1/rooms/bench-{conn}/messages" --spread "$ROOMS" --body "$BODY")
    local=$(loadgen --method POST --path "/v1/rooms/local-{conn}/messages" --spread "$ROOMS" --body "$BODY")
    for run in base pipe local; do
        json=${!run}
        python3 -c 'import json,sys; r=json.loads(sys.argv[2]); print(",".join([sys.argv[1], sys.argv[3], "%.0f" % r["rps"], str(r["p50_ms"]), str(r["p99_ms"]), str(r["errors"])]))' \
            "$round" "$json" "$run"
        python3 -c 'import json,sys; r=json.loads(sys.argv[1]); e=r["first_error"]; e and print("  first error:", e[:300], file=sys.stderr)' "$json"
    done
done
delivered=$(grep -c '"verified":true' "$WORK/sink.log" || true)
refused=$(grep -c '"verified":false' "$WORK/sink.log" || true)
echo "sink: $delivered signed deliveries verified, $refused refused"
# A run whose deliveries never reached the sink measured something else: fail.
if [ "$delivered" -eq 0 ] || [ "$refused" -ne 0 ]; then
    echo "the sink did not verify the deliveries: see the host's warnings" >&2
    exit 1
fi
