#!/bin/sh
# SPDX-License-Identifier: MIT
# `pcsim explore P --strategy dfs|dpor --estimate N` (docs/cli.md, docs/explore.md): the output's
# shape as text and JSON, the usage errors (exit 2), and the same output for the same seed
# except the time fields (text lines "time:", the JSON object "time"). Usage: estimate.sh PCSIM TMPDIR
set -u
PCSIM=$1
TMP=$2
HERE=$(cd "$(dirname "$0")" && pwd)
rm -rf "$TMP" && mkdir -p "$TMP" && cd "$TMP" || exit 1
pass=0
fail=0

# expect STATUS PATTERN -- ARGS...: exit status STATUS and PATTERN (grep -E) in stdout+stderr
expect() {
	want=$1 pat=$2
	shift 3
	out=$("$PCSIM" "$@" 2>&1)
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL: pcsim $*: exit $got, want $want"; echo "$out" | tail -5; fail=$((fail + 1))
	elif [ -n "$pat" ] && ! printf '%s\n' "$out" | grep -Eq -- "$pat"; then
		echo "FAIL: pcsim $*: no /$pat/ in:"; echo "$out" | tail -5; fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
}

# usage errors
expect 2 "--estimate: N is the number of probes, at least 1" -- explore sb --strategy dfs --estimate 0
expect 2 "--estimate: 'abc' is not a number" -- explore sb --strategy dfs --estimate abc
expect 2 "--estimate needs a value" -- explore sb --strategy dfs --estimate
expect 2 "--estimate: only with --strategy dfs or dpor.*pct" -- explore sb --estimate 10
expect 2 "--estimate: only with --strategy dfs or dpor.*random" -- explore sb --strategy random --estimate 10
expect 2 "--schedules has no effect with --estimate" -- explore sb --strategy dfs --estimate 10 --schedules 5
expect 2 "--jobs has no effect with --estimate" -- explore sb --strategy dfs --estimate 10 --jobs 2
expect 2 "--estimate: run is one execution" -- run sb --strategy dfs --estimate 10
expect 2 "replay: --estimate is an option of explore" -- replay sb x.schedule --estimate 10
expect 2 "threads backend" -- explore sb --strategy dfs --estimate 10 --backend threads
# the help names it
expect 0 "--estimate N" -- explore sb --help

# text: the estimate, its interval, steps per execution, the time lines last
expect 0 "^sb: estimated size of the bounded DFS tree \(--strategy dfs --preemptions 1\), 500 probes, seed 3$" -- explore sb --strategy dfs --preemptions 1 --estimate 500 --seed 3
expect 0 "^  DFS executions: [0-9]+ \(95 % CI [0-9]+ \.\. [0-9]+\)$" -- explore sb --strategy dfs --preemptions 1 --estimate 500
expect 0 "^time: projected for DFS on this machine: " -- explore sb --strategy dfs --estimate 500
expect 0 "dpor: an upper bound" -- explore sb --strategy dpor --estimate 500
# a balanced case (bound 0 of micro-lost-wakeup: 2 executions) is exact
expect 0 "DFS executions: 2 \(95 % CI 2 \.\. 2\)" -- explore micro-lost-wakeup --strategy dfs --preemptions 0 --estimate 50
# JSON: one object, the deterministic fields, then "time" last
expect 0 '^\{"command":"estimate","program":"sb","strategy":"dfs","preemptions":"2","seed":1,"probes":400,"executions":[0-9.e+]+,"ci_low":.*,"upper_bound":false,"interrupted":false,"time":\{"machine":"this","cpu_seconds":[0-9.e+-]+,.*"projected_high":[0-9.e+-]+\}\}$' -- explore sb --strategy dfs --estimate 400 --json
expect 0 '"strategy":"dpor".*"upper_bound":true' -- explore sb --strategy dpor --estimate 400 --json
if command -v python3 >/dev/null 2>&1; then
	"$PCSIM" explore abba --strategy dfs --preemptions 1 --estimate 300 --json > j.json 2>&1
	if python3 -c "import json,sys; d=json.load(open('j.json')); assert d['probes']==300 and d['ci_low']<=d['executions']<=d['ci_high'] and d['time']['steps_per_second']>0, d" 2>/dev/null; then
		pass=$((pass + 1))
	else
		echo "FAIL: --estimate --json is not the object expected:"; cat j.json; fail=$((fail + 1))
	fi
fi

