#!/bin/sh
# SPDX-License-Identifier: MIT
#
# check.sh PCSIM MODE FILE... - run `pcsim litmus --mem MODE --summary` on each litmus file and
# check its verdict twice: the exit status (0: nothing weaker than the LKMM "Result:" line) and
# the verdict pcsim must give in MODE, which each file of tests/litmus/ states on its
# " * pcsim: sc=... tso=..." line (a mode stronger than LKMM may say Never where LKMM says
# Sometimes; it must say exactly what the line says, so a mode that became stronger or weaker
# than it was shows up here too).
set -u
pcsim=$1
mode=$2
shift 2
fail=0
for f in "$@"; do
	want=$(sed -n "s/^ \* pcsim:.* $mode=\([A-Za-z]*\).*/\1/p; s/^ \* pcsim: $mode=\([A-Za-z]*\).*/\1/p" "$f" | head -n 1)
	if [ -z "$want" ]; then
		echo "FAIL $f: no ' * pcsim: $mode=...' line"
		fail=1
		continue
	fi
	out=$("$pcsim" litmus --mem "$mode" --summary "$f" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	got=$(printf '%s\n' "$out" | awk '{ print $3 }' | head -n 1)
	if [ $rc -ne 0 ]; then
		echo "FAIL $f ($mode): pcsim litmus exited $rc"
		fail=1
	elif [ "$got" != "$want" ]; then
		echo "FAIL $f ($mode): observed $got, the file says $want"
		fail=1
	fi
done
exit $fail
