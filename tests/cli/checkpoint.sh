#!/bin/sh
# SPDX-License-Identifier: MIT
# --checkpoint FILE on the command line (docs/campaigns.md, "Checkpoints"): a search run in
# several goes - stopped by its budget, by SIGINT or SIGTERM at any moment - ends with the JSON
# result of the search run whole (DFS whole and sliced, DPOR, random, a scenario file, a failure
# found after a resume, with its schedule file, the counts of --coverage); the file is removed once the search is complete and kept while it is
# not; a bad checkpoint is refused at FILE:LINE:COL with exit status 2; options that cannot go
# with it are refused.
# Usage: checkpoint.sh PCSIM SRCDIR TMPDIR
set -u
PCSIM=$1
SRC=$2
TMP=$3
rm -rf "$TMP" && mkdir -p "$TMP"
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# a --json result without its "search" member (which names the budget of each go), the
# schedule file's path (each run writes to a directory of its own) and DFS's count of restored
# executions (of the executions each go ran itself)
strip() { sed 's/,"search":"[^"]*"//; s/,"schedule_file":"[^"]*"//; s/,"restored":[0-9]*//' "$1"; }

# same NAME WHOLE PARTS: the last go's result equals the whole search's
same() {
	if [ "$(strip "$2")" = "$(strip "$3")" ]; then
		ok
	else
		bad "$1: whole '$(strip "$2")' against in goes '$(strip "$3")'"
	fi
}

# in goes: the whole search, then budgets B1 B2 ... 0 each going on from the checkpoint
goes() {
	name=$1 budgets=$2
	shift 2
	ck="$TMP/$name.checkpoint"
	"$PCSIM" explore "$@" --schedules 0 --json --out "$TMP/whole" >"$TMP/$name.whole.json" \
		2>/dev/null
	for b in $budgets 0; do
		"$PCSIM" explore "$@" --schedules "$b" --json --out "$TMP/goes" \
			--checkpoint "$ck" >"$TMP/$name.goes.json" 2>"$TMP/$name.err"
		if [ "$b" != 0 ] && ! [ -f "$ck" ]; then
			bad "$name: no checkpoint after a go of $b: $(cat "$TMP/$name.err")"
		fi
		if [ "$b" != 0 ] && ! grep -q "stopped after $b execution(s); its state is in .*: a larger --schedules goes on" \
			"$TMP/$name.err"; then
			bad "$name: the go of $b does not say where its state is: $(cat "$TMP/$name.err")"
		fi
	done
	same "$name" "$TMP/$name.whole.json" "$TMP/$name.goes.json"
	if [ -f "$ck" ]; then bad "$name: the checkpoint of a complete search was kept"; else ok; fi
	if grep -q "the search is complete: .* removed" "$TMP/$name.err"; then
		ok
	else
		bad "$name: the last go does not say the checkpoint went: $(cat "$TMP/$name.err")"
	fi
}

mkdir -p "$TMP/whole" "$TMP/goes"
goes dfs "400 1000 3000" uring-b18 --strategy dfs --preemptions 1
goes dfs_slice "200 500" uring-b18 --strategy dfs --preemptions 2 --shard 5/64
goes dpor "300 900 2000" uring-b18 --strategy dpor --preemptions 1
goes coverage "400 1500" uring-b18 --strategy dfs --preemptions 1 --coverage
# random with no budget never ends: its goes stop at a budget of their own
"$PCSIM" explore micro-fixed --strategy random --schedules 2500 --seed 3 --json \
	>"$TMP/random2.whole.json" 2>/dev/null
rm -f "$TMP/r2.checkpoint"
for b in 600 1800 2500; do
	"$PCSIM" explore micro-fixed --strategy random --schedules $b --seed 3 --json \
		--checkpoint "$TMP/r2.checkpoint" >"$TMP/random2.goes.json" 2>/dev/null
done
same random_budget "$TMP/random2.whole.json" "$TMP/random2.goes.json"
if [ -f "$TMP/r2.checkpoint" ]; then ok; else bad "random: no checkpoint at the budget's end"; fi

# a scenario file (a shard of it: its result then carries the digest)
goes scenario "300 900" "$SRC/scenarios/p6-race-fixed.pcs" --strategy dfs --preemptions 0 \
	--shard 1/2

