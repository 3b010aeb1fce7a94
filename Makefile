# Consign: the two commands a newcomer needs are `make dev` and `make test`.
SHELL := /bin/bash
GO ?= go
BIN := bin/consign
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: all build dev test test-go test-node fuzz bench testenv testenv-down contracts lint screenshots clean chaos soak

all: build

build: ## build bin/consign
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/consign

dev: build ## run a demo environment with embedded defaults (nothing else needed)
	./$(BIN) dev $(DEV_FLAGS)

test: ## install and start the real servers, then run every test
	scripts/test.sh

testenv: ## install (cached) and start the real test servers on 127.0.0.1
	scripts/testenv/up.sh

testenv-down: ## stop exactly the servers testenv started
	scripts/testenv/down.sh

chaos: ## faults on real servers (kills, broker and S3 outages, forgeries); CHAOS_SHORT=1 for the short run
	CHAOS_SHORT=$(CHAOS_SHORT) DURATION=$(DURATION) scripts/chaos.sh

soak: ## mixed load for DURATION (default 30m): RSS and goroutine slopes, nothing undelivered
	CHAOS_ONLY=soak DURATION=$(or $(DURATION),30m) scripts/chaos.sh

fuzz: ## a short run of every fuzz target
	scripts/fuzz.sh

bench: build ## measure, and write BENCHMARKS.md
	scripts/bench.sh

contracts: ## recompile the Solidity contracts and regenerate Go bindings
	scripts/contracts.sh

screenshots: ## drive the console in Chromium on a dev node and write docs/console/*.png
	scripts/testenv/up.sh
	. .testenv/env.sh && CONSIGN_SCREENSHOTS=$(CURDIR)/docs/console $(GO) test -count=1 -run '^TestConsoleOnDev$$' ./cmd/consign

lint: ## gofmt, go mod tidy -diff, go vet, staticcheck and govulncheck (pinned, cached)
	scripts/lint.sh

clean:
	rm -rf bin
