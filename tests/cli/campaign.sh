#!/bin/sh
# SPDX-License-Identifier: MIT
# Campaigns on the command line (docs/campaigns.md, docs/shrinking.md): --shard I/N results
# merged by `pcsim merge` equal the single run (executions, steps, digest) for random, PCT and
# DFS; --jobs N equals it too and reports the single run's first failure, also for a scenario
# file (judged by its expectation); a shrunk schedule replays strictly; --ktap/--junit of
# scenario files pass a case when it met its expectation; scenario shards are judged by merge
# (met, missed, not judged with shards missing); --no-shrink; --junit writes JUnit XML and --ktap prints KTAP version 1.
# Usage: campaign.sh PCSIM TMPDIR
set -u
PCSIM=$1
TMP=$2
rm -rf "$TMP" && mkdir -p "$TMP"
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# the "executions", "steps" and "digest" members of a --json result, as one line
sums() {
	sed -n 's/.*"executions":\([0-9]*\),"steps":\([0-9]*\).*"digest":"\([0-9a-f]*\)".*/\1 \2 \3/p' "$1"
}

# single run versus the merge of N shards versus --jobs, for one strategy
union() {
	name=$1 n=$2
	shift 2
	"$PCSIM" explore "$@" --json >"$TMP/$name.single.json" 2>/dev/null
	files=""
	i=0
	while [ $i -lt "$n" ]; do
		"$PCSIM" explore "$@" --shard "$i/$n" --json >"$TMP/$name.$i.json" 2>/dev/null
		files="$files $TMP/$name.$i.json"
		i=$((i + 1))
	done
	# shellcheck disable=SC2086
	"$PCSIM" merge --json $files >"$TMP/$name.merged.json"
	"$PCSIM" explore "$@" --jobs 3 --json >"$TMP/$name.jobs.json" 2>/dev/null
	s=$(sums "$TMP/$name.single.json")
	m=$(sums "$TMP/$name.merged.json")
	j=$(sums "$TMP/$name.jobs.json")
	if [ -z "$s" ] || [ "$s" != "$m" ] || [ "$s" != "$j" ]; then
		bad "$name: single '$s', merged shards '$m', --jobs 3 '$j'"
	else
		ok
	fi
}

union random 3 micro-fixed --strategy random --schedules 500
union pct 4 micro-fixed --strategy pct --schedules 500
union dfs 3 micro-fixed --strategy dfs --preemptions 6 --schedules 0
if grep -q '"exhausted":true' "$TMP/dfs.merged.json"; then ok; else bad "dfs: merged shards not exhausted"; fi

# a failure: --jobs reports the single run's first one (the same execution and schedule)
"$PCSIM" explore micro-lost-wakeup --strategy random --json --no-shrink --out "$TMP" \
	>"$TMP/fail.single.json" 2>/dev/null
"$PCSIM" explore micro-lost-wakeup --strategy random --json --no-shrink --jobs 3 \
	--out "$TMP" >"$TMP/fail.jobs.json" 2>/dev/null
fe() { sed -n 's/.*"failing_execution":\([0-9]*\).*/\1/p' "$1"; }
if [ -n "$(fe "$TMP/fail.single.json")" ] && [ "$(fe "$TMP/fail.single.json")" = "$(fe "$TMP/fail.jobs.json")" ]
then ok; else bad "--jobs: failing execution $(fe "$TMP/fail.jobs.json"), single run $(fe "$TMP/fail.single.json")"; fi

# shards that find failures: merge exits 1, names each shard's schedule file
for i in 0 1; do
	"$PCSIM" explore micro-lost-wakeup --strategy random --shard $i/2 --json --out "$TMP" \
		>"$TMP/lw.$i.json" 2>/dev/null
done
out=$("$PCSIM" merge "$TMP/lw.0.json" "$TMP/lw.1.json")
st=$?
if [ $st -eq 1 ] && printf '%s\n' "$out" | grep -q 'shard-0-of-2.schedule' &&
	printf '%s\n' "$out" | grep -q 'shard-1-of-2.schedule' &&
	[ -f "$TMP/micro-lost-wakeup-1.shard-0-of-2.schedule" ]
then ok; else bad "merge of failing shards: exit $st: $out"; fi
# merge refuses shards of different searches: another bound, memory model or budget (the
# "search" member), naming the first setting that differs
"$PCSIM" explore micro-fixed --strategy dfs --preemptions 5 --schedules 0 --shard 1/3 --json \
	>"$TMP/dfs5.1.json" 2>/dev/null
