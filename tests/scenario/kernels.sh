#!/bin/sh
# SPDX-License-Identifier: MIT
# Kernel profiles and coverage through the command line (docs/scenarios.md sections 5, 8, 9):
# `pcsim explore FILE --kernel all` runs the scenario once per profile, oldest first, each
# judged by the verdict that names the profile (`expect ... on kernel LIST`); a profile no
# verdict names is run and "not judged"; --kernel all is refused for built-in programs and for
# `run`; `--coverage` prints the exits of the wait functions (text and --json).
# With ALL=1 the whole library runs under every profile at each file's own budget (the soak
# test): every run must meet the expectation that names its profile.
# Usage: kernels.sh PCSIM SCENARIO_DIR WORKDIR
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

if [ -n "${ALL:-}" ]; then
	"$PCSIM" explore "$DIR" --kernel all --out "$WORK/out" >"$WORK/all.txt" 2>&1
	cat "$WORK/all.txt"
	n=$(find "$DIR" -name '*.pcs' | wc -l)
	grep -q ": $n scenario(s) under 4 kernel profiles ($((n * 4)) runs)" "$WORK/all.txt" ||
		fail "not every scenario ran under every profile"
	if grep -E '\[kernel [0-9.]+\]: .*: (MISSED|not judged)' "$WORK/all.txt"; then
		fail "a run missed its expectation (or no verdict names its profile)"
	fi
	grep -q "($((n * 4)) runs): $((n * 4)) met their expectation" "$WORK/all.txt" ||
		fail "not every run met its expectation"
	echo "scenario kernels (all): ok"
	exit 0
fi

# a scenario with a verdict per profile: 4 runs, in order, each judged by its own verdict
cat >"$WORK/k.pcs" <<'PCS'
explore schedules=50
file d size=4K
page d 0
task t { lock_page d 0 }
expect find quiescence on kernel 5.9,5.10
expect quiescent on kernel 5.9,5.10
expect clean on kernel 5.8
PCS
"$PCSIM" explore "$WORK/k.pcs" --kernel all --out "$WORK/out" >"$WORK/k.txt" 2>&1
st=$?
cat "$WORK/k.txt"
[ $st -eq 0 ] || fail "--kernel all exited $st, expected 0 (met, met, met, not judged)"
[ "$(grep -c '\[kernel ' "$WORK/k.txt")" -eq 4 ] || fail "not four runs"
grep '\[kernel ' "$WORK/k.txt" | sed 's/.*\[kernel \([0-9.]*\)\].*/\1/' | tr '\n' ' ' |
	grep -qx '5.8 5.9 5.10 6.18 ' || fail "profiles not run oldest first"
grep -q "k.pcs \[kernel 5.8\]: expected clean, found nothing: met" "$WORK/k.txt" ||
	fail "5.8: the predicate of other profiles was checked"
grep -q "k.pcs \[kernel 5.10\]: expected find quiescence, found quiescence (violation): met" \
	"$WORK/k.txt" || fail "5.10 not judged by its verdict"
grep -q "k.pcs \[kernel 6.18\]: expected nothing (no expectation for this kernel profile), found nothing: not judged" \
	"$WORK/k.txt" || fail "6.18 should be run and not judged"
grep -q "1 scenario(s) under 4 kernel profiles (4 runs): 3 met their expectation, 0 missed, 1 not judged" \
	"$WORK/k.txt" || fail "summary"
[ -f "$WORK/out/k-k5.9-1.schedule" ] && [ -f "$WORK/out/k-k5.10-1.schedule" ] ||
	fail "each profile's finding has its own schedule"
grep -q "^config.*kernel=5.9" "$WORK/out/k-k5.9-1.schedule" || fail "the schedule records kernel=5.9"
"$PCSIM" replay "$WORK/k.pcs" "$WORK/out/k-k5.9-1.schedule" >/dev/null 2>&1
[ $? -eq 1 ] || fail "the 5.9 schedule does not replay to its violation"

# one profile: the run is judged by that profile's verdict
"$PCSIM" explore "$WORK/k.pcs" --kernel 5.8 --out "$WORK/out" >"$WORK/k58.txt" 2>&1
[ $? -eq 0 ] || fail "--kernel 5.8: $(cat "$WORK/k58.txt")"
grep -q "^$WORK/k.pcs: expected clean, found nothing: met" "$WORK/k58.txt" || fail "--kernel 5.8 line"
"$PCSIM" explore "$WORK/k.pcs" --out "$WORK/out" >"$WORK/k510.txt" 2>&1
[ $? -eq 0 ] || fail "default profile (5.10): $(cat "$WORK/k510.txt")"

