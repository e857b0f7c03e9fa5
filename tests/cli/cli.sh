#!/bin/sh
# SPDX-License-Identifier: MIT
# The command line's contract (README "Exit status"): each case runs the pcsim binary and
# checks its exit status and the words a user relies on. Usage: cli.sh PCSIM TMPDIR
set -u
PCSIM=$1
TMP=$2
rm -rf "$TMP" && mkdir -p "$TMP"
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

# usage errors: 2, with the offending word
expect 2 "unknown command|usage" -- frobnicate
expect 2 "'bogus' is not a name" -- explore pagecache-general --checks bogus
expect 2 "b99" -- explore pagecache-general --bug b99
expect 2 "seed" -- explore micro-fixed --seed notanumber
expect 2 "nosuch" -- explore nosuch-program
# listings
expect 0 "pagecache-general" -- programs
# the version, the commit built from (or "unknown" outside a git checkout) and the formats
expect 0 "^pcsim [0-9]+\.[0-9]+\.[0-9]+ \(commit [0-9A-Za-z._-]+; trace schema [0-9]+, schedule format 1\)$" -- --version
expect 0 "b03" -- bugs
# violations: 1, the invariant named, a schedule written that replays to the same failure
expect 1 "deadlock" -- explore micro-lost-wakeup --out "$TMP"
expect 1 "P2|A4|A1" -- explore pagecache-general --bug b03 --out "$TMP"
sched=$(ls "$TMP"/pagecache-general-*.schedule 2>/dev/null | head -1)
if [ -n "$sched" ]; then
	expect 1 "P2|A4|A1" -- replay pagecache-general "$sched"
else
	echo "FAIL: explore --bug b03 wrote no schedule in $TMP"; fail=$((fail + 1))
fi
# a damaged schedule: 2 and a file:line position
printf 'pcsim-schedule 1\nprogram pagecache-general\nbogus line here\n' > "$TMP/bad.schedule"
expect 2 "bad.schedule:3:1: unknown header line" -- replay pagecache-general "$TMP/bad.schedule"
# replay takes its configuration and choices from the schedule, not from options
if [ -n "$sched" ]; then
	expect 2 "replay: --cpus has no effect" -- replay pagecache-general "$sched" --cpus 4
	expect 2 "would overwrite the schedule" -- replay pagecache-general "$sched" --trace "$sched"
fi
# a directory is not an empty schedule
expect 2 "is a directory, not a schedule file" -- replay pagecache-general "$TMP"
# --json: one object, saying whether a signal cut the search short
expect 0 '"interrupted":false}$' -- explore micro-fixed --schedules 10 --json
# clean runs: 0, also under the strict P6 check
expect 0 "" -- explore micro-fixed --strategy dfs
expect 0 "" -- explore pagecache-general --schedules 200
expect 0 "" -- explore pagecache-general --schedules 200 --checks strict-p6
expect 0 "on real threads" -- explore pagecache-general --backend threads --schedules 20
# --help anywhere after a command: its usage on stdout, status 0, nothing run
for c in "explore pagecache-general" "run micro-fixed" "replay x y" "step micro-fixed" merge demo; do
	# shellcheck disable=SC2086
	expect 0 "^usage: " -- $c --help
done
expect 0 "^usage: pcsim bench NAME" -- bench --help
expect 2 "unknown benchmark 'nosuch'" -- bench nosuch --help
# each benchmark's --help names every option its parser lists when it refuses one, so the two
# cannot drift apart (benchmarks whose refusal lists none are checked for the usage line only)
if "$PCSIM" bench --help >/dev/null 2>&1; then
	for b in sched waitq pagelock pagecache bdev uring seed dpor calibrate explore; do
		expect 0 "^usage: pcsim bench $b" -- bench "$b" --help
		help=$("$PCSIM" bench "$b" --help 2>&1)
		for o in $("$PCSIM" bench "$b" --no-such-option 2>&1 | grep -o -- '--[a-z][a-z-]*' |
			   grep -v -- '--no-such-option' | sort -u); do
			if ! printf '%s\n' "$help" | grep -q -- "$o\b"; then
				echo "FAIL: pcsim bench $b --help does not name $o"; fail=$((fail + 1))
			fi
		done
	done
fi
echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
