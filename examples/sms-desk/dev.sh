#!/usr/bin/env bash
# The SMS desk without accounts: the host serves this deployment with its four SMS plugins
# pointed at local fakes of Twilio, Telnyx, Sinch and VoiceMeUp (`sms-fakes`, from
# host/fakes). Builds the host, the plugins and the fakes, writes dev/ (this roomkit.toml and
# the manifests, with `allowed_hosts` and `api_base` on the fakes), starts the host in the
# background (its output in dev/host.log) and the fakes in the foreground: type a customer's
# text there (`twilio +14185551234 hello`) and watch the desk answer. Ctrl-D then ctrl-C stops.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
CARGO=${CARGO:-cargo}

# The fakes' accounts: made-up credentials, exported for the host's `${NAME}` settings and for
# the fakes themselves.
export TWILIO_ACCOUNT_SID=AC00000000000000000000000000000001
export TWILIO_AUTH_TOKEN=dev-twilio-auth-token
export TWILIO_FROM=+15145550100
export TELNYX_API_KEY=KEY0DEV0TELNYX
export TELNYX_FROM=+15145550111
export SINCH_SERVICE_PLAN_ID=devplan
export SINCH_API_TOKEN=dev-sinch-api-token
export SINCH_FROM=+15145550122
export SINCH_WEBHOOK_SECRET=dev-sinch-webhook-secret
export VOICEMEUP_USERNAME=dev-user
export VOICEMEUP_AUTH_TOKEN=dev-voicemeup-auth-token
export VOICEMEUP_FROM=+15145550133
export VOICEMEUP_WEBHOOK_TOKEN=dev-voicemeup-webhook-token

plugins=(twilio-sms telnyx-sms sinch-sms voicemeup-sms echo-ai pii-redactor profanity-filter)
rustup target add wasm32-wasip2
(cd "$root/plugins" && $CARGO build --release --target wasm32-wasip2 ${plugins[@]/#/-p })
(cd "$root" && $CARGO build --release -p roomkit -p roomkit-fakes)

declare -A fake=([twilio-sms]=9101 [telnyx-sms]=9102 [sinch-sms]=9103 [voicemeup-sms]=9104)
rm -rf dev/plugins && mkdir -p dev/plugins
for p in "${plugins[@]}"; do
    cp "$root/plugins/target/wasm32-wasip2/release/${p//-/_}.wasm" "dev/plugins/$p.wasm"
    if [[ -n "${fake[$p]:-}" ]]; then
        url="http://127.0.0.1:${fake[$p]}"
        sed -e "s|^allowed_hosts = .*|allowed_hosts = [\"$url\"]|" \
            -e "s|^api_base = .*|api_base = \"$url\"|" "plugins/$p.toml" > "dev/plugins/$p.toml"
    else
        cp "plugins/$p.toml" "dev/plugins/$p.toml"
    fi
done
cp roomkit.toml dev/roomkit.toml

export TELNYX_PUBLIC_KEY=$("$root/target/release/sms-fakes" --telnyx-public-key)
"$root/target/release/roomkit" serve --config dev/roomkit.toml > dev/host.log 2>&1 &
host=$!
trap 'kill $host 2>/dev/null' EXIT
for _ in $(seq 1 600); do
    grep -q "roomkit listening" dev/host.log && break
    kill -0 $host 2>/dev/null || { cat dev/host.log; exit 1; }
    sleep 0.1
done
cat dev/host.log
"$root/target/release/sms-fakes"
