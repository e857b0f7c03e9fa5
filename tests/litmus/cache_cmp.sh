#!/bin/sh
# SPDX-License-Identifier: MIT
#
# cache_cmp.sh PCSIM MODE FILE... - run each litmus file in MODE with the state cache (the
# default) and without it (--no-cache) and check that both searches are exhaustive and reach
# the same set of final states (the `*>`/`:>` lines without their counts, which differ by
# design) and the same observation. docs/litmus.md "The state cache". The plain searches of
# the larger files take minutes: CTest runs this under the soak label only.
set -u
pcsim=$1
mode=$2
shift 2
fail=0
states() {	# the sorted state lines of a result block, without counts
	sed -n 's/^[0-9][0-9]* *\([*:]>.*\)/\1/p' | sort
}
for f in "$@"; do
	a=$("$pcsim" litmus --mem "$mode" "$f" 2>&1)
	b=$("$pcsim" litmus --no-cache --mem "$mode" "$f" 2>&1)
	for out in "$a" "$b"; do
		if ! printf '%s\n' "$out" | grep -q '^Mode .*, exhaustive'; then
			echo "FAIL $f ($mode): a search was not exhaustive:"
			printf '%s\n' "$out"
			fail=1
		fi
	done
	sa=$(printf '%s\n' "$a" | states)
	sb=$(printf '%s\n' "$b" | states)
	oa=$(printf '%s\n' "$a" | sed -n 's/^Observation [^ ]* \([A-Za-z]*\) .*/\1/p')
	ob=$(printf '%s\n' "$b" | sed -n 's/^Observation [^ ]* \([A-Za-z]*\) .*/\1/p')
	if [ -z "$sa" ] || [ "$sa" != "$sb" ] || [ "$oa" != "$ob" ]; then
		printf 'FAIL %s (%s): cached and plain differ\n--- cached (%s)\n%s\n--- plain (%s)\n%s\n' \
			"$f" "$mode" "$oa" "$sa" "$ob" "$sb"
		fail=1
	else
		echo "ok $f ($mode): $(printf '%s\n' "$sa" | wc -l) states, $oa"
	fi
done
exit $fail
