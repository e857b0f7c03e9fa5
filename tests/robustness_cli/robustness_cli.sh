#!/bin/sh
# SPDX-License-Identifier: MIT
# The CLI under hostile and careless use (issue 14): for each case the exact exit status and the
# shape of the message. Usage: robustness_cli.sh PCSIM TMPDIR
set -u
PCSIM=$1
TMP=$2
rm -rf "$TMP" && mkdir -p "$TMP"
pass=0
fail=0
skip=0

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# expect STATUS PATTERN -- ARGS...: exit status STATUS and PATTERN (grep -E) in stdout+stderr;
# the output is left in $TMP/out.
expect() {
	want=$1 pat=$2
	shift 3
	timeout 60 "$PCSIM" "$@" > "$TMP/out" 2>&1
	got=$?
	if [ "$got" -ne "$want" ]; then
		bad "pcsim $*: exit $got, want $want"; tail -5 "$TMP/out"
	elif [ -n "$pat" ] && ! grep -Eq -- "$pat" "$TMP/out"; then
		bad "pcsim $*: no /$pat/ in:"; tail -5 "$TMP/out"
	else
		ok
	fi
}

# A finding is never lost: the trace file comes after the report and the schedule.
expect 1 "deadlock" -- explore micro-lost-wakeup --out "$TMP" --trace /dev/full
grep -q "cannot write /dev/full" "$TMP/out" || bad "no 'cannot write /dev/full' warning"
grep -q "warning: the trace was not written; the report above stands" "$TMP/out" ||
	bad "no warning about the trace"
grep -q "^schedule: $TMP/micro-lost-wakeup-1.schedule" "$TMP/out" || bad "no schedule line"
[ -s "$TMP/micro-lost-wakeup-1.schedule" ] || bad "the schedule was not written"
# ... and an output that cannot be created is refused before the run.
expect 2 "^pcsim: --trace $TMP/no/such/t.txt: cannot create it in $TMP/no/such: " -- \
	explore micro-lost-wakeup --out "$TMP" --trace "$TMP/no/such/t.txt"
expect 2 "^pcsim: --out $TMP/nodir: No such file or directory" -- \
	explore micro-lost-wakeup --out "$TMP/nodir"
expect 2 "^pcsim: --trace $TMP: is a directory" -- run micro-fixed --trace "$TMP"

# Refuse to overwrite the input schedule (or the schedule a failure would write).
S=$TMP/micro-lost-wakeup-1.schedule
cp "$S" "$TMP/orig.schedule"
expect 2 "^pcsim: --trace $S would overwrite the schedule being replayed" -- \
	replay micro-lost-wakeup "$S" --trace "$S"
ln -sf "$S" "$TMP/link.txt"
expect 2 "would overwrite the schedule being replayed" -- \
	replay micro-lost-wakeup "$S" --trace "$TMP/link.txt"
cmp -s "$S" "$TMP/orig.schedule" || bad "the replayed schedule was changed"
expect 2 "^pcsim: --trace $S is where a failing schedule would be written" -- \
	explore micro-lost-wakeup --out "$TMP" --trace "$S"
cmp -s "$S" "$TMP/orig.schedule" || bad "the schedule was changed by explore --trace"

# Schedules: regular files only, bounded, no NUL, a directory named as such.
expect 2 "^pcsim: /dev/zero: not a regular file \(a FIFO, socket or device\)" -- \
	replay micro-fixed /dev/zero
mkfifo "$TMP/fifo"
expect 2 "^pcsim: $TMP/fifo: not a regular file" -- replay micro-fixed "$TMP/fifo"
expect 2 "^pcsim: $TMP: is a directory, not a schedule file" -- replay micro-fixed "$TMP"
truncate -s 65M "$TMP/huge.schedule"
expect 2 "^pcsim: $TMP/huge.schedule: 68157440 bytes; a schedule file is at most 67108864 bytes" \
	-- replay micro-fixed "$TMP/huge.schedule"
printf 'pcsim-schedule 1\n\000program micro-fixed\n' > "$TMP/nul.schedule"
expect 2 "^pcsim: $TMP/nul.schedule: byte 18 is a NUL: not a schedule file" -- \
	replay micro-fixed "$TMP/nul.schedule"
expect 2 "^pcsim: cannot read $TMP/none.schedule: No such file or directory" -- \
	replay micro-fixed "$TMP/none.schedule"

# Options that would have no effect.
for o in "--cpus 4" "--backend threads" "--mem tso" "--max-steps 9" "--spurious 1" \
	"--checks none" "--bug b03"; do
	# shellcheck disable=SC2086
	expect 2 "^pcsim: replay: ${o%% *} has no effect: the schedule file's config line records" \
		-- replay micro-lost-wakeup "$S" $o
