#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Run the slices of a sharded campaign that have no result yet, keep each result as it comes,
# and say how far the campaign is (docs/campaigns.md, "A campaign kept in a directory").
#
#   scripts/campaign.sh [options] DIR
#
# DIR/campaign describes the campaign, two lines:
#   args: pagecache-general --strategy dfs --preemptions 2 --schedules 0
#   shards: 128
# The result of slice I is DIR/results/I.json (pcsim explore ARGS --shard I/N --json), written
# only when the slice has run to its end (exit status 0, or 1 with a violation: its schedule file
# is kept beside it); DIR/log.tsv gets one line per slice: slice, executions, steps, user and
# wall-clock seconds (of all its goes), pcsim's version, host, date. Results already there are
# never run again, so a campaign goes on from wherever the last run stopped, on any machine, in
# any order. A slice stopped midway (SIGINT or SIGTERM to this script, every 60 s in case of
# worse) keeps its state in DIR/partial/I.checkpoint (pcsim explore --checkpoint) and the CPU
# time it took in DIR/partial/I.cpu: the next run goes on from there.
#
# Options:
#   --pcsim BIN     the pcsim binary (default: $PCSIM, else build/release/bin/pcsim); one
#                   version for the whole campaign (its slices must cut the same subtrees)
#   --jobs J        slices at once (default 1)
#   --nice N        niceness of the slices (default 19)
#   --until WHEN    start no slice after WHEN (anything `date -d` reads: "15:05", "+2 hours"; a
#                   time of day already gone today is tomorrow's)
#   --slices LIST   only these slices, e.g. 15-40,64 (default: all, lowest first)
#   --status        run nothing: list what is done and left, and merge what is done
#   --check         run nothing but the probe: does this pcsim explore the campaign as the
#                   one that began it? (DIR/probe, written by the first run; every run checks it)
#
# Exit status: 0 when every slice asked for ran clean, 1 when a slice found a violation, 2 on bad
# usage, when `pcsim merge` refuses the results (shards of different searches) or when this
# pcsim does not explore the campaign as the one that began it (the probe), 3 when a
# slice failed to run (its stderr is shown) or the script was stopped; --status: merge's status.
set -uo pipefail

# A campaign runs for hours while the checkout may change under it (git pull): bash reads a
# script as it goes, so the whole of it is one brace group, read before any of it runs (and
# left by the exit at its end).
{

usage() {
	sed -n '2,/^set -uo/p' "$0" | sed -e '/^set -uo/d' -e 's/^# \{0,1\}//' >&2
	exit 2
}
die() {
	echo "campaign: $*" >&2
	exit 2
}

need() { [[ $# -ge 2 && -n $2 ]] || die "$1 needs a value"; }

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
pcsim=${PCSIM:-$root/build/release/bin/pcsim}
jobs=1 niceness=19 until='' slices='' status_only=0 check_only=0 dir=''
while [[ $# -gt 0 ]]; do
	case $1 in
	--pcsim) need "$@"; pcsim=$2; shift 2 ;;
	--jobs) need "$@"; jobs=$2; shift 2 ;;
	--nice) need "$@"; niceness=$2; shift 2 ;;
	--until) need "$@"; until=$2; shift 2 ;;
	--slices) need "$@"; slices=$2; shift 2 ;;
	--status) status_only=1; shift ;;
	--check) check_only=1; shift ;;
	-h | --help) usage ;;
	-*) die "unknown option $1 (--help lists them)" ;;
	*) [[ -z $dir ]] || die "one campaign directory only"; dir=$1; shift ;;
	esac
done
[[ -n $dir ]] || usage
[[ -f $dir/campaign ]] || die "$dir/campaign: no such file (it holds 'args:' and 'shards:')"
[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "--jobs: a positive number, not '$jobs'"
[[ $niceness =~ ^-?[0-9]+$ ]] || die "--nice: a number, not '$niceness'"
[[ -x $pcsim && ! -d $pcsim ]] || pcsim=$(command -v "$pcsim") ||
	die "$pcsim: not an executable (build it, or give --pcsim BIN)"
pcsim=$(readlink -f "$pcsim")	# the slices run in the results directory
dir=$(cd "$dir" && pwd)

args=$(sed -n 's/^args:[[:space:]]*//p' "$dir/campaign")
count=$(sed -n 's/^shards:[[:space:]]*//p' "$dir/campaign")
[[ -n $args ]] || die "$dir/campaign: no 'args:' line"
[[ $count =~ ^[1-9][0-9]*$ ]] || die "$dir/campaign: 'shards:' must be a positive number"
case " $args " in
*" --shard "* | *" --json "* | *" --jobs "* | *" --out "*)
	die "$dir/campaign: args must not hold --shard, --json, --jobs or --out (this script adds them)" ;;
