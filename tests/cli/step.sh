#!/bin/sh
# SPDX-License-Identifier: MIT
# `pcsim step` (tools/pcsim/step.c) driven by here-docs: options picked by number are the ones
# taken, `state` and `trace` show what they should and do not change the execution, `b` comes
# back to the same decision, `w FILE` writes a schedule that `pcsim replay` replays to the same
# outcome, a schedule given to step is replayed up to its end, bad usage is exit 2. Then every
# `$ pcsim` line of docs/tutorial.md is run (in a copy of scenarios/ and docs/tutorial/) and its
# exit status checked against the "# exit N" written after it (0 when none); the pictures it
# draws must be the ones committed in docs/tutorial/.
# Usage: step.sh PCSIM SOURCE_DIR TMPDIR
set -u
PCSIM=$1
SRC=$2
TMP=$3
case $PCSIM in /*) ;; *) PCSIM=$PWD/$PCSIM ;; esac
case $SRC in /*) ;; *) SRC=$PWD/$SRC ;; esac
rm -rf "$TMP" && mkdir -p "$TMP"
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# step_run NAME ARGS... < commands: the transcript in $TMP/NAME.out, the status in $st
step_run() {
	name=$1
	shift
	"$PCSIM" step "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	st=$?
}

# has NAME PATTERN: the transcript holds PATTERN (grep -E)
has() {
	if grep -Eq -- "$2" "$TMP/$1.out"; then ok; else
		bad "$1: no /$2/ in the transcript"; tail -5 "$TMP/$1.out"
	fi
}

# 1. Pick the lost wakeup by hand: waiter reads the flag, then the waker runs to its end.
step_run lw micro-lost-wakeup <<EOF
1
2
state
2
trace
2
state
w $TMP/lw.schedule
q
EOF
[ "$st" -eq 1 ] && ok || bad "lw: exit $st, want 1 (the execution ended in a deadlock)"
has lw "^-> T1 waiter: start"
has lw "^-> T2 waker: start"
has lw "T1 waiter +cpu0 +on its cpu, state TASK_RUNNING"
has lw "load flag -> 0"
has lw "the execution ended: deadlock"
has lw "T1 waiter +cpu0 +sleeping, state TASK_UNINTERRUPTIBLE"
has lw "T2 waker +cpu1 +exited"
out=$("$PCSIM" replay micro-lost-wakeup "$TMP/lw.schedule" 2>&1)
rst=$?
[ "$rst" -eq 1 ] && ok || bad "replay of the stepped schedule: exit $rst, want 1"
printf '%s\n' "$out" | grep -q "deadlock (deadlock)" && ok ||
	bad "replay of the stepped schedule: not the same outcome: $(printf '%s' "$out" | tail -3)"

# 2. The other order of the same program is clean: the stepper really takes the option given.
step_run lw2 micro-lost-wakeup <<EOF
2
s 100
w $TMP/lw2.schedule
q
EOF
[ "$st" -eq 0 ] && ok || bad "lw2: exit $st, want 0"
has lw2 "the execution ended: ok"
"$PCSIM" replay micro-lost-wakeup "$TMP/lw2.schedule" >/dev/null 2>&1 && ok ||
	bad "replay of lw2's schedule did not end ok"

# 3. Looking changes nothing: all defaults with `state` and `trace` at every decision write the
# same schedule as all defaults without them.
{ for i in $(seq 400); do echo d; done; echo "w $TMP/plain.schedule"; echo q; } |
	step_run plain "$SRC/scenarios/async-retry.pcs"
{ for i in $(seq 400); do printf 'state\ntrace\nd\n'; done; echo "w $TMP/looked.schedule"
	echo q; } | step_run looked "$SRC/scenarios/async-retry.pcs"
if [ -s "$TMP/plain.schedule" ] && cmp -s "$TMP/plain.schedule" "$TMP/looked.schedule"; then
	ok
else
	bad "state/trace changed the execution (plain.schedule and looked.schedule differ)"
fi
has looked "bucket [0-9]+ +page 0 PG_locked, async callback"
has looked "page 0 +file 5 index 0 +refs [0-9]+ +flags locked\|waiters"
"$PCSIM" replay "$SRC/scenarios/async-retry.pcs" "$TMP/plain.schedule" >/dev/null 2>&1 && ok ||
	bad "replay of the all-defaults schedule did not end ok"

# 4. `b` comes back to the decision before, by replaying the prefix; a partial `w` replays
# leniently.
step_run back micro-lost-wakeup <<EOF
1
b
2
b
1
w $TMP/partial.schedule
q
EOF
[ "$st" -eq 0 ] && ok || bad "back: exit $st, want 0 (quit mid-way)"
n=$(grep -c "^decision 1 at step 1" "$TMP/back.out")
[ "$n" -eq 3 ] && ok || bad "back: decision 1 shown $n times, want 3"
has back "^-> T2 waker: start"
grep -q "^choices 1$" "$TMP/partial.schedule" && ok || bad "partial schedule: not 1 choice"
"$PCSIM" replay --lenient micro-lost-wakeup "$TMP/partial.schedule" >/dev/null 2>&1
rst=$?
[ "$rst" -le 1 ] && ok || bad "lenient replay of a partial schedule: exit $rst"

# 5. A schedule given to step replays to its end; the end state is there to look at.
step_run fromsched micro-lost-wakeup "$TMP/lw.schedule" <<EOF
state
q
EOF
[ "$st" -eq 1 ] && ok || bad "fromsched: exit $st, want 1"
has fromsched "replayed 4 choices to the end"
has fromsched "T1 waiter +cpu0 +sleeping"

# 5b. The rings in `state`: heads and tails, each request where it is, callbacks by name (the
# tutorial's first scenario: two reads arm, page 0's completion queues the first one's retry).
step_run ring "$SRC/scenarios/async-retry.pcs" <<EOF
state
s 49
state
s 83
state
3
s 15
state
s 100000
state
q
EOF
[ "$st" -eq 0 ] && ok || bad "ring: exit $st, want 0"
has ring "^rings: \(none entered yet\)"
has ring "^  ring 0 \(rasync, of T1\): SQ head [0-9]+ tail 2, CQ head 0 tail 0 of 8"
has ring "request 1 READ user_data 1 \(4096 bytes, 0 done\): armed \(io_async_buf_func waits for page 0 to unlock\)"
has ring "request 2 READ user_data 2 \(4096 bytes, 0 done\): armed \(io_async_buf_func waits for page 1 to unlock\)"
has ring "request 1 READ user_data 1 .*task_work queued to T1: io_req_task_submit \(the retry\)"
has ring "CQE posted|\(no request in flight\)"
if grep -Eq "0x[0-9a-f]{6,}" "$TMP/ring.out"; then bad "ring: a pointer in the state"; else ok; fi

# 6. Usage errors: 2, with a reason.
for args in "" "nosuch-program" "micro-lost-wakeup --strategy dfs" "$SRC/scenarios" \
	"micro-lost-wakeup --backend threads" "micro-lost-wakeup $TMP/nosuch.schedule" \
	"micro-fixed $TMP/lw.schedule" "micro-lost-wakeup $TMP/lw.schedule --cpus 3"; do
	# shellcheck disable=SC2086
	"$PCSIM" step $args </dev/null >"$TMP/usage.out" 2>&1
	rst=$?
	[ "$rst" -eq 2 ] && ok || { bad "pcsim step $args: exit $rst, want 2"; tail -3 "$TMP/usage.out"; }
done
step_run junk micro-lost-wakeup <<EOF
frobnicate
99
s x
1
q
EOF
has junk "unknown command 'frobnicate'"
has junk "no option '99'"

# 7. The tutorial's commands, as written, from a copy of the files they use.
T="$TMP/tutorial"
mkdir -p "$T/docs" && cp -r "$SRC/scenarios" "$T/" && cp -r "$SRC/docs/tutorial" "$T/docs/"
ncmd=0
grep -E '^\$ pcsim ' "$SRC/docs/tutorial.md" >"$TMP/tutorial.cmds"
while IFS= read -r line; do
	cmd=${line#\$ pcsim }
	want=0
	case "$cmd" in
	*"# exit "*) want=${cmd##*# exit }; cmd=${cmd%%# exit *} ;;
	esac
	ncmd=$((ncmd + 1))
	(cd "$T" && eval "\"\$PCSIM\" $cmd") >"$TMP/tcmd.out" 2>&1 </dev/null
	rst=$?
	if [ "$rst" -eq "$want" ]; then ok; else
		bad "tutorial: pcsim $cmd: exit $rst, want $want"; tail -5 "$TMP/tcmd.out"
	fi
done <"$TMP/tutorial.cmds"
[ "$ncmd" -ge 6 ] && ok || bad "tutorial: only $ncmd '\$ pcsim' commands found"
# The pictures in docs/tutorial/ are the ones these commands draw (pictures are byte-for-byte
# deterministic); after an intended change of the model or of the pictures, refresh them with
#   PCSIM_UPDATE_GOLDEN=1 tests/cli/step.sh build/asan/bin/pcsim . /tmp/step
for f in async-retry.svg b03-p2.svg b03-hang.svg; do
	if [ ! -s "$T/$f" ]; then
		bad "tutorial: $f was not drawn"
	elif [ -n "${PCSIM_UPDATE_GOLDEN:-}" ]; then
		cp "$T/$f" "$SRC/docs/tutorial/$f" && ok
	elif cmp -s "$T/$f" "$SRC/docs/tutorial/$f"; then
		ok
	else
		bad "tutorial: docs/tutorial/$f is not what the tutorial's commands draw now" \
			"(PCSIM_UPDATE_GOLDEN=1 tests/cli/step.sh PCSIM SRC TMP refreshes it)"
	fi
done

echo "step: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
