#!/bin/sh
# SPDX-License-Identifier: MIT
# The threads backend out of file descriptors, through the command line (docs/robustness.md
# §4): with `ulimit -n` too low for the completion threads' libev loops and their eventfds the
# run reports the internal outcome (exit 3) with the reason, and never aborts (libev used to,
# from inside ev_async_start(): exit 134). With enough descriptors the same run is clean.
# Usage: robust_fds.sh PCSIM
set -u
PCSIM=$1
fail=0

run() {
	lim=$1
	out=$( (ulimit -n "$lim" && "$PCSIM" explore uring-rasync --backend threads --cpus 4 \
		--schedules 3) 2>&1)
	echo $? "$out"
}

# The lowest limits: the loops cannot all be made. Descriptors inherited from the caller
# (ctest -j, flock, a CI runner) count against the limit too, so the lowest ones may not even
# let the dynamic loader start the binary (exit 127): not pcsim's to report, skipped.
low=0
for lim in 5 6 7 8 9 10 11 12 13 14 15 16; do
	got=$(run $lim)
	st=${got%% *}
	case "$st" in
	0) ;;	# enough already (fewer descriptors inherited than counted on)
	3)
		low=1
		echo "$got" | grep -q "cannot start the completion threads: Too many open files" || {
			echo "FAIL limit $lim: exit 3 without the reason: $got"
			fail=1
		}
		;;
	127)
		echo "$got" | grep -q "error while loading shared libraries" || {
			echo "FAIL limit $lim: exit 127: $got"
			fail=1
		}
		;;
	*)
		echo "FAIL limit $lim: exit $st (an abort is 134): $got"
		fail=1
		;;
	esac
done
# Some limit must have been too low for the loops, or the test proves nothing.
[ $low = 1 ] || { echo "FAIL: no limit from 5 to 16 was too low for the completion threads"; fail=1; }
got=$(run 64)
case "${got%% *}" in
0) ;;
*) echo "FAIL limit 64: expected a clean run: $got"; fail=1 ;;
esac
[ $fail = 0 ] && echo "robust_fds: ok"
exit $fail
