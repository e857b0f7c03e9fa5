#!/bin/sh
# SPDX-License-Identifier: MIT
# Bad schedule files through the command line (docs/robustness.md): exit status 2 and the
# message "pcsim: FILE:LINE:COL: ..." for what the parser rejects, never a crash; exit 1 for a
# schedule with a blank program line that replays to its failure. Usage: cli.sh PCSIM TMPDIR
set -u
PCSIM=$1
TMP=$2
rm -rf "$TMP" && mkdir -p "$TMP"
pass=0
fail=0
CFG="backend=sim cpus=2 mem=sc max_steps=1000000 store_buffer=8 spurious=0 timed=0 step_ns=10"
CFG="$CFG checks=7 wait_table_bits=8 walk_break=64 unfairness=5 inject=0 lock_profile=5.9 bugs=0"

# sched NAME PROGRAM-LINE CONFIG-LINE CHOICE...: write $TMP/NAME
sched() {
	f="$TMP/$1" p=$2 c=$3
	shift 3
	{
		echo "pcsim-schedule 1"
		echo "$p"
		echo "$c"
		echo "choices $#"
		for ch in "$@"; do echo "$ch"; done
		echo "end"
	} > "$f"
}

# expect STATUS PATTERN -- ARGS...: exit status STATUS and PATTERN (grep -E) in stdout+stderr
expect() {
	want=$1 pat=$2
	shift 3
	out=$("$PCSIM" "$@" 2>&1)
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL: pcsim $*: exit $got, want $want"; echo "$out" | tail -5
		fail=$((fail + 1))
	elif [ -n "$pat" ] && ! printf '%s\n' "$out" | grep -Eq -- "$pat"; then
		echo "FAIL: pcsim $*: no /$pat/ in:"; echo "$out" | tail -5; fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
}

# Blank program and config lines: read as empty, not a heap overflow.
sched blank "program   " "config " "run T1"
expect 2 "recorded for program '', not 'micro-lost-wakeup'" -- replay micro-lost-wakeup \
	"$TMP/blank"
# Choice targets out of range: an error at the number, not another kind of choice.
sched t1001 "program micro-lost-wakeup" "config $CFG" "run T1001"
expect 2 "^pcsim: $TMP/t1001:5:6: target 1001 out of range \(a task id is 1..256\)$" -- \
	replay micro-lost-wakeup "$TMP/t1001"
sched ewrap "program micro-lost-wakeup" "config $CFG" "run T1" "run E4294967295"
expect 2 "^pcsim: $TMP/ewrap:6:6: target 4294967295 out of range" -- \
	replay micro-lost-wakeup "$TMP/ewrap"
sched cpu64 "program micro-lost-wakeup" "config $CFG" "flush cpu64"
expect 2 "^pcsim: $TMP/cpu64:5:10: target 64 out of range \(a CPU number is 0..63\)$" -- \
	replay micro-lost-wakeup "$TMP/cpu64"
# A config value wider than its field, at its line and column.
sched wide "program micro-lost-wakeup" "config cpus=2 bugs=0x10000000000000000" "run T1"
expect 2 "^pcsim: $TMP/wide:3:20: bad value '0x10000000000000000' for bugs \(none" -- \
	replay micro-lost-wakeup "$TMP/wide"
# A schedule recorded on the threads backend does not replay (lenient or not).
sched thr "program micro-lost-wakeup" "config backend=threads" "run T1"
expect 2 "sim backend only" -- replay micro-lost-wakeup "$TMP/thr" --lenient
expect 2 "sim backend only" -- replay micro-lost-wakeup "$TMP/thr"

echo "robustness cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