# a miss under one profile is exit 1
sed 's/expect clean on kernel 5.8/expect find P3 on kernel 5.8/' "$WORK/k.pcs" >"$WORK/m.pcs"
"$PCSIM" explore "$WORK/m.pcs" --all-kernels --out "$WORK/out" >"$WORK/m.txt" 2>&1
[ $? -eq 1 ] || fail "a missed profile should exit 1"
grep -q "m.pcs \[kernel 5.8\]: expected find P3, found nothing: MISSED" "$WORK/m.txt" ||
	fail "the 5.8 miss is not reported"

# JSON: one object per run with its profile, and the summary
"$PCSIM" explore "$WORK/k.pcs" --kernel all --json --out "$WORK/out" >"$WORK/k.json" 2>/dev/null
python3 - "$WORK/k.json" <<'PY' || fail "--json"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
runs = [r for r in rows if "kernel" in r]
assert [r["kernel"] for r in runs] == ["5.8", "5.9", "5.10", "6.18"], runs
assert [r["judged"] for r in runs] == [True, True, True, False], runs
assert runs[1]["expect"] == "find quiescence" and runs[3]["expect"] == "none", runs
s = rows[-1]["summary"]
assert s["runs"] == 4 and s["met"] == 3 and s["not_judged"] == 1 and s["all_kernels"], s
PY

# refused: a built-in program (no verdicts to judge by), run, a bad profile
"$PCSIM" explore micro-fixed --kernel all >/dev/null 2>"$WORK/e1.txt"
[ $? -eq 2 ] || fail "--kernel all with a built-in program should be a usage error"
grep -q "for scenario files" "$WORK/e1.txt" || fail "message: $(cat "$WORK/e1.txt")"
"$PCSIM" run "$WORK/k.pcs" --kernel all >/dev/null 2>&1
[ $? -eq 2 ] || fail "run --kernel all should be a usage error"
"$PCSIM" explore "$WORK/k.pcs" --kernel 5.11 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--kernel 5.11 should be a usage error"

# coverage: the table after the scenarios, every site listed, reached and never reached
"$PCSIM" explore "$DIR/zoo/b13-waitq-left-set.pcs" --coverage --out "$WORK/out" \
	>"$WORK/c.txt" 2>&1
[ $? -eq 0 ] || fail "--coverage: $(cat "$WORK/c.txt")"
grep -q "^coverage: exits of the wait functions ([0-9]* of [0-9]* reached)" "$WORK/c.txt" ||
	fail "no coverage table"
grep -Eq "io_rw_should_retry +[1-9][0-9]*  true" "$WORK/c.txt" || fail "io_rw_should_retry true not counted"
grep -q "^never reached: " "$WORK/c.txt" || fail "no never-reached list"
"$PCSIM" explore "$DIR/zoo/b13-waitq-left-set.pcs" --coverage --json --out "$WORK/out" \
	>"$WORK/c.json" 2>/dev/null
python3 - "$WORK/c.json" <<'PY' || fail "--coverage --json"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
c = [r for r in rows if "coverage" in r][0]["coverage"]
assert c["total"] == len(c["sites"]) and 0 < c["reached"] < c["total"], c
got = {(s["function"], s["exit"]): s["count"] for s in c["sites"]}
assert got[("__wait_on_page_locked_async", "-EIOCBQUEUED: callback armed")] > 0, got
assert got[("io_cqring_wait", "-ETIME: timed out")] == 0, got
PY
# a built-in program too; and counting changes nothing: the same report with and without
"$PCSIM" explore uring-b13 --bug b13 --out "$WORK/out" >"$WORK/b1.txt" 2>&1
"$PCSIM" explore uring-b13 --bug b13 --coverage --out "$WORK/out" >"$WORK/b2.txt" 2>&1
grep -q "^coverage: " "$WORK/b2.txt" || fail "--coverage on a built-in program"
sed '/^coverage: /,$d' "$WORK/b2.txt" | cmp -s - "$WORK/b1.txt" ||
	fail "--coverage changed the exploration's report"
"$PCSIM" explore uring-b13 --coverage --jobs 2 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--coverage --jobs should be a usage error"
echo "scenario kernels: ok"
