#!/bin/sh
# SPDX-License-Identifier: MIT
# scripts/campaign.sh, a sharded campaign kept in a directory (docs/campaigns.md, "A campaign
# kept in a directory"): it runs only the slices without a result, in any number of runs, and
# their merge equals the single run (executions, steps, digest); a violation's result and
# schedule are kept and the schedule replays from there; a slice stopped midway keeps its state
# (partial/) and the next run goes on from it to the single run's totals;
# bad campaigns and options exit 2, results of another search make --status exit 2, --status
# estimates the CPU time left from log.tsv, and a
# second run on a directory that is being run is refused.
# Usage: campaign_dir.sh PCSIM SRCDIR TMPDIR
# shellcheck disable=SC2015 # ok() never fails
set -u
PCSIM=$(readlink -f "$1")
SRC=$2
TMP=$3
RUN="$SRC/scripts/campaign.sh"
rm -rf "$TMP" && mkdir -p "$TMP"
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
sums() {
	sed -n 's/.*"executions":\([0-9]*\),"steps":\([0-9]*\).*"digest":"\([0-9a-f]*\)".*/\1 \2 \3/p' "$1"
}
lines() { wc -l <"$1" | tr -d ' '; }

# A clean campaign in two runs: slices 0 and 2, then the one left.
C=$TMP/clean
mkdir -p "$C"
printf 'args: micro-fixed --strategy dfs --preemptions 6 --schedules 0\nshards: 3\n' >"$C/campaign"
"$RUN" --pcsim "$PCSIM" --slices 0,2 "$C" >"$TMP/clean1.txt" 2>&1
st=$?
if [ $st -eq 0 ] && [ -f "$C/results/0.json" ] && [ -f "$C/results/2.json" ] &&
	[ ! -e "$C/results/1.json" ] && [ "$(lines "$C/log.tsv")" = 3 ] &&
	grep -q 'missing shards (1 of 3): 1$' "$TMP/clean1.txt"; then ok; else
	bad "first run (exit $st): $(cat "$TMP/clean1.txt")"
fi
"$RUN" --pcsim "$PCSIM" --status "$C" >"$TMP/status.txt" 2>&1
st=$?
[ $st -eq 0 ] && grep -q 'campaign: left: 1$' "$TMP/status.txt" && ok ||
	bad "--status (exit $st): $(cat "$TMP/status.txt")"
# its estimate of what is left: the executions a slice took so far at the last slices' rate
E=$TMP/estimate
mkdir -p "$E/results" && cp "$C/campaign" "$E/" && cp "$C"/results/*.json "$E/results/"
printf 'slice\texecutions\tsteps\tuser_s\twall_s\tversion\thost\tfinished\n0\t1000000\t1\t10\t10\tv\th\tt\n2\t3000000\t1\t10\t10\tv\th\tt\n' \
	>"$E/log.tsv"
"$RUN" --pcsim "$PCSIM" --status "$E" >"$TMP/estimate.txt" 2>&1
grep -q 'campaign: 2.0 M executions a slice so far (10 s of CPU time); at the rate of the last 2 slice(s), 200000 executions per CPU second: about 10 s of CPU time left$' \
	"$TMP/estimate.txt" && ok || bad "--status estimate: $(cat "$TMP/estimate.txt")"
"$RUN" --pcsim "$PCSIM" --jobs 2 "$C" >"$TMP/clean2.txt" 2>&1
st=$?
if [ $st -eq 0 ] && [ "$(lines "$C/log.tsv")" = 4 ] && ! grep -q 'slice [02]/3 started' "$TMP/clean2.txt" &&
	grep -q '3 of 3 slices done' "$TMP/clean2.txt"; then ok; else
	bad "second run (exit $st): $(cat "$TMP/clean2.txt")"
fi
"$PCSIM" merge --json "$C"/results/*.json >"$TMP/merged.json"
(cd "$TMP" && "$PCSIM" explore micro-fixed --strategy dfs --preemptions 6 --schedules 0 --json \
	>"$TMP/single.json")
s=$(sums "$TMP/single.json")
m=$(sums "$TMP/merged.json")
[ -n "$s" ] && [ "$s" = "$m" ] && grep -q '"exhausted":true' "$TMP/merged.json" && ok ||
	bad "merged '$m' against the single run '$s'"
[ -z "$(find "$C/results" -name '*.part')" ] && ok || bad "a .part file left"

# The probe: written by the first run, checked by every run; a pcsim that explores otherwise
# (here: a probe edited as if another version had begun the campaign) is refused before any
# slice runs.
[ -f "$C/probe" ] && [ "$(grep -vc '^#' "$C/probe")" = 2 ] &&
	"$RUN" --pcsim "$PCSIM" --check "$C" >/dev/null 2>&1 && ok || bad "probe missing or not matching"
cp "$C/probe" "$TMP/probe.saved"
sed -i 's/^\(0 [0-9]* \)\([0-9]*\)/\11\2/' "$C/probe"
rm "$C/results/1.json"
"$RUN" --pcsim "$PCSIM" "$C" >"$TMP/probe.txt" 2>&1
st=$?
[ $st -eq 2 ] && grep -q 'does not explore this campaign as the pcsim that began it' "$TMP/probe.txt" &&
	[ ! -e "$C/results/1.json" ] && ok || bad "a changed probe (exit $st): $(cat "$TMP/probe.txt")"
cp "$TMP/probe.saved" "$C/probe"

# A campaign that finds violations: exit 1, the schedules beside the results, replayable there.
V=$TMP/viol
mkdir -p "$V"
printf 'args: micro-lost-wakeup --strategy dfs --schedules 0\nshards: 2\n' >"$V/campaign"
"$RUN" --pcsim "$PCSIM" "$V" >"$TMP/viol.txt" 2>&1
st=$?
f=$(sed -n 's/.*"schedule_file":"\([^"]*\)".*/\1/p' "$V/results/1.json")
if [ $st -eq 1 ] && [ -n "$f" ] && [ -f "$V/results/$f" ] &&
	(cd "$V/results" && "$PCSIM" replay micro-lost-wakeup "$f" 2>&1) |
	grep -q 'confirmed by replay .*: yes'; then
	ok