done
for o in "--seed 2" "--strategy dfs" "--schedules 3" "--depth 2" "--preemptions 1"; do
	# shellcheck disable=SC2086
	expect 2 "^pcsim: replay: ${o%% *} has no effect: the schedule file fixes every choice" \
		-- replay micro-lost-wakeup "$S" $o
done
expect 2 "^pcsim: replay: --out has no effect: replay writes no schedule" -- \
	replay micro-lost-wakeup "$S" --out "$TMP"
expect 2 "^pcsim: --schedules: run is one execution" -- run micro-fixed --schedules 5
expect 2 "^pcsim: --lenient: only replay reads a schedule" -- explore micro-fixed --lenient
expect 2 "^pcsim: --depth: only --strategy pct has a depth" -- \
	explore micro-fixed --strategy dfs --depth 2
expect 2 "^pcsim: --preemptions: only --strategy dfs or dpor bounds preemptions" -- \
	explore micro-fixed --preemptions 1
expect 0 "^pcsim: warning: --max-steps has no effect on the threads backend" -- \
	explore micro-fixed --backend threads --schedules 2 --max-steps 100
expect 0 "^pcsim: warning: --strategy has no effect on the threads backend" -- \
	explore micro-fixed --backend threads --schedules 2 --strategy random
expect 2 "^pcsim: programs takes no arguments \('--json'\)" -- programs --json
expect 2 "^pcsim: --watchdog: bad value 'x' for watchdog" -- run micro-fixed --watchdog x

# SIGINT/SIGTERM: the execution under way finishes, the summary comes out, status 0.
for sig in INT TERM; do
	"$PCSIM" explore pagecache-general --schedules 0 --out "$TMP" > "$TMP/sig.out" 2>&1 &
	pid=$!
	sleep 2
	kill -"$sig" "$pid"
	wait "$pid"
	got=$?
	if [ "$got" -ne 0 ]; then
		bad "explore interrupted by SIG$sig: exit $got, want 0"; tail -3 "$TMP/sig.out"
	elif ! grep -Eq "^pagecache-general: interrupted by SIG$sig after [0-9]+ execution\(s\); \
the search is incomplete" "$TMP/sig.out" || ! grep -q "no violation in" "$TMP/sig.out"; then
		bad "explore interrupted by SIG$sig: no summary"; tail -3 "$TMP/sig.out"
	else
		ok
	fi
done
"$PCSIM" explore pagecache-general --schedules 0 --json --out "$TMP" > "$TMP/sig.out" 2>/dev/null &
pid=$!
sleep 2
kill -INT "$pid"
wait "$pid"
got=$?
if [ "$got" -ne 0 ] || ! grep -q '"outcome":"ok",.*"interrupted":true}$' "$TMP/sig.out"; then
	bad "explore --json interrupted: exit $got"; cat "$TMP/sig.out"
else
	ok
fi

# A sanitizer-detected error is an internal error (3), not a violation (1). The options given
# here replace the test preset's (abort_on_error=1 would make it a SIGABRT).
out=$(ASAN_OPTIONS=detect_leaks=1 "$PCSIM" _selftest asan 2>&1)
got=$?
case "$out" in
*"not built with"*) skip=$((skip + 1)) ;;
*)	if [ "$got" -eq 3 ] && printf '%s\n' "$out" | grep -q "ERROR: AddressSanitizer"; then ok
	else bad "_selftest asan: exit $got, want 3"; fi ;;
esac
out=$(UBSAN_OPTIONS=print_stacktrace=1 "$PCSIM" _selftest ubsan 2>&1)
got=$?
case "$out" in
*"no UBSan report"*) skip=$((skip + 1)) ;;
*)	if [ "$got" -eq 3 ] &&
		printf '%s\n' "$out" | grep -q "runtime error: signed integer overflow"; then ok
	else bad "_selftest ubsan: exit $got, want 3"; fi ;;
esac

# The sim watchdog (1 s here): an endless loop without a preemption point ends the process with
# status 3 and says who; a slow one is reported as a livelock. On threads, a task that only
# spins is reported as a livelock, not a deadlock.
W="without reaching a preemption point"
expect 3 "^pcsim: watchdog: task T1 has run for [0-9]+ ms $W \(execution 1; sim backend, \
watchdog_ms=1000\)" -- _selftest spin
expect 1 "^livelock \(watchdog\): T1 spinner ran for more than 1000 ms $W" -- _selftest slow
expect 1 "^livelock \(livelock\): threads backend: the execution did not finish within 1000 ms \
and none of its 1 unfinished task\(s\) sleeps" -- _selftest threads-spin

echo "robustness_cli: $pass passed, $fail failed, $skip skipped (sanitizer not built in)"
[ "$fail" -eq 0 ]