# a failure found after a resume: the same result and the same schedule file
goes failure "1000 2500" uring-b13 --bug b13 --strategy dfs --preemptions 1 --no-shrink
if cmp -s "$TMP/whole/uring-b13-1.schedule" "$TMP/goes/uring-b13-1.schedule"; then
	ok
else
	bad "failure: the schedule files differ"
fi
if grep -q '"what":"U5"' "$TMP/failure.goes.json"; then ok; else bad "failure: not U5"; fi

# ready PID: wait until the process catches SIGINT and SIGTERM (pcsim has set its handlers, just
# before its search: a signal before that ends it with nothing done); false if it ended first
ready() {
	w=0
	while [ $w -lt 500 ]; do
		m=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null)
		[ -n "$m" ] && [ $((0x$m & 0x4002)) -eq $((0x4002)) ] && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.02
		w=$((w + 1))
	done
	return 1
}

# Signals at any moment: each go is stopped by SIGINT or SIGTERM after a while (or ends
# before it), and the last one ends as the whole search.
# The goes get longer after the tenth, so that a loaded machine finishes too.
ck="$TMP/sig.checkpoint"
rm -f "$ck"
"$PCSIM" explore pagecache-general --strategy dfs --preemptions 0 --shard 1/2 --schedules 0 \
	--json >"$TMP/sig.whole.json" 2>/dev/null
n=0
stopped=0
while [ $n -lt 40 ]; do
	n=$((n + 1))
	"$PCSIM" explore pagecache-general --strategy dfs --preemptions 0 --shard 1/2 \
		--schedules 0 --json --checkpoint "$ck" >"$TMP/sig.goes.json" 2>"$TMP/sig.err" &
	pid=$!
	ready $pid
	if [ $n -le 10 ]; then sleep "$(printf '0.%02d' $(((n % 4 + 1) * 5)))"; else sleep $((n - 9)); fi
	if [ $((n % 2)) = 0 ]; then kill -INT $pid 2>/dev/null; else kill -TERM $pid 2>/dev/null; fi
	wait $pid
	grep -q '"interrupted":false' "$TMP/sig.goes.json" && break
	if ! grep -q '"interrupted":true' "$TMP/sig.goes.json" || ! [ -f "$ck" ] ||
		! grep -q "its state is in .*: the same command goes on from there" "$TMP/sig.err"; then
		bad "signals: go $n left no result, no checkpoint or no word of it: $(cat "$TMP/sig.err")"
		break
	fi
	stopped=$((stopped + 1))
done
same signals "$TMP/sig.whole.json" "$TMP/sig.goes.json"
# (the search takes 0.3 s of a release build, the first signal comes after 0.1 s)
if [ $stopped -ge 1 ]; then ok; else bad "signals: no go was stopped by a signal"; fi

# Bad checkpoints: FILE:LINE:COL and exit status 2; the file is left as it is.
ck="$TMP/bad.checkpoint"
rm -f "$ck"
"$PCSIM" explore uring-b18 --strategy dfs --preemptions 1 --schedules 300 --checkpoint "$ck" \
	>/dev/null 2>&1
cp "$ck" "$TMP/good.checkpoint"
refused() { # WHAT EXPECTED-STDERR-PART [options]
	what=$1 want=$2
	shift 2
	"$PCSIM" explore uring-b18 --strategy dfs --schedules 600 --checkpoint "$ck" "$@" \
		>/dev/null 2>"$TMP/bad.err"
	rc=$?
	if [ $rc = 2 ] && grep -qF -- "$want" "$TMP/bad.err"; then
		ok
	else
		bad "$what: status $rc, '$(cat "$TMP/bad.err")' (wanted '$want')"
	fi
}
refused "another seed" "bad.checkpoint:5:6: the checkpoint is of a search with seed '1'; this one has '2'" \
	--preemptions 1 --seed 2
refused "another bound" "bad.checkpoint:7:7: the checkpoint is of a search with bound '1'" \
	--preemptions 2