"$PCSIM" explore micro-fixed --strategy dfs --preemptions 6 --mem tso --schedules 0 --shard 1/3 \
	--json >"$TMP/tso.1.json" 2>/dev/null
"$PCSIM" explore micro-fixed --strategy random --schedules 400 --shard 1/3 --json \
	>"$TMP/random400.1.json" 2>/dev/null
out=$("$PCSIM" merge "$TMP/dfs.0.json" "$TMP/dfs5.1.json" 2>&1)
[ $? -eq 2 ] && echo "$out" | grep -q '(bound=6 against bound=5)' && ok ||
	bad "merge of two bounds: $out"
out=$("$PCSIM" merge "$TMP/dfs.0.json" "$TMP/tso.1.json" 2>&1)
[ $? -eq 2 ] && echo "$out" | grep -q '(mem=sc against mem=tso)' && ok ||
	bad "merge of two memory models: $out"
out=$("$PCSIM" merge "$TMP/random.0.json" "$TMP/random400.1.json" 2>&1)
[ $? -eq 2 ] && echo "$out" | grep -q '(schedules=500 against schedules=400)' && ok ||
	bad "merge of two budgets: $out"
# results without the member (older versions) still merge
sed 's/,"search":"[^"]*"//' "$TMP/dfs.1.json" >"$TMP/dfs.1.old.json"
"$PCSIM" merge "$TMP/dfs.0.json" "$TMP/dfs.1.old.json" "$TMP/dfs.2.json" >/dev/null 2>&1 &&
	! grep -q '"search"' "$TMP/dfs.1.old.json" && ok || bad "merge of a result without search"
# merge refuses mixed campaigns and bad files
if "$PCSIM" merge "$TMP/lw.0.json" "$TMP/random.0.json" >/dev/null 2>&1; then
	bad "merge of two campaigns accepted"; else ok; fi
echo '{"x":' >"$TMP/broken.json"
"$PCSIM" merge "$TMP/broken.json" >/dev/null 2>&1
[ $? -eq 2 ] && ok || bad "merge of broken JSON: not exit 2"
"$PCSIM" explore micro-fixed --shard 3/3 >/dev/null 2>&1
[ $? -eq 2 ] && ok || bad "--shard 3/3 accepted"

# shrinking: the report says so, the schedule replays strictly to the same failure
out=$("$PCSIM" explore pagecache-general --bug b02 --out "$TMP" 2>&1)
if printf '%s\n' "$out" | grep -q '^shrunk from'; then ok; else bad "no shrink line: $out"; fi
sched="$TMP/pagecache-general-1.schedule"
"$PCSIM" replay pagecache-general "$sched" >"$TMP/replay.txt" 2>&1
st=$?
what=$(printf '%s\n' "$out" | sed -n '1s/.*(\([A-Za-z0-9-]*\)).*/\1/p')
if [ $st -eq 1 ] && grep -q "($what)" "$TMP/replay.txt"; then ok; else
	bad "shrunk schedule: replay exit $st, want ($what)"; fi
out=$("$PCSIM" explore pagecache-general --bug b02 --no-shrink --out "$TMP" 2>&1)
if printf '%s\n' "$out" | grep -q 'shrunk'; then bad "--no-shrink still shrinks"; else ok; fi

# JUnit and KTAP
"$PCSIM" explore micro-lost-wakeup --out "$TMP" --junit "$TMP/j.xml" >/dev/null 2>&1
if grep -q '<testcase classname="pcsim.explore" name="micro-lost-wakeup"' "$TMP/j.xml" &&
	grep -q '<failure type="deadlock"' "$TMP/j.xml" && grep -q 'replay: pcsim replay' "$TMP/j.xml"
then ok; else bad "--junit: $(cat "$TMP/j.xml")"; fi
if command -v python3 >/dev/null 2>&1; then
	python3 -c "import sys, xml.dom.minidom as m; m.parse(sys.argv[1])" "$TMP/j.xml" && ok ||
		bad "--junit: not well-formed XML"
fi
"$PCSIM" explore micro-fixed --schedules 50 --junit "$TMP/k.xml" >/dev/null 2>&1
if grep -q 'failures="0"' "$TMP/k.xml" && ! grep -q '<failure' "$TMP/k.xml"; then ok; else
	bad "--junit clean run"; fi
