# jwksauth: every target loops over every Go module of the repository, since
# `go test ./...` never crosses a go.mod boundary.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
GO ?= go

# Every module: the core at the root, each adapter, each example, the benchmarks.
MODULES := $(shell find . -name go.mod -not -path './.tools/*' -not -path '*/node_modules/*' -printf '%h\n' | sort)

TOOLS := $(CURDIR)/.tools
STATICCHECK := $(TOOLS)/staticcheck
STATICCHECK_VERSION := v0.8.2

FUZZTIME ?= 30s
BENCHTIME ?= 1s
BENCH ?= .
FRAMEWORK ?= nethttp

.PHONY: all test lint fmt vet staticcheck standalone bench fuzz tools tidy modules

all: lint test

modules:
	@printf '%s\n' $(MODULES)

## test: every module's tests with the race detector, in the development
## build (-tags dev: the example apps' development issuer; `make lint` tests
## the production build).
test:
	@for m in $(MODULES); do \
		echo "== go test -race -tags dev $$m"; \
		(cd $$m && $(GO) test -race -tags dev -count=1 ./...); \
	done
	@echo "== go test -tags purego ./core/jws/... (the portable RSA arithmetic, no assembly)"
	@# FIPS 140-3 mode refuses to start in a purego build: its test cannot run there.
	@$(GO) test -tags purego -count=1 -skip '^TestPreparedFIPSMode$$' ./core/jws/...

## lint: gofmt, go vet and staticcheck on every module, and every module built
## and tested on its own (GOWORK=off) so that none leans on the workspace.
lint: fmt vet staticcheck standalone

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	@for m in $(MODULES); do \
		echo "== go vet $$m"; \
		(cd $$m && $(GO) vet ./...); \
	done

staticcheck: $(STATICCHECK)
	@for m in $(MODULES); do \
		echo "== staticcheck $$m"; \
		(cd $$m && $(STATICCHECK) ./...); \
	done

standalone:
	@for m in $(MODULES); do \
		echo "== GOWORK=off build+test $$m"; \
		(cd $$m && GOWORK=off $(GO) build ./... && GOWORK=off $(GO) test -count=1 ./... | grep -v '^ok\|no test files' || [ $${PIPESTATUS[0]} -eq 0 ]); \
	done

tools: $(STATICCHECK)

$(STATICCHECK):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

## bench-modules: every module's benchmarks (BENCH=regexp, BENCHTIME=1s).
bench-modules:
	@for m in $(MODULES); do \
		echo "== go test -bench $$m"; \
		(cd $$m && $(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -benchtime $(BENCHTIME) ./...); \
	done

## fuzz: every fuzz target of every module for FUZZTIME each.
fuzz:
	@for m in $(MODULES); do \
		(cd $$m && for p in $$($(GO) list ./...); do \
			for f in $$($(GO) test -list '^Fuzz' $$p | grep '^Fuzz' || true); do \
				echo "== fuzz $$p $$f ($(FUZZTIME))"; \
				$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) $$p; \
			done; \
		done); \
	done

## deps: the Debian packages the tests need (redis-server), when missing.
.PHONY: deps
deps:
	bash scripts/deps.sh

## tidy: go mod tidy in every module.
tidy:
	@for m in $(MODULES); do (cd $$m && $(GO) mod tidy); done

## demo: run an example app with a development issuer that prints curl
## commands with working tokens (FRAMEWORK=nethttp|gin|echo|fiber), in the
## development build (-tags dev; see docs/decisions/0013).
.PHONY: demo
demo:
	@test -f examples/$(FRAMEWORK)/main.go || { echo "FRAMEWORK=$(FRAMEWORK): want nethttp, gin, echo or fiber" >&2; exit 2; }
	cd examples/$(FRAMEWORK) && DEV_ISSUER=1 $(GO) run -tags dev .

