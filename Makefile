# Quayside: the two set-up commands are `make run` and `make test`.
CARGO ?= cargo
PORT ?= 4566
# The console test drives Debian's Chromium headless (through Playwright).
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test bench fmt lint ci build codegen

## Build and serve every service on http://localhost:$(PORT), state in ./.quayside
run:
	$(CARGO) run --release -p quayside -- serve --port $(PORT)

## Unit, service, SDK and process tests (the SNS tests check signatures with AWS's own validator
## from npm; the Kinesis tests drive the JavaScript SDK, which speaks HTTP/2)
test: tools/sns-validate/node_modules tools/kinesis-js/node_modules tools/mq-ws/node_modules tools/console-ui/node_modules tools/py/site/.done $(CHROMIUM)
	$(CARGO) test --workspace --all-targets

## Debian's Chromium, installed when missing
$(CHROMIUM):
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null

## Python clients the broker tests drive (stomp.py, paho-mqtt), installed beside the tests
tools/py/site/.done: tools/py/requirements.txt
	PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --quiet --disable-pip-version-check --target tools/py/site -r tools/py/requirements.txt
	touch $@

tools/%/node_modules: tools/%/package-lock.json
	cd tools/$* && npm ci --silent --no-audit --no-fund
	touch $@

## Load generator against a fresh emulator and the HTTP ceiling (see docs/performance.md)
bench:
	$(CARGO) build --release -p quayside -p quayside-bench
	./target/release/quayside-bench suite --quayside ./target/release/quayside

build:
	$(CARGO) build --release -p quayside

## Regenerate the operation types from fixtures/models (a test fails when they are stale)
codegen:
	$(CARGO) run -q -p quayside-codegen

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

ci: lint test