out=$("$PCSIM" explore micro-lost-wakeup --out "$TMP" --ktap)
st=$?
if [ $st -eq 1 ] && [ "$(printf '%s\n' "$out" | sed -n 1p)" = "KTAP version 1" ] &&
	[ "$(printf '%s\n' "$out" | sed -n 2p)" = "1..1" ] &&
	printf '%s\n' "$out" | grep -q '^not ok 1 micro-lost-wakeup # deadlock'
then ok; else bad "--ktap (exit $st): $out"; fi
out=$("$PCSIM" explore micro-fixed --schedules 20 --ktap)
if printf '%s\n' "$out" | grep -q '^ok 1 micro-fixed$'; then ok; else bad "--ktap clean: $out"; fi
"$PCSIM" explore micro-fixed --ktap --json >/dev/null 2>&1
[ $? -eq 2 ] && ok || bad "--ktap --json accepted"
"$PCSIM" explore "$(dirname "$0")/../../scenarios/async-retry.pcs" --shard 0/2 --ktap >/dev/null 2>&1
[ $? -eq 2 ] && ok || bad "--shard --ktap of a scenario file accepted"
"$PCSIM" explore "$(dirname "$0")/../../scenarios/" --shard 0/2 >/dev/null 2>&1
[ $? -eq 2 ] && ok || bad "--shard of a scenario directory accepted"
"$PCSIM" run micro-fixed --jobs 2 >/dev/null 2>&1
[ $? -eq 2 ] && ok || bad "run --jobs accepted"

# Scenario files with --jobs: each exploration over the workers, judged by the scenario's
# expectation as a plain run is. A complete DFS search equals the single run (executions,
# steps); a zoo scenario's expected violation is met, its schedule written and replayable.
SCN="$(dirname "$0")/../../scenarios"
"$PCSIM" explore "$SCN/rwf-nowait.pcs" --strategy dfs --preemptions 1 --schedules 0 --json \
	>"$TMP/scn1.json" 2>/dev/null
st1=$?
"$PCSIM" explore "$SCN/rwf-nowait.pcs" --strategy dfs --preemptions 1 --schedules 0 --jobs 2 \
	--json >"$TMP/scn2.json" 2>/dev/null
st2=$?
e1=$(grep -o '"executions":[0-9]*,"failing_execution":[0-9]*,"steps":[0-9]*' "$TMP/scn1.json")
e2=$(grep -o '"executions":[0-9]*,"failing_execution":[0-9]*,"steps":[0-9]*' "$TMP/scn2.json")
if [ $st1 -eq 0 ] && [ $st2 -eq 0 ] && [ -n "$e1" ] && [ "$e1" = "$e2" ] &&
	grep -q '"met":true' "$TMP/scn2.json"; then ok; else
	bad "scenario --jobs 2 (exit $st2) is not the single run (exit $st1): '$e2' vs '$e1'"
fi
mkdir -p "$TMP/scnout"
"$PCSIM" explore "$SCN/zoo/b02-test-before-publish.pcs" --jobs 2 --out "$TMP/scnout" --json \
	>"$TMP/scn3.json" 2>/dev/null
st=$?
"$PCSIM" replay "$SCN/zoo/b02-test-before-publish.pcs" \
	"$TMP/scnout/b02-test-before-publish-1.schedule" >"$TMP/scn3.replay" 2>&1
rst=$?
if [ $st -eq 0 ] && grep -q '"met":true' "$TMP/scn3.json" &&
	grep -q '"what":"A1"' "$TMP/scn3.json" && [ $rst -eq 1 ] &&
	grep -q 'A1' "$TMP/scn3.replay"; then ok; else
	bad "scenario --jobs 2 on b02 (exit $st, replay $rst): $(head -c 300 "$TMP/scn3.json")"
fi

# Scenario files with --shard: each shard unjudged (exit 1 if it found a failure), merge judges
# the campaign by the scenario's expectation as the single run would: a clean scenario adds up
# to the single run and is met (exit 0), a found violation meets `expect find` (exit 0), the
# same shards against `expect find` of something else miss (exit 1), missing shards give no
# verdict, shards of two scenarios do not merge (exit 2).
scn_shards() {	# NAME FILE N [options]: shard results NAME.I.json
	name=$1 file=$2 n=$3
	shift 3
	i=0
	while [ $i -lt "$n" ]; do
		"$PCSIM" explore "$file" "$@" --shard "$i/$n" --out "$TMP/scnout" --json \
			>"$TMP/$name.$i.json" 2>/dev/null
		i=$((i + 1))
	done
}
mkdir -p "$TMP/scnout"
"$PCSIM" explore "$SCN/rwf-nowait.pcs" --strategy dfs --preemptions 1 --schedules 0 --json \
	>"$TMP/scs.single.json" 2>/dev/null
