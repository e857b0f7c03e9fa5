#!/bin/sh
# SPDX-License-Identifier: MIT
# DPOR's incremental record (src/explore/dpor.c, keep_prefix()/rewind_to(); docs/explore.md
# "The incremental record"): the next execution keeps the record of the steps it replays and
# records only from the step where it differs. It must change nothing: each search below runs
# once recording every step (PCSIM_DPOR_NOINCR=1) and once incrementally, and the two must run
# the same executions in the same order (their per-execution trace fingerprints, written with
# PCSIM_DPOR_TRACEFILE, are the same file) to the same result; the incremental run must have
# kept steps (else this compares a thing with itself).
# Cases: sc and tso, bounds 0, 1, 2 and unbounded, spurious wakeups, violations found after
# thousands of executions (B-13) and at the fourth (a deadlock), and a
# scenario whose device fails requests (-EIO: data choices under the search).
# Usage: dpor_incremental.sh PCSIM TMPDIR
set -u
PCSIM=$1
TMP=$2
case $PCSIM in /*) ;; *) PCSIM=$PWD/$PCSIM ;; esac
rm -rf "$TMP" && mkdir -p "$TMP" && cd "$TMP" || exit 1
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

cat >eio.pcs <<'PCS'
# Two readers of a file whose device may fail requests: -EIO is a data choice.
file flaky size=8K id=19 eio
task a {
	read flaky 0 8192
}
task b {
	read flaky 4096 4096
}
expect quiescent
PCS

# run NAME MODE ARGS...: MODE full|incr; the result, the fingerprints, the counts (stderr)
run() {
	name=$1 mode=$2
	shift 2
	if [ "$mode" = full ]; then
		PCSIM_DPOR_NOINCR=1 PCSIM_DPOR_DEBUG=traces PCSIM_DPOR_TRACEFILE=$name.$mode.fp \
			"$PCSIM" explore "$@" --strategy dpor --json >$name.$mode.json 2>$name.$mode.err
	else
		PCSIM_DPOR_DEBUG=traces PCSIM_DPOR_TRACEFILE=$name.$mode.fp \
			"$PCSIM" explore "$@" --strategy dpor --json >$name.$mode.json 2>$name.$mode.err
	fi
	echo $? >$name.$mode.st
}

# same NAME ARGS...: both modes, compared
same() {
	name=$1
	shift
	run "$name" full "$@"
	run "$name" incr "$@"
	if cmp -s "$name.full.st" "$name.incr.st"; then ok; else
		bad "$name: exit $(cat "$name.full.st") recording every step, $(cat "$name.incr.st") incrementally"
	fi
	# the JSON result without the fields that measure time
	for m in full incr; do
		sed 's/"elapsed[^,}]*[,]*//g; s/"seconds[^,}]*[,]*//g' "$name.$m.json" >"$name.$m.res"
	done
	if cmp -s "$name.full.res" "$name.incr.res"; then ok; else
		bad "$name: results differ"; cat "$name.full.res" "$name.incr.res"
	fi
	if [ -s "$name.full.fp" ] && cmp -s "$name.full.fp" "$name.incr.fp"; then ok; else
		bad "$name: the executions differ (trace fingerprints, in order)"
	fi
	# (PCSIM_DPOR_DEBUG=traces also prints the counts: kept-steps)
	kept=$(sed -n 's/.*kept-steps \([0-9]*\).*/\1/p' "$name.incr.err")
	if [ "${kept:-0}" -gt 0 ]; then ok; else bad "$name: no step kept incrementally"; fi
}

same pg0 pagecache-general --preemptions 0 --schedules 200
same pg1 pagecache-general --preemptions 1 --schedules 200
same pgtso pagecache-general --mem tso --preemptions 1 --schedules 100
same rasync uring-rasync --preemptions 1 --schedules 80
same p6 uring-p6 --preemptions 2 --schedules 150
same b13 uring-b13 --bug b13 --preemptions 1 --schedules 0
same sbmb sb-mb --mem tso --preemptions unbounded --schedules 0
same mlw1 micro-lost-wakeup --preemptions 1 --schedules 0
same mlw micro-lost-wakeup --mem tso --spurious 1 --preemptions unbounded --schedules 0
same eio eio.pcs --preemptions 1 --schedules 150
same eio_unb eio.pcs --preemptions unbounded --schedules 100

# PCSIM_DPOR_NOINCR=1 keeps nothing
PCSIM_DPOR_NOINCR=1 PCSIM_DPOR_DEBUG=stats "$PCSIM" explore uring-eventfd --strategy dpor \
	--preemptions 1 --schedules 0 >/dev/null 2>noincr.stats
if grep -q "kept-steps 0\$" noincr.stats; then ok; else bad "NOINCR kept steps"; cat noincr.stats; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
