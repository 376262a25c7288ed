# instar — build, test, lint, fuzz and benchmark every module of the workspace.
SHELL := /bin/bash
GO ?= go
STATICCHECK_VERSION := v0.8.2
MODULES := formats/qcow2 formats/vmdk formats/vhd formats/vhdx create vmm internal cli
FUZZTIME ?= 10s
BENCHTIME ?= 1s
ORACLE_TOOLS := qemu-img vhdiinfo vmdkinfo
ORACLE_PACKAGES := qemu-utils libvhdi-utils libvmdk-utils

.PHONY: all build test test-work test-modules deps lint fuzz bench tidy-check clean

all: build

## build: a static bin/instar (the guest is this same binary, so it must stay static)
build:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/instar ./cli

## deps: install the oracles the tests compare against, when missing
deps:
	@missing=""; for t in $(ORACLE_TOOLS); do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing $(ORACLE_PACKAGES) (missing:$$missing)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(ORACLE_PACKAGES) >/dev/null; \
	  else \
	    echo "missing:$$missing — install them with: sudo apt-get install $(ORACLE_PACKAGES)"; \
	  fi; \
	fi

## test: every test of every module, in workspace mode and then each module alone
test: deps test-work test-modules

test-work:
	$(GO) test -count=1 work

test-modules:
	@set -e; for m in $(MODULES); do echo "== GOWORK=off $$m"; (cd $$m && GOWORK=off $(GO) test -count=1 ./...); done

## lint: gofmt, go vet, staticcheck (pinned), go mod tidy leaves no diff
lint: tidy-check
	@out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet work
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) $(addprefix ./,$(addsuffix /...,$(MODULES)))

tidy-check:
	@set -e; for m in $(MODULES); do (cd $$m && GOWORK=off $(GO) mod tidy -diff) || { echo "go mod tidy would change $$m (run: cd $$m && GOWORK=off go mod tidy)"; exit 1; }; done

## fuzz: every Fuzz target for FUZZTIME each
fuzz:
	@set -e; for m in $(MODULES); do \
	  for pkg in $$(cd $$m && $(GO) list ./...); do \
	    dir=$$(cd $$m && $(GO) list -f '{{.Dir}}' $$pkg); \
	    for f in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/func //'); do \
	      echo "== fuzz $$pkg $$f"; (cd $$dir && $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) .); \
	    done; \
	  done; \
	done

## bench: benchmarks (instar side by side with qemu-img in the same run)
bench: deps
	@set -e; for m in $(MODULES); do echo "== bench $$m"; (cd $$m && $(GO) test -run='^$$' -bench=. -benchtime=$(BENCHTIME) -benchmem ./...); done

clean:
	rm -rf bin