esac
deadline=
if [[ -n $until ]]; then
	deadline=$(date -d "$until" +%s 2>/dev/null) || die "--until: date cannot read '$until'"
	# A bare time of day already gone today is tomorrow's, as at(1) reads it: date(1) reads
	# "02:15" at 23:40 as today's, and the run would start nothing.
	if [[ $until =~ ^[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?$ ]] && ((deadline <= $(date +%s))); then
		deadline=$(date -d "$until tomorrow" +%s) || die "--until: date cannot read '$until tomorrow'"
	fi
fi

# The slices asked for, in order.
want=()
if [[ -z $slices ]]; then
	mapfile -t want < <(seq 0 $((count - 1)))
else
	IFS=, read -ra parts <<<"$slices"
	for p in "${parts[@]}"; do
		if [[ $p =~ ^([0-9]+)-([0-9]+)$ ]]; then
			mapfile -t -O "${#want[@]}" want < <(seq "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}")
		elif [[ $p =~ ^[0-9]+$ ]]; then
			want+=("$p")
		else
			die "--slices: '$p' is neither a slice nor a range (e.g. 15-40,64)"
		fi
	done
	for i in "${want[@]}"; do
		((i < count)) || die "--slices: $i is not a slice of $count"
	done
fi

done_list() {
	local f
	for f in "$dir"/results/*.json; do
		[[ -e $f ]] && basename "$f" .json
	done | sort -n
}

# What is done, merged; returns merge's status (0 clean, 1 a violation, 2 broken or mixed results).
report() {
	local ndone
	ndone=$(done_list | wc -l)
	echo "campaign: $ndone of $count slices done ($dir/results)"
	# what is left (log.tsv; slices differ: a rough guide): the executions a slice took so far,
	# at the rate of the last five slices (a faster binary shows at once)
	if ((ndone > 0 && ndone < count)) && [[ -e $dir/log.tsv ]]; then
		awk -F'\t' -v left=$((count - ndone)) 'NR > 1 && $4 > 0 { n++; e += $2; t += $4; re[n % 5] = $2; rt[n % 5] = $4 }
			function dur(x) { return x < 120 ? sprintf("%.0f s", x) : x < 7200 ? sprintf("%.1f min", x / 60) : sprintf("%.1f hours", x / 3600) }
			END { if (!n) exit
				k = n < 5 ? n : 5
				for (i in re) { le += re[i]; lt += rt[i] }
				printf "campaign: %.1f M executions a slice so far (%s of CPU time); at the rate of the last %d slice(s), %.0f executions per CPU second: about %s of CPU time left\n", e / n / 1e6, dur(t / n), k, le / lt, dur(e / n * left / (le / lt)) }' \
			"$dir/log.tsv"
	fi
	if ((ndone > 0)); then
		"$pcsim" merge "$dir"/results/*.json
		return
	fi
	return 0
}

# The probe: the first PROBE_EXECS executions of the first and the last slice, as this pcsim runs
# them - executions, steps, the digest of their choices and the last one's trace hash. A pcsim
# that explores otherwise (another engine, another slicing: PCSIM_SLICE_PARTS, the share's
# arithmetic) would write results that merge into a total no single run has; DIR/probe keeps the
# probe of the pcsim that began the campaign, and every run first checks it.
PROBE_EXECS=10000
probe() {
	local i tmp line
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/campaign.probe.XXXXXX") || return 3
	for i in 0 $((count - 1)); do
		# shellcheck disable=SC2086 # args is a word list by design
		line=$(cd "$tmp" && "$pcsim" explore $args --shard "$i/$count" \
			--schedules "$PROBE_EXECS" --json 2>/dev/null |
			sed -n 's/.*"executions":\([0-9]*\),"steps":\([0-9]*\).*"trace_hash":"\([0-9a-f]*\)".*"digest":"\([0-9a-f]*\)".*/\1 \2 \4 \3/p')
		[[ -n $line ]] || { rm -rf "$tmp"; return 3; }
		echo "$i $line"
		((count > 1)) || break
	done
	rm -rf "$tmp"
}
check_probe() {
	local got want
	got=$(probe) || { echo "campaign: $pcsim failed to run the probe" >&2; exit 3; }
	if [[ ! -e $dir/probe ]]; then
		{
			echo "# scripts/campaign.sh: the first $PROBE_EXECS executions of the first and last"
			echo "# slices (slice, executions, steps, digest, last trace hash) as run by"
			echo "# $("$pcsim" --version | head -n 1); every run of the campaign checks them"
			echo "$got"
		} >"$dir/probe"
		echo "campaign: probe written ($dir/probe)"
		return 0
	fi
	want=$(grep -v '^#' "$dir/probe")
	if [[ $got != "$want" ]]; then
		echo "campaign: $pcsim does not explore this campaign as the pcsim that began it:" >&2
		echo "  $dir/probe:" >&2
		# shellcheck disable=SC2001 # indent every line
		sed 's/^/    /' <<<"$want" >&2
		echo "  this pcsim:" >&2
		# shellcheck disable=SC2001
		sed 's/^/    /' <<<"$got" >&2
		echo "  its results would not merge into the single run's; use the version that" >&2
		echo "  began the campaign (see $dir/log.tsv), or start a new campaign directory" >&2
		exit 2
	fi
	echo "campaign: probe matches ($PROBE_EXECS executions of slices 0 and $((count - 1)))"
}

if ((check_only)); then
	[[ -e $dir/probe ]] || die "$dir/probe: no such file (the first run of the campaign writes it)"
	check_probe
	exit 0
fi

if ((status_only)); then
	# the slices left, runs as ranges ("3-127")
	left='' from=-1
	for ((i = 0; i <= count; i++)); do
		if ((i < count)) && [[ ! -e $dir/results/$i.json ]]; then
			((from < 0)) && from=$i
		elif ((from >= 0)); then
			((from == i - 1)) && left+=" $from" || left+=" $from-$((i - 1))"
			from=-1
		fi
	done
	report
	st=$?
	echo "campaign: left:${left:- none}"
	for f in "$dir"/partial/*.checkpoint; do
		[[ -e $f ]] || continue
		echo "campaign: slice $(basename "$f" .checkpoint) is under way: $(sed -n 's/^counts \([0-9]*\) .*/\1/p' "$f") executions so far ($f)"
	done
	exit "$st"
fi

# One run per directory at a time (two would run the same slices): a lock held while this runs.
# Machines that share a directory take disjoint --slices, or flock may not hold across them.
exec 9>>"$dir/.lock" || exit 3
flock -n 9 || die "another campaign.sh is running on $dir (it holds $dir/.lock); give each run its own --slices and directory, or wait"
check_probe
mkdir -p "$dir/results" "$dir/partial" || exit 3
version=$("$pcsim" --version | head -n 1)
host=$(hostname 2>/dev/null || echo unknown)
[[ -e $dir/log.tsv ]] ||
	printf 'slice\texecutions\tsteps\tuser_s\twall_s\tversion\thost\tfinished\n' >"$dir/log.tsv"

# Run slice $1 to its end; its result appears only if it finished (atomic rename). SIGTERM (from
# the script's own trap) is passed to pcsim, which ends the execution under way and reports
# itself interrupted: the slice is then discarded, so no partial result is ever kept.
run_slice() {
	local i=$1 work out rc json pid='' stopping=0 t0 user wall ck cpu before
	# shellcheck disable=SC2317 # pid is read when the signal comes
	# once: a second SIGTERM (pkill on every campaign.sh, then the script's own) would stop
	# pcsim at once, while it writes its checkpoint
	trap '((stopping)) || { stopping=1; [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null; }' TERM
	work=$(mktemp -d "${TMPDIR:-/tmp}/campaign.$i.XXXXXX") || return 3
	out=$dir/results/.$i.json.part
	# the state of a slice stopped midway, and the CPU and wall-clock seconds its goes took
	ck=$dir/partial/$i.checkpoint
	cpu=$dir/partial/$i.cpu
	before="0 0"
	[[ -e $cpu ]] && before=$(cat "$cpu")
	t0=$(date +%s.%N)
	# From the results directory with --out .: a violation's schedule file lands beside the
	# result, which names it by a relative path (the directory may be committed and cloned).
	# shellcheck disable=SC2086 # args is a word list by design
	(cd "$dir/results" && exec nice -n "$niceness" "$pcsim" explore $args \
		--shard "$i/$count" --json --out . --checkpoint "$ck" >"$out" 2>"$work/stderr") &
	pid=$!
	((stopping)) && kill -TERM "$pid" 2>/dev/null
	while :; do	# a trap interrupts wait: wait again until pcsim has ended
		wait "$pid"
		rc=$?
		kill -0 "$pid" 2>/dev/null || break
	done
	# the children's CPU time (pcsim's): the second line of `times`, "XmY.ZZZs XmY.ZZZs"
	# (into a file: in a command substitution `times` would be the subshell's)
	times >"$work/times"
	user=$(sed -n '2s/^\([0-9]*\)m\([0-9.]*\)s .*/\1 \2/p' "$work/times" |
		awk '{ printf "%.3f", $1 * 60 + $2 }')
	wall=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
	# with the goes before this one
	read -r user wall < <(awk -v u="$user" -v w="$wall" -v b="$before" \
		'BEGIN { split(b, x, " "); printf "%.3f %.3f\n", u + x[1], w + x[2] }')
	# (a slice that ran to its end as the stop came is kept)
	if ((rc > 1)) || ! grep -q '"interrupted":false' "$out"; then
		if ((stopping)) || grep -q '"interrupted":true' "$out"; then
			if [[ -e $ck ]]; then
				echo "$user $wall" >"$cpu.tmp" && mv "$cpu.tmp" "$cpu"
				echo "campaign: slice $i/$count was interrupted: its state is kept ($ck, $(sed -n 's/^counts \([0-9]*\) .*/\1/p' "$ck") executions); the next run goes on from it" >&2
			else
				echo "campaign: slice $i/$count was interrupted: nothing kept" >&2
			fi
		else
			echo "campaign: slice $i/$count failed to run (exit $rc):" >&2
			sed 's/^/  /' "$work/stderr" >&2
		fi
		rm -f "$out"
		rm -rf "$work"
		return 3
	fi
	mv "$out" "$dir/results/$i.json"
	rm -f "$cpu"	# (pcsim removed the checkpoint of the complete slice)
	json=$(cat "$dir/results/$i.json")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$i" \
		"$(sed -n 's/.*"executions":\([0-9]*\).*/\1/p' <<<"$json")" \
		"$(sed -n 's/.*"steps":\([0-9]*\).*/\1/p' <<<"$json")" \
		"$user" "$wall" "$version" "$host" "$(date -u +%FT%TZ)" >>"$dir/log.tsv"
	echo "campaign: slice $i/$count: $(sed -n 's/.*"outcome":"\([a-z_-]*\)".*"executions":\([0-9]*\).*/\1, \2 executions/p' <<<"$json"), $user s"
	rm -rf "$work"
	((rc == 0)) || return 1
	return 0
}

# SIGINT/SIGTERM: no slice is started any more, the slices under way are stopped (above), and
# the script waits for them to be discarded before it reports.
# shellcheck disable=SC2317 # called from the trap
on_stop() {
	local j
	((stop)) && return
	stop=1
	echo "campaign: stopping: the slices under way keep their state in partial/ (the next run goes on from it)" >&2
	for j in $(jobs -pr); do
		kill -TERM "$j" 2>/dev/null
	done
}
stop=0
trap on_stop INT TERM
[[ -z $deadline ]] || echo "campaign: no slice starts after $(date -d "@$deadline" '+%F %T %Z')" >&2

worst=0
# The status of a slice that ended (0, 1 or 3); a status above 128 is wait's own, interrupted by
# the trap, and says nothing about a slice.
note() { (($1 > worst && $1 < 128)) && worst=$1; }
running() { jobs -pr | wc -l; }
for i in "${want[@]}"; do
	[[ -e $dir/results/$i.json ]] && continue
	((stop)) && break
	if [[ -n $deadline ]] && (($(date +%s) >= deadline)); then
		echo "campaign: past --until: no further slice started" >&2
		break
	fi
	while (($(running) >= jobs)) && ((!stop)); do
		wait -n
		note $?
	done
	((stop)) && break
	echo "campaign: slice $i/$count started $(date -u +%TZ)"
	run_slice "$i" &
done
while (($(running) > 0)); do
	wait -n
	note $?
done
rm -f "$dir"/results/.*.json.part
report
st=$?
((stop)) && exit 3
((st == 2)) && exit 2
exit "$worst"
}
