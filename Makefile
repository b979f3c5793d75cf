# The two commands a new user needs: `make run` and `make test`.
JOBS ?= $(shell nproc)
BUILD_TYPE ?= Release

.PHONY: all setup build build-all build-asan run test fuzz bench clean format

all: build

setup:
	@bash scripts/setup.sh

# The service binary, optimised: build/gitops-api.
build: setup
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null
	@cmake --build build -j$(JOBS) --target gitops-api

# Everything in the optimised build: the binary, the tests and the benchmarks.
build-all: setup
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null
	@cmake --build build -j$(JOBS)

build-asan: setup
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DGITOPS_SANITIZE=ON -DGITOPS_BUILD_BENCH=OFF \
	  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" >/dev/null
	@cmake --build build-asan -j$(JOBS)

# Dev mode: in-memory jobs, bundled infra-templates/, local bare Git repositories under ./data.
run: build
	DEV_MODE=$${DEV_MODE:-true} ./build/gitops-api serve

# Every test built with ASan+UBSan, plus the integration tests against the optimised binary.
test: build build-asan
	@bash scripts/test.sh

fuzz: setup
	@bash scripts/fuzz.sh

bench: build-all
	@bash bench/run.sh

format:
	@find src tests bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf build build-asan build-fuzz
