# Quayside: the two set-up commands are `make run` and `make test`.
CARGO ?= cargo
PORT ?= 4566

.PHONY: run test bench fmt lint ci build

## Build and serve every service on http://localhost:$(PORT), state in ./.quayside
run:
	$(CARGO) run --release -p quayside -- serve --port $(PORT)

## Unit, service, SDK and process tests
test:
	$(CARGO) test --workspace --all-targets

## Load generator against a fresh emulator and the HTTP ceiling (see docs/performance.md)
bench:
	$(CARGO) build --release -p quayside -p quayside-bench
	./target/release/quayside-bench suite --quayside ./target/release/quayside

build:
	$(CARGO) build --release -p quayside

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

ci: lint test