scn_shards scs "$SCN/rwf-nowait.pcs" 3 --strategy dfs --preemptions 1 --schedules 0
"$PCSIM" merge --json "$TMP"/scs.[0-2].json >"$TMP/scs.merged.json"
st=$?
s1=$(sed -n 's/.*"executions":\([0-9]*\),"failing_execution":[0-9]*,"steps":\([0-9]*\).*/\1 \2/p' "$TMP/scs.single.json")
s2=$(sed -n 's/.*"executions":\([0-9]*\),"steps":\([0-9]*\).*/\1 \2/p' "$TMP/scs.merged.json")
if [ $st -eq 0 ] && [ -n "$s1" ] && [ "$s1" = "$s2" ] &&
	grep -q '"judged":true,"met":true,"verdict":"expected clean, found nothing"' "$TMP/scs.merged.json"
then ok; else bad "scenario shards, clean (exit $st): '$s1' vs '$s2': $(head -c 400 "$TMP/scs.merged.json")"; fi
scn_shards scb "$SCN/zoo/b02-test-before-publish.pcs" 2
"$PCSIM" merge "$TMP"/scb.[01].json >"$TMP/scb.merged.txt"
st=$?
if [ $st -eq 0 ] && grep -q 'b02-test-before-publish.pcs: expected find A1, found A1 (violation): met$' "$TMP/scb.merged.txt"
then ok; else bad "scenario shards, find (exit $st): $(cat "$TMP/scb.merged.txt")"; fi
for i in 0 1; do "$PCSIM" explore "$SCN/zoo/b02-test-before-publish.pcs" --shard "$i/2" --json \
	--out "$TMP/scnout" >/dev/null 2>&1; [ $? -eq 1 ] || bad "a failing scenario shard did not exit 1"; done
sed 's/^expect find A1/expect find P3/' "$SCN/zoo/b02-test-before-publish.pcs" >"$TMP/b02-p3.pcs"
scn_shards scm "$TMP/b02-p3.pcs" 2
"$PCSIM" merge "$TMP"/scm.[01].json >"$TMP/scm.merged.txt"
st=$?
if [ $st -eq 1 ] && grep -q 'b02-p3.pcs: expected find P3, found A1 (violation): MISSED$' "$TMP/scm.merged.txt"
then ok; else bad "scenario shards, missed (exit $st): $(cat "$TMP/scm.merged.txt")"; fi
"$PCSIM" merge "$TMP/scs.0.json" >"$TMP/scs.part.txt"
if grep -q 'not judged: 1 of 3 shards merged: not judged$' "$TMP/scs.part.txt"
then ok; else bad "scenario shards, one of three: $(cat "$TMP/scs.part.txt")"; fi
"$PCSIM" merge "$TMP/scs.1.json" "$TMP/scb.0.json" >/dev/null 2>&1
[ $? -eq 2 ] && ok || bad "shards of two scenarios merged"
for i in 0 1 2; do
	sed 's|"scenario":"[^"]*"|"scenario":"'"$TMP"'/gone.pcs"|' "$TMP/scs.$i.json" >"$TMP/gone.$i.json"
done
err=$("$PCSIM" merge "$TMP"/gone.[0-2].json 2>&1 >/dev/null)
st=$?
if [ $st -eq 2 ] && printf '%s\n' "$err" | grep -q 'gone.pcs: cannot judge the campaign: .*gone.pcs'
then ok; else bad "merge of a scenario it cannot read (exit $st): $err"; fi

# --ktap and --junit for scenario files: one case per scenario, passing when it met its
# expectation (a zoo scenario that finds its violation is ok; one whose budget is too small to
# find it is not ok, MISSED).
out=$("$PCSIM" explore "$SCN/zoo/b02-test-before-publish.pcs" --ktap --out "$TMP/scnout")
st=$?
if [ $st -eq 0 ] && printf '%s\n' "$out" | head -2 | tr '\n' ' ' | grep -q '^KTAP version 1 1\.\.1 $' &&
	printf '%s\n' "$out" | grep -q '^ok 1 .*b02-test-before-publish.pcs$' &&
	! printf '%s\n' "$out" | grep -q 'met -'; then ok; else
	bad "scenario --ktap, met (exit $st): $out"