sed 's/^counts 300/counts 3x0/' "$TMP/good.checkpoint" >"$ck"
refused "a bad number" "bad.checkpoint:12:8: expected a number, found '3x0'" --preemptions 1
head -c 700 "$TMP/good.checkpoint" >"$ck"
refused "cut short" "bad.checkpoint:" --preemptions 1
if cmp -s "$ck" "$TMP/good.checkpoint" || [ "$(wc -c <"$ck")" -ne 700 ]; then
	bad "a refused checkpoint was changed"
else
	ok
fi
echo "hello" >"$ck"
refused "not a checkpoint" "bad.checkpoint:1:1: not a pcsim checkpoint" --preemptions 1
rm -f "$ck"
mkdir "$ck"
refused "a directory" "bad.checkpoint: is a directory, not a checkpoint" --preemptions 1
rmdir "$ck"
# a DPOR checkpoint goes on only under the same PCSIM_DPOR_* switches
rm -f "$ck"
"$PCSIM" explore uring-b18 --strategy dpor --schedules 300 --checkpoint "$ck" >/dev/null 2>&1
PCSIM_DPOR_NOHOLD=1 "$PCSIM" explore uring-b18 --strategy dpor --checkpoint "$ck" >/dev/null \
	2>"$TMP/bad.err"
rc=$?
if [ $rc = 2 ] && grep -qE "bad.checkpoint:[0-9]+:[0-9]+: the checkpoint is of a search with the PCSIM_DPOR_\* switches 0; this one has 0x2" \
	"$TMP/bad.err"; then
	ok
else
	bad "dpor switches: status $rc, '$(cat "$TMP/bad.err")'"
fi
rm -f "$ck"
refused "--jobs" "--checkpoint and --jobs: a checkpoint holds one search" --jobs 2
refused "threads" "--checkpoint: the threads backend does not run the same executions" \
	--strategy random --backend threads
# --coverage: the counts so far are in the checkpoint; a search that counts them and one that
# does not do not go on from each other's
rm -f "$ck"
"$PCSIM" explore uring-b18 --strategy dfs --schedules 600 --checkpoint "$ck" --coverage \
	>/dev/null 2>&1
refused "counted, resumed without --coverage" \
	"the checkpoint's search counted the exits of the wait functions (--coverage); this one does not"
rm -f "$ck"
"$PCSIM" explore uring-b18 --strategy dfs --schedules 300 --checkpoint "$ck" >/dev/null 2>&1
refused "not counted, resumed with --coverage" \
	"the checkpoint's search did not count the exits of the wait functions; this one does (--coverage)" \
	--coverage
rm -f "$ck"
"$PCSIM" explore uring-b18 --checkpoint-every 5 >/dev/null 2>"$TMP/bad.err"
if [ $? = 2 ] && grep -q "only with --checkpoint FILE" "$TMP/bad.err"; then ok; else
	bad "--checkpoint-every alone: $(cat "$TMP/bad.err")"
fi
"$PCSIM" run uring-b18 --checkpoint "$ck" >/dev/null 2>"$TMP/bad.err"
if [ $? = 2 ] && grep -q "run is one execution" "$TMP/bad.err"; then ok; else
	bad "run --checkpoint: $(cat "$TMP/bad.err")"
fi
mkdir -p "$TMP/scen"
cp "$SRC/scenarios/p6-race-fixed.pcs" "$TMP/scen/"
"$PCSIM" explore "$TMP/scen" --checkpoint "$ck" >/dev/null 2>"$TMP/bad.err"
if [ $? = 2 ] && grep -q "one scenario file under one kernel profile" "$TMP/bad.err"; then ok; else
	bad "a directory of scenarios with --checkpoint: $(cat "$TMP/bad.err")"
fi
"$PCSIM" explore "$TMP/scen/p6-race-fixed.pcs" --kernel all --checkpoint "$ck" >/dev/null \
	2>"$TMP/bad.err"
if [ $? = 2 ] && grep -q "one scenario file under one kernel profile" "$TMP/bad.err"; then ok; else
	bad "--kernel all with --checkpoint: $(cat "$TMP/bad.err")"
fi
"$PCSIM" explore uring-b18 --checkpoint "$TMP/no/such/dir/c" >/dev/null 2>"$TMP/bad.err"
if [ $? = 2 ] && grep -q "cannot create it" "$TMP/bad.err"; then ok; else
	bad "an unwritable checkpoint: $(cat "$TMP/bad.err")"
fi

echo "checkpoint: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
