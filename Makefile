# Genesis: `make run` and `make test` install what is missing, build, then act.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
LISTEN ?= 127.0.0.1:8000
STORE ?= sqlite:data/genesis.db
JOBS ?= $(shell nproc)

.PHONY: all deps configure build web run test bench package bundle clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# The browser shell; built only when web/ exists.
web: deps
	@if [ -f web/package.json ]; then scripts/build-web.sh; fi

run: build web
	@mkdir -p data
	$(BUILD_DIR)/apps/genesisd/genesisd --listen $(LISTEN) --store '$(STORE)' --web web/dist

test: build web
	@scripts/run-tests.sh $(BUILD_DIR)

bench: build web
	@scripts/run-bench.sh $(BUILD_DIR)

# The Debian package (cmake/package.cmake): build/genesis_<version>_<arch>.deb.
package: build web
	@cmake --build $(BUILD_DIR) --target package >/dev/null
	@ls -1 $(BUILD_DIR)/genesis_*.deb

# The air-gapped bundle (scripts/bundle/make-bundle.sh, docs/operations.md):
# build/genesis-bundle-<version>-<arch>.tar.gz, signed with GENESIS_RELEASE_KEY
# (a development key made in build/ when unset, and said so).
bundle: package
	@scripts/bundle/make-bundle.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