fi
out=$("$PCSIM" explore "$SCN/zoo/b02-test-before-publish.pcs" --schedules 10 --ktap \
	--junit "$TMP/scn.xml" --out "$TMP/scnout")
st=$?
if [ $st -eq 1 ] &&
	printf '%s\n' "$out" | grep -q '^not ok 1 .*b02-test-before-publish.pcs # MISSED: expected find A1, found nothing$' &&
	grep -q 'tests="1" failures="1" errors="0"' "$TMP/scn.xml" &&
	grep -q '<failure type="missed" message="expected find A1, found nothing">' "$TMP/scn.xml"
then ok; else
	bad "scenario --ktap/--junit, missed (exit $st): $out $(cat "$TMP/scn.xml")"
fi
"$PCSIM" explore "$SCN/zoo" --junit "$TMP/zoo.xml" --out "$TMP/scnout" >/dev/null 2>&1
st=$?
n=$(ls "$SCN"/zoo/*.pcs | wc -l)
if [ $st -eq 0 ] && grep -q "tests=\"$n\" failures=\"0\" errors=\"0\"" "$TMP/zoo.xml"; then ok; else
	bad "scenario directory --junit (exit $st, $n scenarios): $(head -3 "$TMP/zoo.xml")"
fi

# On a terminal (script(1) gives one) --jobs shows the progress line; a tree search's carries the
# (PCSIM_PROGRESS_INTERVAL=0: a line at every report, so that a fast build shows lines too)
# fraction explored and an ETA (the worker furthest behind, marked rough), a random one's none.
# (Before, the workers printed lines of their own - their slice's - over the parent's.)
export PCSIM_PROGRESS_INTERVAL=0
if command -v script >/dev/null 2>&1; then
	script -qfec "'$PCSIM' explore pagecache-general --strategy dfs --preemptions 1 \
		--schedules 6000 --jobs 2" /dev/null >"$TMP/tty_dfs.txt" 2>&1
	if tr '\r' '\n' <"$TMP/tty_dfs.txt" | grep -aq 'schedules (.*% explored, ETA .*(rough)'; then ok; else
		bad "--jobs dfs: no fraction in the progress line"; tail -c 400 "$TMP/tty_dfs.txt"
	fi
	script -qfec "'$PCSIM' explore pagecache-general --strategy random --schedules 6000 \
		--jobs 2" /dev/null >"$TMP/tty_rnd.txt" 2>&1
	if tr '\r' '\n' <"$TMP/tty_rnd.txt" | grep -aq 'schedules (' &&
		! grep -aq 'explored, ETA' "$TMP/tty_rnd.txt"; then ok; else
		bad "--jobs random: progress line missing or with a fraction"
		tail -c 400 "$TMP/tty_rnd.txt"
	fi
fi

# A scenario file shows the same line (it had none), alone and over --jobs.
if command -v script >/dev/null 2>&1; then
	for j in 1 2; do
		script -qfec "'$PCSIM' explore '$SCN/pagecache-general.pcs' --strategy dfs \
			--preemptions 1 --schedules 6000 --jobs $j --out '$TMP'" /dev/null \
			>"$TMP/tty_scn$j.txt" 2>&1
		if tr '\r' '\n' <"$TMP/tty_scn$j.txt" | grep -aq 'schedules (.*% explored, ETA' &&
			grep -aq 'met - no violation in [0-9]* execution' "$TMP/tty_scn$j.txt"; then ok; else
			bad "scenario --jobs $j: no progress line"; tail -c 400 "$TMP/tty_scn$j.txt"
		fi
	done
fi

# A bad PCSIM_PROGRESS_INTERVAL is named on stderr and the default used (the search goes on).
if command -v script >/dev/null 2>&1; then
	PCSIM_PROGRESS_INTERVAL=soon script -qfec "'$PCSIM' explore micro-fixed --schedules 200" \
		/dev/null >"$TMP/tty_bad.txt" 2>&1
	if grep -aq 'PCSIM_PROGRESS_INTERVAL=soon: not a number of seconds from 0 to 3600; using 0.25' \
		"$TMP/tty_bad.txt" && grep -aq 'no violation in 200 execution' "$TMP/tty_bad.txt"; then
		ok
	else
		bad "a bad PCSIM_PROGRESS_INTERVAL: $(tail -c 300 "$TMP/tty_bad.txt")"
	fi
fi

echo "campaign: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
