# berth: `make run` and `make test` are all a new machine needs (as root).
#
#   make build   install missing system packages, build bin/berth
#   make run     build, then scripts/demo.sh (default store, busybox image)
#   make test    build, go vet, every test (unit and integration, real containers), each fuzz target briefly
#   make bench   build, the benchmark peers, every bench (bench/all.sh; BENCH="start build" for some)
#   make mutate  mutation testing of the data paths (gremlins; slow, not in test)
#   make fmt     fail if any Go file is not gofmt'ed
#   make fuzz    each fuzz target for FUZZTIME (default 60s); make test runs each for 3s
#   make clean   remove build output
export PATH := /usr/local/go/bin:$(PATH)
export CGO_ENABLED := 1

GO   ?= go
TAGS := seccomp
BIN  := bin/berth
# `berth version` reads these; a build outside git says "dev".
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)

.PHONY: all deps build run test vet bench mutate fmt fuzz clean

all: build

deps:
	@scripts/deps.sh

# Always handed to go build: its cache knows what changed (including embedded
# files, which a make prerequisite list would miss).
build: deps
	$(GO) build -tags $(TAGS) -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/berth

# Opens the workbench on the default store with the demo image ready.
run: build
	BERTH=$(BIN) scripts/demo.sh

# Every test: vet, unit and integration (real containers; needs root), then
# each fuzz target for TEST_FUZZTIME (the unpacker, reference, Dockerfile and
# flag parsers; `make fuzz` runs them longer). The integration tests run
# $(BIN) on temporary stores of their own; BERTH_ROOT is removed from their
# environment so nothing can point them at a real store.
TEST_FUZZTIME ?= 3s
test: export BERTH_BINARY := $(CURDIR)/$(BIN)
test: build
	$(GO) vet -tags $(TAGS) ./...
	env -u BERTH_ROOT $(GO) test -tags $(TAGS) -count=1 -timeout 20m ./...
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(TEST_FUZZTIME)

vet:
	$(GO) vet -tags $(TAGS) ./...

bench: build
	@scripts/deps.sh bench
	BERTH=$(CURDIR)/$(BIN) bench/all.sh $(BENCH)

# Each fuzz target for FUZZTIME; `make test` runs only their seed corpora.
# Findings land in the package's testdata/fuzz/ and then run as seeds.
FUZZTIME ?= 60s
FUZZ_TARGETS := ./layers:FuzzWhiteoutTarget ./layers:FuzzCheckEntry ./layers:FuzzExtract \
	./layers:FuzzNormalizeRef ./build:FuzzParse ./engine:FuzzParseBind \
	./engine:FuzzParseMountFlag ./network:FuzzParsePublish
fuzz: deps
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t#*:}; \
		echo "fuzz $$pkg $$fn ($(FUZZTIME))"; \
		$(GO) test -tags $(TAGS) -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

# Mutation score of the security and data paths; scripts/mutate.sh says how
# to widen it (--all, or packages and files) and lists the equivalent mutants.
mutate: build
	@scripts/deps.sh mutate
	BERTH_BINARY=$(CURDIR)/$(BIN) scripts/mutate.sh $(MUTATE_ARGS)

fmt:
	@out=$$(find . -name '*.go' -not -path './.git/*' -not -path './bin/*' -print0 | xargs -0 gofmt -l); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi; echo "gofmt: ok"

clean:
	rm -rf bin
	rm -f coverage.* *.out
