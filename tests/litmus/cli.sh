#!/bin/sh
# SPDX-License-Identifier: MIT
#
# cli.sh PCSIM WORKDIR - the exit statuses of `pcsim litmus`: 0 consistent or stronger, 1 a
# verdict weaker than the test's "Result:", 2 a parse error (FILE:LINE:COL on stderr), a
# missing file or bad usage; other files still run after a parse error.
set -u
pcsim=$1
dir=$2
mkdir -p "$dir"
fail=0
check() {	# check WANT_RC GREP_PATTERN -- ARGS...
	want=$1 pat=$2
	shift 3
	out=$("$pcsim" litmus "$@" 2>&1)
	rc=$?
	if [ $rc -ne "$want" ] || ! printf '%s\n' "$out" | grep -q -- "$pat"; then
		printf 'FAIL: pcsim litmus %s: exit %d (want %d), output:\n%s\n' "$*" $rc "$want" "$out"
		fail=1
	fi
}
cat > "$dir/bad.litmus" <<'T'
C bad
{}
P0(int *x)
{
	WRITE_ONCE(*x, 1)
}
exists (x=1)
T
cat > "$dir/lost.litmus" <<'T'
C lost
(* Result: Never *)
{}
P0(int *x) { int r0; r0 = READ_ONCE(*x); WRITE_ONCE(*x, r0 + 1); }
P1(int *x) { int r0; r0 = READ_ONCE(*x); WRITE_ONCE(*x, r0 + 1); }
exists (x=1)
T
src=$(dirname "$0")
check 0 'Expected Sometimes (LKMM), observed Sometimes: consistent' -- --mem tso "$src/SB.litmus"
check 0 'observed Never: stronger' -- --mem sc "$src/SB.litmus"
check 1 'WEAKER' -- "$dir/lost.litmus"
check 2 "$dir/bad.litmus:6:1: expected ';', found '}'" -- "$dir/bad.litmus"
check 2 'Observation SB' -- "$dir/bad.litmus" "$src/SB.litmus"
check 2 'No such file' -- "$dir/missing.litmus"
check 2 'not a mode' -- --mem pso "$src/SB.litmus"
check 2 'no litmus file' -- --mem sc
check 0 'Mode sc: .* NOT exhaustive' -- --executions 3 "$src/SB.litmus"
check 0 'tso Sometimes' -- --preemptions unbounded --mem tso --summary "$src/SB.litmus"
check 2 'preemptions' -- --preemptions lots "$src/SB.litmus"
# the state cache: on by default for unbounded DFS, off with --no-cache or a preemption bound
check 0 'Mode tso: .* exhaustive, state cache: ' -- --mem tso "$src/SB.litmus"
check 0 'tso Sometimes .* s cached$' -- --mem tso --summary "$src/SB.litmus"
check 0 'Mode tso: [0-9]* executions, exhaustive$' -- --no-cache --mem tso "$src/SB.litmus"
check 0 'Mode tso: [0-9]* executions, exhaustive$' -- --preemptions 2 --mem tso "$src/SB.litmus"
exit $fail
