#!/bin/sh
# SPDX-License-Identifier: MIT
# The profile-guided build (scripts/pgo-build.sh, `make pgo`) builds, trains and gives the same
# results as the build under test: the profile moves code, not what it computes. Each search
# below runs with both binaries; their JSON results must be identical but for the fields that
# measure time (executions, steps, digest of every execution's choices, trace hash, the
# violation and its step, the explored fraction) and so must a violation's schedule file. Cases: random, PCT, a DFS campaign slice (its
# share is computed in double precision), DPOR, tso memory, a scenario file, a violation.
# Soak label: it builds pcsim twice and trains it (7-15 minutes on a 2-core machine).
# With a fourth argument --native, the build is scripts/pgo-build.sh --native (-O3
# -march=native), held to the same results.
# Usage: pgo_build.sh SOURCE_DIR PCSIM WORK_DIR [--native]
set -u
SRC=$1
PCSIM=$2
WORK=$3
NATIVE=${4:-}
case $PCSIM in /*) ;; *) PCSIM=$PWD/$PCSIM ;; esac
rm -rf "$WORK" && mkdir -p "$WORK" || exit 1
if ! "$SRC/scripts/pgo-build.sh" $NATIVE "$WORK/pgo" >"$WORK/build.log" 2>&1; then
	tail -n 30 "$WORK/build.log"
	echo "FAIL: scripts/pgo-build.sh"
	echo "0 passed, 1 failed"
	exit 1
fi
PGO=$WORK/pgo/bin/pcsim
cd "$WORK" || exit 1
pass=0
fail=0
same() {
	name=$1
	shift
	for b in test pgo; do
		bin=$PCSIM
		[ $b = pgo ] && bin=$PGO
		rm -f ./*.schedule
		"$bin" explore "$@" --json 2>$name.$b.err |
			sed -e 's/"schedule_file":"[^"]*",//' -e 's/"[a-z_]*per_s[a-z_]*":[0-9.e+-]*,//g' \
				-e 's/"elapsed[a-z_]*":[0-9.e+-]*,//g' >$name.$b.json
		cat ./*.schedule >$name.$b.sched 2>/dev/null
	done
	# a violation's schedule file too (the shrunk schedule, byte for byte)
	if [ -s $name.test.json ] && cmp -s $name.test.json $name.pgo.json &&
		cmp -s $name.test.sched $name.pgo.sched; then
		pass=$((pass + 1))
	else
		echo "FAIL: $name: the results differ"
		diff $name.test.json $name.pgo.json
		fail=$((fail + 1))
	fi
}
same random micro-fixed --strategy random --schedules 3000
same pct pagecache-general --strategy pct --schedules 300
same slice uring-b18 --strategy dfs --preemptions 2 --schedules 0 --shard 3/8
same dpor uring-rasync --strategy dpor --preemptions 1 --schedules 3000
same tso sb --mem tso --strategy dfs --schedules 0
same scenario "$SRC/scenarios/p6-race.pcs" --schedules 500
same violation pagecache-general --bug b02 --strategy pct --schedules 5000
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
