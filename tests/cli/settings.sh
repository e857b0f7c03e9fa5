#!/bin/sh
# SPDX-License-Identifier: MIT
# Every setting of the settings table on the command line (the C side is
# tests/unit/test_settings.c): `--option VALUE` reaches the run, a recorded setting is written
# into the schedule's config line in its canonical form, and the schedule replays to the same
# failure with it. A setting that `pcsim settings` lists and this file does not cover fails the
# test, so a new row cannot skip the command line; and docs/settings.md's table must be what
# `pcsim settings --markdown` prints. Usage: settings.sh PCSIM TMPDIR [DOCS/settings.md]
set -u
PCSIM=$1
TMP=$2
DOC=${3:-}
rm -rf "$TMP" && mkdir -p "$TMP"
pass=0
fail=0
covered=""

bad() {
	echo "FAIL: $*"
	fail=$((fail + 1))
}

# recorded KEY VALUE CANONICAL: explore micro-lost-wakeup with --KEY VALUE, find the word
# KEY=CANONICAL in the schedule's config line, replay it.
recorded() {
	key=$1 value=$2 canon=$3
	covered="$covered $key"
	opt=$(printf '%s' "$key" | tr _ -)
	dir="$TMP/$key-$(printf '%s' "$value" | tr -c 'a-zA-Z0-9' _)"
	mkdir -p "$dir"
	out=$("$PCSIM" explore micro-lost-wakeup --"$opt" "$value" --out "$dir" 2>&1)
	st=$?
	sched=$(ls "$dir"/*.schedule 2>/dev/null | head -1)
	if [ "$st" -ne 1 ] || [ -z "$sched" ]; then
		bad "explore --$opt $value: exit $st, schedule '${sched}'"
		echo "$out" | tail -3
		return
	fi
	if ! grep -q "^config .*\\b$key=$canon\\( \\|\$\\)" "$sched"; then
		bad "--$opt $value: no '$key=$canon' in: $(grep '^config' "$sched")"
		return
	fi
	out=$("$PCSIM" replay micro-lost-wakeup "$sched" 2>&1)
	st=$?
	if [ "$st" -ne 1 ]; then
		bad "replay of --$opt $value: exit $st"
		echo "$out" | tail -3
		return
	fi
	pass=$((pass + 1))
}

# unrecorded KEY VALUE: accepted by run, absent from schedules, accepted by replay too.
unrecorded() {
	key=$1 value=$2
	covered="$covered $key"
	opt=$(printf '%s' "$key" | tr _ -)
	if ! "$PCSIM" run micro-fixed --"$opt" "$value" >/dev/null 2>&1; then
		bad "run micro-fixed --$opt $value failed"
		return
	fi
	pass=$((pass + 1))
}

recorded backend sim sim
recorded cpus 3 3
recorded mem tso tso
recorded max_steps 500000 500000
recorded store_buffer 4 4
recorded spurious 2 2
recorded timed 1 1
recorded step_ns 20 20
recorded checks strict-p6 strict-p6
recorded checks 15 strict-p6
recorded wait_table_bits 0 0
recorded walk_break 2 2
recorded unfairness 0 0
recorded inject 0 0
recorded lock_profile 5.8 5.8
recorded bugs b03,b16 b03,b16
recorded readahead 8 8
recorded device perf-anchor perf-anchor
recorded device_slots 4 4
recorded latency 12us..25us 12us..25us
recorded ring_mode offload offload
recorded iowq_workers 3 3
recorded kernel 6.18 6.18
recorded device_irq_batch 4 4
recorded device_idle 33us 33us
recorded device_idle 1500 1500us
recorded req_cache 1 1
unrecorded watchdog 5s
unrecorded threads_timeout 30
unrecorded stack_size 131072
unrecorded trace_events 0

# the documented table is the table (stack_size's default differs under sanitizers)
if [ -n "$DOC" ]; then
	"$PCSIM" settings --markdown | grep -v '^| `stack_size`' > "$TMP/table.md"
	awk '/^\| key \| option \|/ { t = 1 } t && !/^\|/ { exit } t' "$DOC" |
		grep -v '^| `stack_size`' > "$TMP/doc.md"
	if cmp -s "$TMP/table.md" "$TMP/doc.md"; then
		pass=$((pass + 1))
	else
		bad "$DOC's table is not 'pcsim settings --markdown' (regenerate it):"
		diff "$TMP/doc.md" "$TMP/table.md" | head -10
	fi
fi

# every row of the table is covered above
for key in $("$PCSIM" settings | awk '/^[a-z]/ { print $1 }'); do
	case " $covered " in
	*" $key "*) ;;
	*) bad "setting '$key' is not tested on the command line (add it to $0)" ;;
	esac
done

# replay refuses what the schedule records, takes what it does not
sched=$(ls "$TMP"/cpus-3/*.schedule | head -1)
out=$("$PCSIM" replay micro-lost-wakeup "$sched" --lock-profile 5.8 2>&1)
if [ $? -ne 2 ] || ! printf '%s' "$out" | grep -q "replay: --lock-profile has no effect"; then
	bad "replay --lock-profile: $out"
else
	pass=$((pass + 1))
fi
"$PCSIM" replay micro-lost-wakeup "$sched" --watchdog 3 >/dev/null 2>&1
if [ $? -ne 1 ]; then bad "replay --watchdog 3 did not replay"; else pass=$((pass + 1)); fi
# a bad value names the option and the accepted values
out=$("$PCSIM" explore micro-lost-wakeup --wait-table-bits 17 2>&1)
if [ $? -ne 2 ] || ! printf '%s' "$out" | grep -q -- "--wait-table-bits: bad value '17' for wait_table_bits: out of range (0..16)"; then
	bad "--wait-table-bits 17: $out"
else
	pass=$((pass + 1))
fi
# an option given twice: the last one counts, as in the config parser
sched2="$TMP/twice"
mkdir -p "$sched2"
"$PCSIM" explore micro-lost-wakeup --cpus 3 --cpus 4 --out "$sched2" >/dev/null 2>&1
if ! grep -q "^config .* cpus=4 " "$sched2"/*.schedule; then bad "--cpus 3 --cpus 4"; else pass=$((pass + 1)); fi
# the markdown table lists every key once
n_md=$("$PCSIM" settings --markdown | grep -c '^| `')
n_txt=$("$PCSIM" settings | grep -c '^[a-z]')
if [ "$n_md" -ne "$n_txt" ]; then bad "settings --markdown has $n_md rows, settings $n_txt"; else pass=$((pass + 1)); fi

echo "settings cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
