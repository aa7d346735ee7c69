# gvm: the two commands a new machine needs are `make run` (the main job) and
# `make test`. Both install missing Debian packages first.

SWIFT ?= swift
PYTHON ?= python3
APT_PACKAGES := libcurl4-openssl-dev libopenblas-dev libsqlite3-dev pkg-config
# apt-get needs root; use sudo when we are not root and it is available.
SUDO := $(shell [ "$$(id -u)" != 0 ] && command -v sudo >/dev/null && echo sudo)

DATA_DIR ?= data

.PHONY: deps build release run test bench bench-allocation bench-verifier bench-export differential clean

## Install the Debian packages gvm builds against, if any are missing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## The main job: a release coordinator on 127.0.0.1:8420, state in $(DATA_DIR)/gvm.sqlite.
run: release
	@mkdir -p $(DATA_DIR)
	@echo "coordinator database: $(abspath $(DATA_DIR))/gvm.sqlite"
	.build/release/gvm-coordinator serve --db $(DATA_DIR)/gvm.sqlite

## Build everything and run every test (what CI runs).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test

## Benchmarks (release builds): allocation, then the verifier beside math-verify.
bench: bench-allocation bench-verifier

bench-allocation: deps
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark --no-progress --target AllocationBenchmarks

bench-verifier: deps
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark --no-progress --target VerifierBenchmarks
	$(PYTHON) -m pip install -q 'math-verify[antlr4-13-2]==0.9.0'
	$(PYTHON) scripts/verifier-differential/run_math_verify.py --repeat 3 --out /dev/null

## The coordinator's memory while it streams a 100,000-trace export.
bench-export: release
	$(PYTHON) scripts/measure-export-memory.py

## Differential test of the verifier against HuggingFace math-verify.
differential: deps
	$(SWIFT) build -c release --product gvm-worker
	$(PYTHON) -m pip install -q 'math-verify[antlr4-13-2]==0.9.0'
	$(PYTHON) scripts/verifier-differential/run_math_verify.py --out .build/math-verify-verdicts.jsonl
	.build/release/gvm-worker verify < Tests/Fixtures/verifier-differential/cases.jsonl > .build/gvm-verdicts.jsonl
	$(PYTHON) scripts/verifier-differential/compare.py \
	  --cases Tests/Fixtures/verifier-differential/cases.jsonl \
	  --math-verify .build/math-verify-verdicts.jsonl --gvm .build/gvm-verdicts.jsonl

clean:
	rm -rf .build Benchmarks/.build
