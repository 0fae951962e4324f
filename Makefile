# berth: `make run` and `make test` are all a new machine needs (as root).
export PATH := /usr/local/go/bin:$(PATH)
export CGO_ENABLED := 1

GO      ?= go
TAGS    := seccomp
BIN     := bin/berth
SOURCES := $(shell find . -name '*.go' -not -path './bin/*') go.mod go.sum

.PHONY: all deps build run test unit bench fmt vet clean

all: build

deps:
	@scripts/deps.sh

$(BIN): $(SOURCES)
	$(GO) build -tags $(TAGS) -trimpath -o $(BIN) ./cmd/berth

build: deps $(BIN)

# Opens the workbench on the default store with the demo image ready.
run: build
	BERTH=$(BIN) scripts/demo.sh

# Every test: vet, unit and integration (real containers; needs root).
test: build vet
	BERTH_BINARY=$(CURDIR)/$(BIN) $(GO) test -tags $(TAGS) -count=1 -timeout 15m ./...

vet:
	$(GO) vet -tags $(TAGS) ./...

bench: build
	@scripts/deps.sh bench
	BERTH=$(CURDIR)/$(BIN) bench/start/run.sh

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

clean:
	rm -rf bin