else
	bad "violations (exit $st, schedule '$f'): $(cat "$TMP/viol.txt")"
fi

# Bad campaigns and options: exit 2 and a message.
B=$TMP/bad
mkdir -p "$B"
expect2() {
	what=$1
	shift
	"$RUN" --pcsim "$PCSIM" "$@" >"$TMP/bad.txt" 2>&1
	st=$?
	[ $st -eq 2 ] && grep -q 'campaign: ' "$TMP/bad.txt" && ok ||
		bad "$what: exit $st: $(cat "$TMP/bad.txt")"
}
expect2 "no campaign file" "$B"
printf 'args: micro-fixed --shard 0/2\nshards: 2\n' >"$B/campaign"
expect2 "args with --shard" "$B"
printf 'args: micro-fixed\nshards: x\n' >"$B/campaign"
expect2 "shards not a number" "$B"
printf 'args: micro-fixed\nshards: 2\n' >"$B/campaign"
expect2 "a slice out of range" --slices 2 "$B"
expect2 "a bad list" --slices 1-x "$B"
expect2 "a bad deadline" --until "not a time" "$B"
expect2 "--jobs 0" --jobs 0 "$B"
expect2 "an unknown option" --frobnicate "$B"
expect2 "an option without its value" "$B" --slices
# nothing starts after the deadline
"$RUN" --pcsim "$PCSIM" --until "1970-01-02" "$B" >"$TMP/late.txt" 2>&1 &&
	grep -q 'past --until' "$TMP/late.txt" && [ ! -e "$B/results/0.json" ] && ok ||
	bad "--until in the past: $(cat "$TMP/late.txt")"
# a time of day already gone today (midnight always is) is tomorrow's, and the run starts slices
T=$TMP/tomorrow
mkdir -p "$T" && cp "$B/campaign" "$T/"
"$RUN" --pcsim "$PCSIM" --until "00:00" --slices 0 "$T" >"$TMP/tomorrow.txt" 2>&1 &&
	grep -q 'no slice starts after [0-9-]* 00:00:00' "$TMP/tomorrow.txt" &&
	[ -f "$T/results/0.json" ] && ok ||
	bad "--until 00:00: $(cat "$TMP/tomorrow.txt")"
# a result of another search among the results: --status and a run report merge's refusal
cp "$C/results/0.json" "$B/results/0.json"
"$PCSIM" explore micro-fixed --strategy dfs --preemptions 5 --schedules 0 --shard 1/2 --json \
	>"$B/results/1.json" 2>/dev/null
