#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Usage: scripts/test-summary.sh <ctest-junit.xml>...
#
# Sums tests=, failures= (+ errors=) and skipped= over CTest JUnit files
# (ctest --output-junit) and prints, as its last line,
#   "N passed, M failed"  or  "N passed, M failed, K skipped"
# with N = tests - failures - skipped.  "failed" includes errors= and tests
# CTest could not run (e.g. missing executable); "skipped" is tests skipped
# via SKIP_RETURN_CODE/SKIP_REGULAR_EXPRESSION plus DISABLED tests.
# A missing/unreadable file, or one that records zero tests, counts as one
# failure (noted on stderr).
# Exit status: 1 if M > 0, else 0.
set -uo pipefail

if [[ $# -eq 0 ]]; then
	echo "usage: $0 <junit.xml>..." >&2
	exit 2
fi

total=0
failed=0
skipped=0

attr() {	# attr <file> <name> -> integer value of /testsuite/@<name> (0 if absent)
	local v
	v=$(xmllint --xpath "string(/testsuite/@$2)" "$1" 2>/dev/null) || v=""
	[[ "$v" =~ ^[0-9]+$ ]] || v=0
	printf '%s' "$v"
}

for f in "$@"; do
	if [[ ! -r "$f" ]]; then
		echo "test-summary: $f: missing (build or ctest did not run); counted as 1 failure" >&2
		total=$((total + 1))
		failed=$((failed + 1))
		continue
	fi
	if ! xmllint --noout "$f" 2>/dev/null; then
		echo "test-summary: $f: not well-formed XML; counted as 1 failure" >&2
		total=$((total + 1))
		failed=$((failed + 1))
		continue
	fi
	t=$(attr "$f" tests)
	fl=$(attr "$f" failures)
	er=$(attr "$f" errors)
	sk=$(attr "$f" skipped)
	dis=$(attr "$f" disabled)
	# CTest puts every "not run" test under skipped=.  Only SKIP_RETURN_CODE /
	# SKIP_REGULAR_EXPRESSION skips are real skips; others ("Unable to find
	# executable", failed fixtures, ...) are failures for CTest, so here too.
	sk_ok=$(xmllint --xpath \
		"count(/testsuite/testcase/skipped[starts-with(@message,'SKIP_')])" \
		"$f" 2>/dev/null) || sk_ok=0
	[[ "$sk_ok" =~ ^[0-9]+$ ]] || sk_ok=0
	((sk_ok > sk)) && sk_ok=$sk
	notrun=$((sk - sk_ok))
	if ((notrun > 0)); then
		echo "test-summary: $f: $notrun test(s) could not run; counted as failures" >&2
	fi
	fl=$((fl + notrun))
	sk=$((sk_ok + dis))
	if [[ "$t" -eq 0 ]]; then
		echo "test-summary: $f: no tests ran; counted as 1 failure" >&2
		total=$((total + 1))
		failed=$((failed + 1))
		continue
	fi
	total=$((total + t))
	failed=$((failed + fl + er))
	skipped=$((skipped + sk))
done

passed=$((total - failed - skipped))
((passed < 0)) && passed=0

if [[ "$skipped" -gt 0 ]]; then
	echo "${passed} passed, ${failed} failed, ${skipped} skipped"
else
	echo "${passed} passed, ${failed} failed"
fi

[[ "$failed" -eq 0 ]]