# the same seed, the same output but for the time fields; another seed, another estimate
for fmt in text json; do
	j=""
	[ "$fmt" = json ] && j=--json
	for k in 1 2; do
		# shellcheck disable=SC2086
		"$PCSIM" explore uring-eventfd --strategy dfs --preemptions 1 --estimate 300 --seed 9 $j \
			> "$fmt.$k" 2>&1
	done
	# shellcheck disable=SC2086
	"$PCSIM" explore uring-eventfd --strategy dfs --preemptions 1 --estimate 300 --seed 10 $j \
		> "$fmt.3" 2>&1
	for k in 1 2 3; do
		grep -v '^time:' "$fmt.$k" | sed 's/,"time":{[^}]*}//' > "$fmt.$k.det"
	done
	if ! cmp -s "$fmt.1.det" "$fmt.2.det" || ! [ -s "$fmt.1.det" ]; then
		echo "FAIL: --estimate ($fmt) differs between two runs of one seed:"
		diff "$fmt.1.det" "$fmt.2.det" | head -5; fail=$((fail + 1))
	elif cmp -s "$fmt.1.det" "$fmt.3.det"; then
		echo "FAIL: --estimate ($fmt) is the same for seeds 9 and 10"; fail=$((fail + 1))
	elif cmp -s "$fmt.1" "$fmt.1.det"; then
		echo "FAIL: --estimate ($fmt) has no time fields to take out"; fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
done

# an exhaustive run's --json carries the fraction explored: 1 when complete, below when cut
# (micro-fixed: no violation, 27 DFS executions at bound 2)
expect 0 '"exhausted":true.*"explored":1\.000000,"interrupted":false\}$' -- explore micro-fixed --strategy dfs --schedules 0 --json
expect 0 '"exhausted":false.*"explored":0\.[0-9]+,"interrupted":false\}$' -- explore micro-fixed --strategy dfs --schedules 10 --json
expect 0 'an estimated [0-9.]+ % of the bounded space was explored' -- explore micro-fixed --strategy dfs --schedules 10
expect 0 'explored":[01]\.[0-9]+,"interrupted' -- explore micro-fixed --strategy dpor --schedules 3 --json
# a search stopped by SIGINT says how far it got
"$PCSIM" explore pagecache-general --strategy dfs --preemptions 1 --schedules 0 --json \
	> int.json 2> int.err &
pid=$!
sleep 2
kill -INT "$pid"
wait "$pid"
if grep -Eq '"exhausted":false.*"explored":0\.[0-9]+,"interrupted":true\}$' int.json; then
	pass=$((pass + 1))
else
	echo "FAIL: an interrupted dfs search's --json has no fraction explored:"; cat int.json int.err
	fail=$((fail + 1))
fi
# not for random and pct (no tree)
out=$("$PCSIM" explore micro-fixed --schedules 10 --json 2>&1)
if printf '%s\n' "$out" | grep -q '"explored"'; then
	echo "FAIL: a pct run's --json has a fraction explored: $out"; fail=$((fail + 1))
else
	pass=$((pass + 1))
fi

# A scenario file: its configuration, then the command line's; the estimate against the exact
# count of its DFS tree (run here): equal where every probe sees the same tree (bound 0),
# within a quarter at bound 1. A scenario that does not parse is a usage error, file:line:col.
SCN="$HERE/../../scenarios/rwf-nowait.pcs"
for b in 0 1; do
	exact=$("$PCSIM" explore "$SCN" --strategy dfs --preemptions $b --schedules 0 --json |
		sed -n 's/.*"executions":\([0-9]*\),.*/\1/p')
	est=$("$PCSIM" explore "$SCN" --strategy dfs --preemptions $b --estimate 2000 --json |
		sed -n 's/.*"executions":\([0-9.e+]*\),.*/\1/p')
	if [ -n "$exact" ] && [ -n "$est" ] && awk -v e="$est" -v x="$exact" -v b=$b \
		'BEGIN { exit !(b == 0 ? e == x : e > 0.75 * x && e < 1.25 * x) }'; then
		pass=$((pass + 1))
	else
		echo "FAIL: scenario estimate at bound $b: '$est' for $exact DFS executions"
		fail=$((fail + 1))
	fi
done
printf 'task a {\n' >bad.pcs
out=$("$PCSIM" explore bad.pcs --strategy dfs --estimate 10 2>&1)
st=$?
if [ $st -eq 2 ] && printf '%s\n' "$out" | grep -q 'bad.pcs:1:8:'; then
	pass=$((pass + 1))
else
	echo "FAIL: a broken scenario's estimate (exit $st): $out"; fail=$((fail + 1))
fi

echo "estimate.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
