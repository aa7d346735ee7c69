# gvm: the two commands a new machine needs are `make demo` (the main job) and
# `make test`. Both install missing Debian packages first.

SWIFT ?= swift
PYTHON ?= python3
APT_PACKAGES := libcurl4-openssl-dev libopenblas-dev libsqlite3-dev pkg-config systemd python3 python3-venv openssl
# apt-get needs root; use sudo when we are not root and it is available.
SUDO := $(shell [ "$$(id -u)" != 0 ] && command -v sudo >/dev/null && echo sudo)

DATA_DIR ?= data
ANALYSIS_VENV := .build/venv-analysis
NUMPY_VERSION := 2.4.6

.PHONY: deps build release demo run test bench bench-allocation bench-verifier bench-export bench-model bench-convergence differential clean

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

## The main job: uniform-n and the convergence benchmark's best allocation
## strategy side by side, RAFT end to end on this machine with the built-in
## model (tasks, warm start, one coordinator and two workers serving both
## runs), then the samples each needed to the same accuracy beside the
## benchmark's interval, and an SVG plot; state in $(DATA_DIR)/demo. It runs
## in the analysis venv, whose numpy reads the benchmark's rows. DEMO_ARGS
## (for example --fresh, or --strategy knapsack) go to scripts/demo.py.
demo: release $(ANALYSIS_VENV)/.ready
	$(ANALYSIS_VENV)/bin/python scripts/demo.py --data $(DATA_DIR)/demo $(DEMO_ARGS)

## A release coordinator alone on 127.0.0.1:8420, state in $(DATA_DIR)/gvm.sqlite.
run: release
	@mkdir -p $(DATA_DIR)
	@echo "coordinator database: $(abspath $(DATA_DIR))/gvm.sqlite"
	.build/release/gvm-coordinator serve --db $(DATA_DIR)/gvm.sqlite

## Build everything and run every test (what CI runs), then the fault suite
## at its short size on the debug coordinator, and its self-check: with the
## debug-only GVM_FAULT_DOUBLE_COUNT switch the suite must find a violation.
## Serial: on a 2-core machine Swift's cooperative pool has 2 threads, and the
## model's CPU-bound tests running beside the timing-sensitive worker and
## end-to-end tests starved them into timeouts. Serial, the suite takes about
## 30 s after the build.
test: deps $(ANALYSIS_VENV)/.ready
	$(SWIFT) build --build-tests
	$(SWIFT) test --no-parallel
	$(ANALYSIS_VENV)/bin/python -m unittest discover -s scripts/tests
	$(PYTHON) scripts/chaos.py --short --binary .build/debug/gvm-coordinator
	$(PYTHON) scripts/chaos.py --short --tokens --binary .build/debug/gvm-coordinator
	GVM_FAULT_DOUBLE_COUNT=5 $(PYTHON) scripts/chaos.py --tiny --expect-violations --binary .build/debug/gvm-coordinator

## The analysis scripts' pinned numpy, in a venv under .build/ (the demo, the
## benchmarks and their unit tests; ANALYSIS_VENV is set at the top, since
## prerequisites are expanded as the rules are read).
$(ANALYSIS_VENV)/.ready:
	rm -rf $(ANALYSIS_VENV)
	$(PYTHON) -m venv $(ANALYSIS_VENV)
	$(ANALYSIS_VENV)/bin/pip install -q 'numpy==$(NUMPY_VERSION)'
	touch $@

## Benchmarks (release builds): allocation, then the verifier beside math-verify.
bench: bench-allocation bench-verifier

bench-allocation: deps
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark --no-progress --target AllocationBenchmarks

bench-verifier: deps
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark --no-progress --target VerifierBenchmarks
	$(PYTHON) -m pip install -q 'math-verify[antlr4-13-2]==0.9.0'
	$(PYTHON) scripts/verifier-differential/run_math_verify.py --repeat 3 --out /dev/null

