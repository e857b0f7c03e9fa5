# SPDX-License-Identifier: MIT
#
# Thin wrapper around the CMake presets (CMakePresets.json).
#
#   make            install deps (root) / check deps, configure + build 'release'
#                   -> build/release/bin/pcsim
#   make demo       make, then run `pcsim demo`
#   make test       asan preset (all but soak) + tsan preset (label 'threads');
#                   last line: "N passed, M failed[, K skipped]"
#   make bench      make, then run `pcsim bench $(BENCH_ARGS)`
#   make pgo        profile-guided build (scripts/pgo-build.sh) -> build/pgo/bin/pcsim:
#                   6-36 % faster searches of the built-in programs, same results;
#                   `make pgo NATIVE=1`: also -march=native, for this machine's CPU only
#   make format     clang-format -i over src include tests tools bench
#   make clean      rm -rf build

SHELL := /bin/bash

CMAKE ?= cmake
CTEST ?= ctest
CMAKE_BUILD_PARALLEL_LEVEL ?= 2
CTEST_PARALLEL_LEVEL ?= 2
export CMAKE_BUILD_PARALLEL_LEVEL CTEST_PARALLEL_LEVEL

ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
BUILD := $(ROOT)/build
PCSIM := $(BUILD)/release/bin/pcsim
TEST_PRESETS ?= asan tsan
BENCH_ARGS ?=
FORMAT_DIRS := src include tests tools bench support

.DEFAULT_GOAL := all
.PHONY: all deps release demo test bench pgo clean format help

all: release

deps:
	@"$(ROOT)/scripts/install-deps.sh"

release: deps
	cd "$(ROOT)" && $(CMAKE) --preset release
	cd "$(ROOT)" && $(CMAKE) --build --preset release

demo: all
	"$(PCSIM)" demo

bench: all
	"$(PCSIM)" bench $(BENCH_ARGS)

# Two builds in build/pgo (instrumented, then optimised with the profile of a training run):
# 7-15 minutes on 2 cores. For long campaigns; `make` stays the quick build.
pgo: deps
	"$(ROOT)/scripts/pgo-build.sh" $(if $(NATIVE),--native)

# Every preset in TEST_PRESETS is configured, built and tested even if an
# earlier one failed.  TSan runs with ASLR disabled when the kernel allows
# it (setarch -R), which avoids "unexpected memory mapping" aborts of gcc 12's
# TSan runtime on kernels with large vm.mmap_rnd_bits.
test: deps
	@cd "$(ROOT)" || exit 1; \
	rc=0; junits=""; \
	for p in $(TEST_PRESETS); do \
		junit="$(BUILD)/$$p/junit.xml"; \
		junits="$$junits build/$$p/junit.xml"; \
		rm -f "$$junit"; \
		echo "==> [$$p] configure + build"; \
		if $(CMAKE) --preset "$$p" && $(CMAKE) --build --preset "$$p"; then \
			wrap=""; \
			if [ "$$p" = tsan ] && setarch "$$(uname -m)" -R true 2>/dev/null; then \
				wrap="setarch $$(uname -m) -R"; \
			fi; \
			echo "==> [$$p] ctest"; \
			$$wrap $(CTEST) --preset "$$p" --output-junit "$$junit" || rc=1; \
		else \
			echo "make test: configure/build of preset '$$p' failed" >&2; \
			rc=1; \
		fi; \
	done; \
	scripts/test-summary.sh $$junits || rc=1; \
	exit $$rc

format:
	@cd "$(ROOT)" || exit 1; \
	if [ ! -f .clang-format ]; then echo "format: no .clang-format, nothing to do"; exit 0; fi; \
	dirs=""; for d in $(FORMAT_DIRS); do [ -d "$$d" ] && dirs="$$dirs $$d"; done; \
	[ -n "$$dirs" ] || exit 0; \
	find $$dirs -type f \( -name '*.c' -o -name '*.h' \) -print0 | xargs -0 -r clang-format -i

clean:
	rm -rf "$(BUILD)"

help:
	@sed -n '3,15p' "$(ROOT)/Makefile"
