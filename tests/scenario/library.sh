#!/bin/sh
# SPDX-License-Identifier: MIT
# The scenario library through the command line (docs/scenarios.md): `pcsim explore DIR/` runs
# every scenario at its own budget and each meets its expectation (the zoo's bugs are found);
# then the contract of the scenario commands: a parse error is file:line:col with exit 2, a
# missed expectation exit 1, a found bug's schedule replays to the same failure, a schedule of
# another text of the scenario is refused.
# Usage: library.sh PCSIM SCENARIO_DIR WORKDIR
set -u
PCSIM=$1
DIR=$2
WORK=$3
rm -rf "$WORK"
mkdir -p "$WORK/out"
fail() {
	echo "FAIL: $*"
	exit 1
}

"$PCSIM" explore "$DIR" --out "$WORK/out" >"$WORK/library.txt" 2>&1
st=$?
cat "$WORK/library.txt"
[ $st -eq 0 ] || fail "pcsim explore $DIR exited $st (expected 0: every expectation met)"
grep -q " 0 missed, 0 could not be loaded, 0 internal" "$WORK/library.txt" ||
	fail "the summary line does not say every scenario met its expectation"
n=$(find "$DIR" -name '*.pcs' | wc -l)
grep -q ": $n scenario(s): $n met" "$WORK/library.txt" || fail "not all $n scenarios ran"
for z in "$DIR"/zoo/*.pcs; do
	grep -q "^$z: expected find .*: met" "$WORK/library.txt" || fail "$z: bug not found"
done

# a parse error: file:line:col, exit 2
printf 'file d size=4K\ntask t {\n  lok_page d 0\n}\n' >"$WORK/bad.pcs"
"$PCSIM" explore "$WORK/bad.pcs" 2>"$WORK/err.txt"
st=$?
[ $st -eq 2 ] || fail "a bad scenario exited $st, expected 2"
grep -q "$WORK/bad.pcs:3:3: unknown operation 'lok_page' (did you mean 'lock_page'?)" \
	"$WORK/err.txt" || fail "wrong error: $(cat "$WORK/err.txt")"
"$PCSIM" replay "$WORK/bad.pcs" /dev/null 2>/dev/null
[ $? -eq 2 ] || fail "replay of a bad scenario should exit 2"

# a missed expectation: exit 1
printf 'file d size=4K\npage d 0\ntask t { lock_page d 0 }\nexpect quiescent\n' >"$WORK/miss.pcs"
"$PCSIM" explore "$WORK/miss.pcs" --out "$WORK/out" >"$WORK/miss.txt" 2>&1
st=$?
[ $st -eq 1 ] || fail "a missed expectation exited $st, expected 1"
grep -q "expected clean, found quiescence (violation): MISSED" "$WORK/miss.txt" ||
	fail "missed expectation not reported: $(cat "$WORK/miss.txt")"

# a found bug replays to the same failure; its program line names the scenario and its hash
sched="$WORK/out/b03-no-page-match-1.schedule"
[ -f "$sched" ] || fail "no schedule written for b03"
grep -q "^program b03-no-page-match.pcs [0-9a-f]\{16\}$" "$sched" || fail "program line"
"$PCSIM" replay "$DIR/zoo/b03-no-page-match.pcs" "$sched" >"$WORK/replay.txt" 2>&1
st=$?
[ $st -eq 1 ] || fail "replay exited $st, expected 1"
grep -q "violation (P2)" "$WORK/replay.txt" || fail "replay: not the same failure"
# the same name with another text: refused
sed 's/^explore schedules=2000/explore schedules=2001/' "$DIR/zoo/b03-no-page-match.pcs" \
	>"$WORK/b03-no-page-match.pcs"
"$PCSIM" replay "$WORK/b03-no-page-match.pcs" "$sched" >"$WORK/replay2.txt" 2>&1
st=$?
[ $st -eq 2 ] || fail "replay with another scenario text exited $st, expected 2"

# run: one execution, exit status by outcome
"$PCSIM" run "$DIR/async-retry.pcs" >/dev/null 2>&1 || fail "run async-retry.pcs"
"$PCSIM" run "$DIR" >/dev/null 2>&1
[ $? -eq 2 ] || fail "run of a directory should be a usage error"
echo "scenario library: ok"
