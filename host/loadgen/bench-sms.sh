#!/usr/bin/env bash
# The SMS webhook benchmark of BENCHMARKS.md (issue 16): Twilio-shaped inbound SMS webhooks,
# each distinct and signed (HMAC-SHA1 over the public URL and the form), into the release host:
# twilio-sms verifies and parses each (two wasm calls), three wasm BEFORE_BROADCAST hooks
# (pii-redactor, profanity-filter, a keyword hook), the durable sled commit, then the answer
# (acknowledged at commit). After the answer: the echo-ai assistant answers each message and
# twilio-sms delivers the answer to `sms-fakes`' Twilio (a process of its own) over HTTP. Load
# from `roomkit-loadgen`, a third process. Baseline in the same script and rounds: the same
# load generator against `GET /healthz` of the same host. The delivery rate through the fake is
# reported apart: answers the fake received over the time from the start of the load to the
# last delivery.
#
#   host/loadgen/bench-sms.sh [ROUNDS] [SECONDS] [CONNECTIONS]
set -euo pipefail

ROUNDS=${1:-3}
SECONDS_PER_RUN=${2:-10}
CONNECTIONS=${3:-64}
SENDERS=64
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"

rustup target add wasm32-wasip2 >/dev/null
cargo build --release -q -p roomkit -p roomkit-loadgen -p roomkit-fakes
(cd plugins && cargo build --release -q --target wasm32-wasip2 \
    -p twilio-sms -p pii-redactor -p profanity-filter -p test-hook -p echo-ai)

