# The project's commands. `.ci/run` uses `lint` and `test`.
.PHONY: run test lint bench setup build-plugins

CARGO ?= cargo

# Targets every build of this repo may need; rustup does not install them by itself here
# (RUSTUP_AUTO_INSTALL=0), so each entry point below asks for them explicitly.
setup:
	rustup target add wasm32-wasip2

# Builds the host and runs a demo conversation through the orchestrator on the durable store
# (the README's first command).
run: setup
	$(CARGO) run --release -p roomkit -- demo
	$(CARGO) run --release -p roomkit -- store stats

# The whole test suite (the README's second command; CI runs exactly this).
test: setup
	$(CARGO) test --workspace
	# The plugins' own logic, natively (the SDK serves config, kv, log and http from stand-ins).
	$(CARGO) test --manifest-path plugins/Cargo.toml --workspace

# Plugins and test fixtures (their own workspace, built for wasm32-wasip2). The plugin tests
# build them on their own; this is for working on them.
build-plugins: setup
	cd plugins && $(CARGO) build --release --target wasm32-wasip2

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# Benchmarks; results go to BENCHMARKS.md by hand, with the command that produced them.
bench:
	$(CARGO) bench -p roomkit-store --bench store
	$(CARGO) bench -p roomkit-kit --bench pipeline
