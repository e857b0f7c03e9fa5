#!/bin/sh
# SPDX-License-Identifier: MIT
# What DFS skips in the prefix it replays, and what a search leaves untraced (docs/explore.md,
# "What a replayed prefix skips", "Traces of a search"). Each search below runs once checking
# every state of every execution (PCSIM_DFS_CHECK_ALL=1) and once as by default, which checks
# the state invariants (W1, P1/P3/A1, U5) only from the state a changed decision is taken in
# on and (DFS) starts most executions from a snapshot of that state instead of replaying up
# to it ("Prefixes are restored"; CHECK_ALL replays every prefix); the two must give the same
# result: executions, steps, the digest of every execution's
# choices, the violation at the same execution and step, the same trace hash (of the failure,
# from its confirming replay, or of the last execution, which the search traces) and message.
# A violation's message names objects ("async waiter of T1"), which only a traced execution
# can: the search's own executions are untraced, so it comes from the confirming replay.
# Cases: violations of A1 (B-02, after 204 executions) and U5 (B-13, after 3,810), a complete
# bound-0 search, a budget at bound 1, tso memory (whose checks read through the store
# buffers), two campaign slices (the cut shares computed every time against kept); and DPOR,
# which skips the same checks before the step it resumes recording at, on the same violations
# and two searches.
# Usage: dfs_prefix.sh PCSIM TMPDIR
set -u
PCSIM=$1
TMP=$2
case $PCSIM in /*) ;; *) PCSIM=$PWD/$PCSIM ;; esac
rm -rf "$TMP" && mkdir -p "$TMP" && cd "$TMP" || exit 1
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# same NAME ARGS...: both ways, compared (the JSON without the fields that measure time)
STRATEGY=dfs
same() {
	name=$1
	shift
	PCSIM_DFS_CHECK_ALL=1 "$PCSIM" explore "$@" --strategy $STRATEGY --json >$name.all.json 2>$name.all.err
	echo $? >$name.all.st
	"$PCSIM" explore "$@" --strategy $STRATEGY --json >$name.skip.json 2>$name.skip.err
	echo $? >$name.skip.st
	if cmp -s "$name.all.st" "$name.skip.st"; then ok; else
		bad "$name: exit $(cat "$name.all.st") checking every state, $(cat "$name.skip.st") skipping"
	fi
	for m in all skip; do
		# (PCSIM_DFS_CHECK_ALL turns prefix restore off: docs/explore.md)
		sed -e 's/"schedule_file":"[^"]*",//' -e 's/,"restored":[0-9]*//' $name.$m.json >$name.$m.cmp
	done
	if cmp -s "$name.all.cmp" "$name.skip.cmp"; then ok; else
		bad "$name: results differ"
		diff "$name.all.cmp" "$name.skip.cmp" | head -5
	fi
}

# violation NAME WHAT: the search found WHAT, confirmed, and its message names its objects
violation() {
	if grep -q "\"outcome\":\"violation\",\"what\":\"$2\"" $1.skip.json &&
	   grep -q '"confirmed":true' $1.skip.json; then ok; else
		bad "$1: not a confirmed $2: $(head -c 300 $1.skip.json)"
	fi
	if grep -q '"message":"[^"]*obj#' $1.skip.json; then
		bad "$1: the message has unnamed objects: $(grep -o '"message":"[^"]*"' $1.skip.json)"
	else ok; fi
	if [ "$(grep -o '"failing_execution":[0-9]*' $1.skip.json | cut -d: -f2)" -gt 100 ]; then ok; else
		bad "$1: found within 100 executions (a prefix this short tests little)"
	fi
}

same b02 pagecache-general --bug b02 --preemptions 1 --schedules 0 --no-shrink
violation b02 A1
same b13 uring-b13 --bug b13 --preemptions 1 --schedules 0 --no-shrink
violation b13 U5
same p6 uring-p6 --preemptions 0 --schedules 0
if grep -q '"outcome":"ok".*"exhausted":true' p6.skip.json; then ok; else bad "p6: not exhausted"; fi
same general pagecache-general --preemptions 1 --schedules 1000
same tso uring-rasync --mem tso --preemptions 1 --schedules 500
# Campaign slices: the shares that decide where subtrees are cut are kept from one execution to
# the next for the decisions it replays (dfs.c, dfs_slice_depth()); checking every state also
# computes every share again: the same subtrees, so the same executions, steps and digest.
same slice_b18 uring-b18 --preemptions 2 --schedules 0 --shard 7/64
same slice_general pagecache-general --preemptions 2 --schedules 5000 --shard 5/128

# DPOR skips the same checks before the step its next execution resumes recording at (its
# replay checked step for step against the engine's step numbers): the same results.
STRATEGY=dpor
same dpor_b02 pagecache-general --bug b02 --preemptions 1 --schedules 0 --no-shrink
violation dpor_b02 A1
same dpor_b13 uring-b13 --bug b13 --preemptions 1 --schedules 0 --no-shrink
violation dpor_b13 U5
same dpor_general pagecache-general --preemptions 1 --schedules 1000
same dpor_rasync uring-rasync --preemptions 0 --schedules 1000

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