WORK=$(mktemp -d)
HOST_PID=""
FAKES_PID=""
cleanup() {
    [ -n "$HOST_PID" ] && kill "$HOST_PID" 2>/dev/null || true
    [ -n "$FAKES_PID" ] && kill "$FAKES_PID" 2>/dev/null || true
    if [ -n "${KEEP:-}" ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HOST_PORT=$(free_port)
FAKE_PORT=$(free_port)
TOKEN=bench-twilio-auth-token
WASM=plugins/target/wasm32-wasip2/release
mkdir -p "$WORK/plugins"
cp "$WASM/twilio_sms.wasm" "$WORK/plugins/twilio-sms.wasm"
cp "$WASM/pii_redactor.wasm" "$WORK/plugins/pii-redactor.wasm"
cp "$WASM/profanity_filter.wasm" "$WORK/plugins/profanity-filter.wasm"
cp "$WASM/test_hook.wasm" "$WORK/plugins/keyword-hook.wasm"
cp "$WASM/echo_ai.wasm" "$WORK/plugins/echo-ai.wasm"
cp examples/sms-desk/plugins/pii-redactor.toml examples/sms-desk/plugins/profanity-filter.toml \
    examples/sms-desk/plugins/echo-ai.toml "$WORK/plugins/"
sed -e "s|^allowed_hosts = .*|allowed_hosts = [\"http://127.0.0.1:$FAKE_PORT\"]\nwarm_instances = 64|" \
    -e "s|^api_base = .*|api_base = \"http://127.0.0.1:$FAKE_PORT\"|" \
    examples/sms-desk/plugins/twilio-sms.toml > "$WORK/plugins/twilio-sms.toml"
printf 'kind = "hook"\n[config]\nblock_word = "forbidden"\ncount_calls = "off"\n' \
    > "$WORK/plugins/keyword-hook.toml"
# The desk: the Twilio channel and, with $1 = assistant, the echo-ai assistant on every new room.
write_config() {
    printf '%s\n' \
        "listen = \"127.0.0.1:$HOST_PORT\"" "data_dir = \"data-$1\"" 'plugin_dir = "plugins"' \
        '[api]' 'tokens = ["bench"]' "public_url = \"http://127.0.0.1:$HOST_PORT\"" \
        '[[channels]]' 'id = "sms-twilio"' 'type = "sms"' 'provider = "twilio-sms"' \
        'config = { account_sid = "AC00000000000000000000000000000001", auth_token = "${BENCH_TWILIO_TOKEN}", from = "+15145550100" }' \
        > "$WORK/roomkit.toml"
    if [ "$1" = assistant ]; then
        printf '%s\n' '[[channels]]' 'id = "assistant"' 'type = "ai"' 'provider = "echo-ai"' \
            'attach_to_new_rooms = true' >> "$WORK/roomkit.toml"
    fi
}

# Twilio on FAKE_PORT; the other three fakes on the ports after it (unused here).
TWILIO_ACCOUNT_SID=AC00000000000000000000000000000001 TWILIO_AUTH_TOKEN=$TOKEN \
    TWILIO_FROM=+15145550100 TELNYX_API_KEY=k TELNYX_FROM=+15145550111 \
    SINCH_SERVICE_PLAN_ID=p SINCH_API_TOKEN=t SINCH_FROM=+15145550122 SINCH_WEBHOOK_SECRET=s \
    VOICEMEUP_USERNAME=u VOICEMEUP_AUTH_TOKEN=t VOICEMEUP_FROM=+15145550133 \
    VOICEMEUP_WEBHOOK_TOKEN=w \
    ./target/release/sms-fakes --base-port "$FAKE_PORT" --host "http://127.0.0.1:$HOST_PORT" \
    < /dev/null > "$WORK/fakes.log" 2>&1 &
FAKES_PID=$!

start_host() {
    write_config "$1"
    BENCH_TWILIO_TOKEN=$TOKEN RUST_LOG=warn ./target/release/roomkit serve \
        --config "$WORK/roomkit.toml" > "$WORK/host-$1.log" 2>&1 &
    HOST_PID=$!
    for _ in $(seq 300); do
        grep -q "roomkit listening" "$WORK/host-$1.log" && break
        sleep 0.1
    done
    grep -q "roomkit listening" "$WORK/host-$1.log" || { cat "$WORK/host-$1.log"; exit 1; }
}
stop_host() {
    kill "$HOST_PID"
    wait "$HOST_PID" 2>/dev/null || true
    HOST_PID=""
}

# A 150-character text with nothing to redact or block: every hook reads all of it.
TEXT='Hi, this is Jane. My order 12345 arrived today but the box was damaged and one item is missing. Could you send a replacement please? Thanks a lot!!!'
URL="http://127.0.0.1:$HOST_PORT/v1/webhooks/sms-twilio"
delivered() { grep -c "^twilio    → " "$WORK/fakes.log" || true; }

loadgen() {
    ./target/release/roomkit-loadgen --addr "127.0.0.1:$HOST_PORT" --connections "$CONNECTIONS" \
        --seconds "$SECONDS_PER_RUN" --warmup-seconds 2 "$@"
}
row() {
    python3 -c 'import json,sys; r=json.loads(sys.argv[2]); print(",".join([sys.argv[1], sys.argv[3], "%.0f" % r["rps"], str(r["p50_ms"]), str(r["p99_ms"]), str(r["errors"])])); e=r["first_error"]; e and print("  first error:", e[:300], file=sys.stderr)' "$@"
}

echo "round,run,rps,p50_ms,p99_ms,errors"
# Acknowledgements alone: nothing to do after the answer.
start_host ack-only
for round in $(seq "$ROUNDS"); do
    row "$round" "$(loadgen --path /healthz)" healthz
    row "$round" "$(loadgen --method POST --path /v1/webhooks/sms-twilio --spread "$SENDERS" \
        --twilio-token "$TOKEN" --twilio-url "$URL" --body "$TEXT")" acks-alone
    # The same messages through /v1/inbound?wait=commit: no provider plugin calls.
    row "$round" "$(loadgen --method POST --path '/v1/inbound?wait=commit' --spread "$SENDERS" \
        --header "authorization: Bearer bench" \
        --body "{\"channel_id\":\"sms-twilio\",\"sender_id\":\"+14185559{conn}\",\"content\":{\"type\":\"text\",\"body\":\"$TEXT\"}}")" inbound-commit
    # And with the room named: no routing.
    row "$round" "$(loadgen --method POST --path '/v1/inbound?wait=commit' --spread "$SENDERS" \
        --header "authorization: Bearer bench" \
        --body "{\"channel_id\":\"sms-twilio\",\"sender_id\":\"+14185559{conn}\",\"room_id\":\"bench-{conn}\",\"content\":{\"type\":\"text\",\"body\":\"$TEXT\"}}")" inbound-commit-room-named
done
stop_host
# The desk: every message answered by the assistant and the answer delivered through Twilio.
start_host assistant
for round in $(seq "$ROUNDS"); do
    row "$round" "$(loadgen --path /healthz)" healthz
    before=$(delivered)
    started=$(date +%s.%N)
    row "$round" "$(loadgen --method POST --path /v1/webhooks/sms-twilio --spread "$SENDERS" \
        --twilio-token "$TOKEN" --twilio-url "$URL" --body "$TEXT")" acks-with-answers
    # Deliveries still running after the last answer: wait until the fake stops counting.
    last=-1
    while [ "$(delivered)" != "$last" ]; do last=$(delivered); sleep 2; done
    ended=$(date +%s.%N)
    python3 -c 'import sys; n=int(sys.argv[2])-int(sys.argv[1]); s=float(sys.argv[4])-float(sys.argv[3])-2; print("%s,deliveries,%.0f,answers delivered: %d in %.1f s from the start of the load to the last one" % (sys.argv[5], n/s, n, s))' \
        "$before" "$(delivered)" "$started" "$ended" "$round"
done
stop_host
echo "fake: $(delivered) answers delivered; refused by the fake: $(grep -c '^twilio    → .* (4' "$WORK/fakes.log" || true)"