## The built-in model's speed: sampling and training tokens/s, and
## forward+backward GFLOP/s against plain cblas_sgemm at the same sizes.
bench-model: release
	.build/release/gvm-model bench
	.build/release/gvm-model bench --width 128 --layers 4

## The convergence benchmark (docs/allocation.md): the learning-rate grid,
## the RAFT full runs, the GRPO checkpoints and branching runs, then the
## report. Every phase appends its rows to docs/allocation/convergence*.jsonl
## after each run and skips the rows there, and none starts a seed group it
## cannot finish within PIECE_MINUTES: rerun to go on (commit the rows between
## pieces; a fresh machine goes on from what was committed).
PIECE_MINUTES ?= 55
bench-convergence: release $(ANALYSIS_VENV)/.ready
	$(PYTHON) scripts/convergence.py --phase lr-grid --max-minutes $(PIECE_MINUTES)
	$(PYTHON) scripts/convergence.py --phase raft --learning-rate 1e-4 --max-minutes $(PIECE_MINUTES)
	$(PYTHON) scripts/convergence_grpo.py --phase checkpoints
	$(PYTHON) scripts/convergence_grpo.py --phase branch --max-minutes $(PIECE_MINUTES)
	$(ANALYSIS_VENV)/bin/python scripts/convergence_report.py

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

## `gvm-coordinator allocate` against the numpy baseline (scripts/allocate_reference.py)
## on the same 10^6-prompt input, JSON in and out, 5 interleaved runs each; the
## release coordinator is built when missing. numpy goes into a venv under
## .build/ only when $(PYTHON) lacks it.
.PHONY: bench-allocate
bench-allocate: deps
	@python=$(PYTHON); \
	if ! $$python -c "import numpy" 2>/dev/null; then \
	  python=.build/bench-allocate-venv/bin/python; \
	  $$python -c "import numpy" 2>/dev/null || \
	    { $(PYTHON) -m venv .build/bench-allocate-venv && $$python -m pip install -q numpy; } || exit 1; \
	fi; \
	$$python scripts/bench-allocate.py

## Ingest: 64 simulated workers against a release coordinator, beside plain SQLite inserts.
.PHONY: bench-ingest
bench-ingest: release
	$(PYTHON) scripts/bench-ingest.py

## The coordinator's memory growth while it imports a generated 500 MiB
## dataset, lease-grant latency meanwhile against none, and 413 for 600 MiB;
## the release coordinator is built when missing.
.PHONY: bench-import
bench-import: deps
	$(PYTHON) scripts/measure-import-memory.py

## How long creating the largest run the limits allow (10^6 work units) delays
## a concurrent lease grant, against grants alone; see docs/limits.md.
.PHONY: bench-run-creation
bench-run-creation: deps
	$(PYTHON) scripts/bench-run-creation.py

## One full gvm iteration with two real workers against llama.cpp's OpenAI
## server, on a tiny random-weight GGUF it generates (no download). Needs
## pip install 'llama-cpp-python[server]' gguf. See docs/integration.md.
.PHONY: integration
integration: release
	$(PYTHON) scripts/integration-llama-cpp.py