## template: copy an example app out of the repository as a standalone
## module (FRAMEWORK=nethttp|gin|echo|fiber|mcp, DIR=folder, MODULE=module
## path, default example.com/<name of DIR>); see examples/README.md.
.PHONY: template
template:
	@test -n "$(DIR)" || { echo "usage: make template FRAMEWORK=gin DIR=../my-api [MODULE=example.com/my-api]" >&2; exit 2; }
	cd examples/template && GOWORK=off $(GO) run . -framework $(FRAMEWORK) -dir $(abspath $(DIR)) -repo $(CURDIR) $(if $(MODULE),-module $(MODULE))

## interop: the example apps against real OpenID providers (npm oidc-provider
## over HTTPS with a test CA); needs Node.js >= 20 and npm (see interop/).
.PHONY: interop e2e
INTEROP_TIMEOUT ?= 10m
interop:
	interop/setup.sh
	cd interop && $(GO) vet -tags interop ./... && $(GO) test -tags interop -count=1 -timeout $(INTEROP_TIMEOUT) -run '^TestProvider$$' -v ./...

## e2e: Chromium (Debian's, installed with apt-get if /usr/bin/chromium is
## absent; needs root then) calls every example app from another origin.
e2e:
	interop/setup.sh browser
	cd interop && $(GO) test -tags interop -count=1 -timeout $(INTEROP_TIMEOUT) -run '^TestBrowser$$' -v ./...

## Benchmarks module (benchmarks/): jwksauth beside the floor and the peers.
BENCHSTAT := $(TOOLS)/benchstat
BENCHSTAT_VERSION := v0.0.0-20260908200009-22c9c6c9d4da
BENCHCOUNT ?= 6
BENCH_MICRO ?= BenchmarkVerify|BenchmarkTokenCacheHit|BenchmarkFramework
BENCH_RESULTS := benchmarks/results
LOADFLAGS ?= -rounds 3

.PHONY: bench-modules bench-smoke bench-load charts

$(BENCHSTAT):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) $(GO) install golang.org/x/perf/cmd/benchstat@$(BENCHSTAT_VERSION)

## bench: micro and framework benchmarks, the whole set run BENCHCOUNT times
## in turn (so a neighbour's load spreads over all of them), the memory
## benchmarks once, into benchmarks/results/bench.txt; then benchstat.
bench: $(BENCHSTAT)
	@mkdir -p $(BENCH_RESULTS)
	cd benchmarks && $(GO) test -c -o results/bench.test . && for i in $$(seq $(BENCHCOUNT)); do \
		./results/bench.test -test.run '^$$' -test.bench '$(BENCH_MICRO)' -test.benchmem -test.benchtime $(BENCHTIME) -test.timeout 60m; \
	done | tee results/bench.txt
	cd benchmarks && ./results/bench.test -test.run '^$$' -test.bench 'BenchmarkTokenCacheMemory|BenchmarkAuthenticatorHeap' -test.benchmem -test.benchtime 1x -test.timeout 30m | grep '^Benchmark' | tee -a results/bench.txt
	$(BENCHSTAT) $(BENCH_RESULTS)/bench.txt

## bench-smoke: every benchmark of the benchmarks module once (-benchtime 1x),
## so that none rots; no timing claims. CI runs it.
bench-smoke:
	cd benchmarks && $(GO) test -run '^$$' -bench . -benchtime 1x -timeout 20m ./...

## bench-load: the load suite over loopback TCP, three rounds (about 19
## minutes), into benchmarks/results/load.json. LOADFLAGS passes flags to
## cmd/load, e.g. LOADFLAGS='-rounds 1 -rate 2000 -open-duration 20s'.
bench-load:
	@mkdir -p $(BENCH_RESULTS)
	cd benchmarks && $(GO) run ./cmd/load -out results/load.json $(LOADFLAGS)

## charts: docs/images/bench-*.png from benchmarks/results (make bench, make bench-load).
charts:
	cd benchmarks && $(GO) run ./cmd/charts -bench results/bench.txt -load results/load.json -out ../docs/images

## rules: promtool check and unit tests of the Prometheus alerting rules
## (installs Debian's prometheus package for promtool when missing).
.PHONY: rules
rules:
	./scripts/promtool-test.sh
