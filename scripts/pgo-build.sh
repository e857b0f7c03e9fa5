#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A profile-guided build of pcsim (gcc -fprofile-generate / -fprofile-use): the release
# preset's link-time optimisation, built twice in build/pgo - instrumented, then
# trained on the engine's own workloads, then again with the profile (7-15 minutes on 2
# cores, most of it training). Searches of the built-in programs run 6-36 % faster, the micro
# model's engine loop 0-12 % (bench/README.md, "Profile-guided build"); the same executions
# and traces as the release build (the profile moves code, not results: no -ffast-math,
# nothing that changes what the program computes). `make pgo`; the binary is
# build/pgo/bin/pcsim.
#
# It compiles with -O3 (the release preset: -O2): without a profile that gains little, with one
# a bound-2 DFS slice runs 1.17x faster than the same profile-guided build at -O2. --native
# adds -march=native, for a binary that runs on this machine's kind of CPU only - a long
# campaign's: 1.25x (bench/README.md, "Profile-guided build"). Neither changes a result: -std=c11 keeps floating-point contraction
# off (no fused multiply-add to change a DFS slice's shares; -ffp-contract=off says so
# explicitly), and nothing like -ffast-math is used.
#
# Usage: scripts/pgo-build.sh [--native] [BUILD_DIR]   (default: build/pgo)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
base="-O3 -ffp-contract=off -DNDEBUG"
if [ "${1:-}" = --native ]; then
	base="-O3 -march=native -ffp-contract=off -DNDEBUG"
	shift
fi
dir=$(realpath -m "${1:-$root/build/pgo}")	# absolute: the training runs elsewhere
prof=$dir/profile
cmake=${CMAKE:-cmake}

configure() {
	# The objects must keep their paths between the two stages: gcc names each profile
	# (.gcda) after its object's path, so both stages build in the same directory.
	# (from the source tree, where the presets are; explicit returns: called as an if's
	# condition below, where set -e does not apply)
	(cd "$root" && "$cmake" --preset release -B "$dir" -DPCSIM_BUILD_TESTS=OFF \
		-DCMAKE_C_FLAGS_RELEASE="$base $1" >/dev/null) || return 1
	"$cmake" --build "$dir" || return 1
}

echo "==> [pgo] 1/3 instrumented build ($dir)"
rm -rf "$prof"
mkdir -p "$prof"
# prefer-atomic: the threads backend and the watchdog count from several threads
configure "-fprofile-generate -fprofile-update=prefer-atomic -fprofile-dir=$prof"

echo "==> [pgo] 2/3 training"
pcsim=$dir/bin/pcsim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Exit 0 (nothing found) or 1 (a violation found: several of these programs have one) is a
# trained run; anything else is a broken binary.
train() {
	local rc=0 t0=$SECONDS
	(cd "$work" && "$pcsim" "$@" >/dev/null) || rc=$?
	if [ "$rc" -gt 1 ]; then
		echo "pgo-build: training run 'pcsim $*' exited $rc" >&2
		exit 1
	fi
	echo "    pcsim $* ($((SECONDS - t0)) s)"
}
# Schedule and trace files land in a scratch directory. The micro model's engine loop (a
# million executions: small models are what unit tests of a patch look like), every strategy
# and checking configuration on every built-in program (bench explore: most of the training's
# time, each cell being at least one whole search), a search's long run, traces, a weak memory
# model, the threads backend, a scenario.
train bench sched --executions 1000000 --repeats 1
train bench explore --seconds 0.05 --repeats 1
train explore pagecache-general --strategy dfs --preemptions 1 --schedules 30000 --json
train explore micro-lost-wakeup --strategy pct --trace t.svg
train explore sb --mem tso --strategy dfs --schedules 0
train explore uring-rasync --backend threads --schedules 200
train explore "$root/scenarios/p6-race.pcs" --schedules 2000

echo "==> [pgo] 3/3 optimised build"
if ! configure "-fprofile-use -fprofile-partial-training -Wno-missing-profile -fprofile-dir=$prof"
then
	# gcc refuses a profile whose functions moved (-Werror=coverage-mismatch): a source
	# edited during the build
	echo "pgo-build: the optimised build failed (a source changed since the instrumented" \
		"build? run it again)" >&2
	exit 1
fi
echo "pgo-build: $pcsim"