## Install the release binaries, the systemd units and the example
## configuration; see docs/operations.md. Build first, as yourself:
## swift build -c release --static-swift-stdlib. An existing
## /etc/gvm/coordinator.json is kept. PREFIX (default /usr/local) and DESTDIR
## as usual; the units are rewritten to run $(PREFIX)/bin.
PREFIX ?= /usr/local
SYSTEMD_UNIT_DIR ?= /etc/systemd/system
INSTALL_FROM ?= .build/release
.PHONY: install
install:
	@for b in gvm-coordinator gvm-worker gvm-model; do \
	  test -x $(INSTALL_FROM)/$$b || { echo "no $(INSTALL_FROM)/$$b: first run swift build -c release --static-swift-stdlib" >&2; exit 1; }; \
	done
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(SYSTEMD_UNIT_DIR) $(DESTDIR)/etc/gvm
	install -m 755 $(INSTALL_FROM)/gvm-coordinator $(INSTALL_FROM)/gvm-worker $(INSTALL_FROM)/gvm-model $(DESTDIR)$(PREFIX)/bin/
	for u in gvm-coordinator.service gvm-worker@.service; do \
	  sed 's#/usr/local/bin/#$(PREFIX)/bin/#g' deploy/$$u > $(DESTDIR)$(SYSTEMD_UNIT_DIR)/$$u.new && \
	  chmod 644 $(DESTDIR)$(SYSTEMD_UNIT_DIR)/$$u.new && \
	  mv $(DESTDIR)$(SYSTEMD_UNIT_DIR)/$$u.new $(DESTDIR)$(SYSTEMD_UNIT_DIR)/$$u || exit 1; \
	done
	test -e $(DESTDIR)/etc/gvm/coordinator.json || \
	  install -m 644 deploy/coordinator.json.example $(DESTDIR)/etc/gvm/coordinator.json
	install -m 644 deploy/coordinator.json.example deploy/worker.env.example deploy/worker.json.example $(DESTDIR)/etc/gvm/
	@echo "installed; now: systemctl daemon-reload"

## schemathesis (pinned, in a venv under .build/) on /openapi.json against a
## real debug coordinator with a dataset, runs and leases: at least 2,000
## generated requests, and any 5xx answer (or a coordinator that stops)
## fails. See docs/operations.md, "API fuzzing". FUZZ_API_ARGS go to the script.
SCHEMATHESIS_VERSION := 4.32.5
FUZZ_API_VENV := .build/venv-schemathesis
.PHONY: fuzz-api
fuzz-api: deps
	$(SWIFT) build --product gvm-coordinator
	@$(FUZZ_API_VENV)/bin/schemathesis --version 2>/dev/null | grep -qx 'schemathesis, version $(SCHEMATHESIS_VERSION)' || \
	  { $(PYTHON) -m venv $(FUZZ_API_VENV) && $(FUZZ_API_VENV)/bin/pip install -q 'schemathesis==$(SCHEMATHESIS_VERSION)'; }
	$(PYTHON) scripts/fuzz-api.py --schemathesis $(FUZZ_API_VENV)/bin/schemathesis $(FUZZ_API_ARGS)

## The fault suite at full size on a release coordinator: at least 100
## SIGKILLs with restarts, 1,000 worker deaths mid-lease, late, repeated and
## forged results, releases of every kind, poison prompts, stalls, cut
## connections and a full disk; invariants checked from outside. Its last
## line is `N invariant violations`; see docs/operations.md. CHAOS_ARGS (for
## example --seed S) go to scripts/chaos.py.
.PHONY: chaos
chaos: deps
	$(SWIFT) build -c release --product gvm-coordinator
	$(PYTHON) scripts/chaos.py --full --binary .build/release/gvm-coordinator $(CHAOS_ARGS)

## The mechanism benchmark (docs/allocation.md): how much each allocation cuts
## the error of the gradient estimate at two fixed model versions (the
## committed docs/allocation/checkpoints). Builds the gradient pools into
## .build/mechanism/cache when absent, appends its rows to
## docs/allocation/mechanism.jsonl (a rerun resumes), and rewrites the report.
## MECHANISM_ARGS (for example --labels v0) go to scripts/mechanism.py.
.PHONY: bench-mechanism
bench-mechanism: release $(ANALYSIS_VENV)/.ready
	$(PYTHON) scripts/mechanism-checkpoints.py --work .build/mechanism
	$(ANALYSIS_VENV)/bin/python scripts/mechanism.py --cache .build/mechanism/cache \
	  --tasks .build/mechanism/tasks/pool.jsonl --gvm-model .build/release/gvm-model $(MECHANISM_ARGS)