"$RUN" --pcsim "$PCSIM" --status "$B" >"$TMP/mixed.txt" 2>&1
st=$?
[ $st -eq 2 ] && grep -q 'not shards of one campaign' "$TMP/mixed.txt" && ok ||
	bad "mixed results, --status: exit $st: $(cat "$TMP/mixed.txt")"

# Stopped midway: SIGTERM to the script stops the slice under way, whose state is kept in
# partial/ (pcsim --checkpoint) with the CPU time it took; the next run goes on from there and
# the campaign ends as the single run.
S=$TMP/stop
mkdir -p "$S"
printf 'args: pagecache-general --strategy dfs --preemptions 0 --schedules 0\nshards: 2\n' \
	>"$S/campaign"
"$PCSIM" explore pagecache-general --strategy dfs --preemptions 0 --schedules 0 --json \
	>"$TMP/stop.single.json" 2>/dev/null
"$RUN" --pcsim "$PCSIM" "$S" >"$TMP/stop.txt" 2>&1 &
pid=$!
n=0
while [ $n -lt 300 ] && [ ! -e "$S/results/.0.json.part" ]; do
	sleep 0.1
	n=$((n + 1))
done
# meanwhile a second run on the same directory is refused (it would run the same slices)
"$RUN" --pcsim "$PCSIM" "$S" >"$TMP/second.txt" 2>&1
st2=$?
# the slice's pcsim under way: it catches SIGINT and SIGTERM (/proc/PID/status SigCgt), which
# it sets just before its search - a signal before that ends it with nothing done, and nothing
# to keep ("[p]" keeps grep from finding its own command line)
n=0
while [ $n -lt 500 ]; do
	ready=0
	for p in /proc/[0-9]*; do
		grep -qa "[p]artial/0[.]checkpoint" "$p/cmdline" 2>/dev/null || continue
		m=$(sed -n 's/^SigCgt:[[:space:]]*//p' "$p/status" 2>/dev/null)
		[ -n "$m" ] && [ $((0x$m & 0x4002)) -eq $((0x4002)) ] && ready=1
	done
	[ $ready = 1 ] && break
	sleep 0.02
	n=$((n + 1))
done
sleep 0.2
kill -TERM $pid
wait $pid
st=$?
[ $st2 -eq 2 ] && grep -q 'another campaign.sh is running on' "$TMP/second.txt" && ok ||
	bad "a second run on the same directory (exit $st2): $(cat "$TMP/second.txt")"
if [ -e "$S/results/0.json" ]; then
	echo "note: slice 0 ended before the signal; the checkpoint checks are skipped"
elif [ $st -eq 3 ] && [ -z "$(find "$S/results" -name '*.part')" ] &&
	grep -q 'interrupted: its state is kept' "$TMP/stop.txt" &&
	[ -f "$S/partial/0.checkpoint" ] && [ -f "$S/partial/0.cpu" ] &&
	[ "$(lines "$S/log.tsv")" = 1 ]; then
	ok
	"$RUN" --pcsim "$PCSIM" --status "$S" >"$TMP/stop.status.txt" 2>&1
	grep -q 'slice 0 is under way: [0-9]* executions so far' "$TMP/stop.status.txt" && ok ||
		bad "--status of a stopped slice: $(cat "$TMP/stop.status.txt")"
else
	bad "stopped (exit $st): $(cat "$TMP/stop.txt"; ls -a "$S/results" "$S/partial")"
fi
"$RUN" --pcsim "$PCSIM" "$S" >"$TMP/stop2.txt" 2>&1
st=$?
"$PCSIM" merge --json "$S"/results/*.json >"$TMP/stop.merged.json" 2>/dev/null
if [ $st -eq 0 ] && [ "$(sums "$TMP/stop.merged.json")" = "$(sums "$TMP/stop.single.json")" ] &&
	[ -z "$(ls "$S/partial")" ] && [ "$(lines "$S/log.tsv")" = 3 ]; then
	ok
else
	bad "went on after the stop (exit $st): merged '$(sums "$TMP/stop.merged.json")'," \
		"single '$(sums "$TMP/stop.single.json")': $(cat "$TMP/stop2.txt"; ls "$S/partial")"
fi

echo "campaign_dir: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
