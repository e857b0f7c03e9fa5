#!/bin/sh
# SPDX-License-Identifier: MIT
# `pcsim bench seed --sweep` with the kernel leg (--legs kernel[,sim]), at tiny sizes and few
# reads: each point has the model's and the kernel's figures per mode (the kernel's skipped
# cleanly where io_uring is not permitted: then only the reason is checked), the size sweep adds
# an O_DIRECT series and leaves no file behind, io-wq's workers limit is applied (at most one
# bound and one unbound worker with --sweep-points 1), the CPUs the process cannot have are
# left out of the default points and are exit 2 when asked for, the chart has a line per series
# and mode; bad arguments are exit 2 with a message. Shapes only: no timing is compared.
# Usage: bench_seed_sweep.sh PCSIM TMPDIR
set -u
PCSIM=$1
TMP=$2
case $PCSIM in /*) ;; *) PCSIM=$PWD/$PCSIM ;; esac
rm -rf "$TMP" && mkdir -p "$TMP"
cd "$TMP" || exit 1
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
NCPU=$(nproc)
K="--dir $TMP --repeats 1"

# 1. QD at three points, both legs, with the chart
"$PCSIM" bench seed --json --sweep qd --sweep-points 1,4,32 --legs kernel,sim $K --reads 32 \
	--sim-size 1M --sim-reads 64 --sim-acct-reads 16 --sweep-svg "$TMP/qd.svg" \
	>"$TMP/qd.json" 2>"$TMP/qd.err" && ok || { bad "sweep qd, kernel and sim"; cat "$TMP/qd.err"; }
python3 - "$TMP/qd.json" "$TMP/qd.svg" <<'EOF1' && ok || bad "sweep qd JSON or SVG"
import json, sys
d = json.loads(open(sys.argv[1]).read().splitlines()[-1])
k = d['kernel']
assert d['sweep'] == 'qd' and k['reads'] == 32 and k['repeats'] == 1 and not k['direct'], d
modes = ('sync', 'offload', 'rasync')
sim = [p for p in d['points'] if p['leg'] == 'sim']
assert [(p['x'], p['mode']) for p in sim] == [(x, m) for x in (1, 4, 32) for m in modes], sim
kern = [p for p in d['points'] if p['leg'] != 'sim']
if k['run']:
    assert k['skipped'] is None, k
    assert [(p['x'], p['leg'], p['mode']) for p in kern] == \
        [(x, 'kernel', m) for x in (1, 4, 32) for m in modes], kern
    for p in kern:
        assert p['wall_us_per_read'] > 0 and p['cpu_us_per_read'] >= 0, p
        # every read of the sync mode is one preadv that sleeps (a miss), or at least no more
        assert p['ctx_voluntary_per_read'] >= 0 and p['ctx_involuntary_per_read'] >= 0, p
        assert p['steps_per_read'] is None and p['host_us_per_read'] is None, p
        assert (p['iou_wrk_threads'] is None) == (p['mode'] == 'sync'), p
        assert p['resident_pages'] is not None and p['resident_pages'] >= 0, p
        if p['mode'] == 'offload':
            assert p['iou_wrk_threads'] >= 1, p   # every read went to a worker
else:
    assert k['skipped'], k
    assert kern == [], kern
svg = open(sys.argv[2]).read()
assert svg.startswith('<svg') and svg.rstrip().endswith('</svg>')
lines = 18 if k['run'] else 9
assert svg.count('<polyline') == lines, svg.count('<polyline')
assert svg.count('<circle') == (27 if k['run'] else 0)
EOF1

# 2. the size sweep, kernel only: 64 KiB to 4 MiB, the default 16 reads (the smallest file's
# blocks), buffered and O_DIRECT per size; every file removed afterwards
"$PCSIM" bench seed --json --sweep size --legs kernel $K --sim-size 4M --sweep-svg "$TMP/sz.svg" \
	>"$TMP/sz.json" 2>"$TMP/sz.err" && ok || { bad "sweep size, kernel"; cat "$TMP/sz.err"; }
python3 - "$TMP/sz.json" "$TMP/sz.svg" <<'EOF2' && ok || bad "sweep size JSON or SVG"
import json, sys
d = json.loads(open(sys.argv[1]).read().splitlines()[-1])
k = d['kernel']
assert d['sweep'] == 'size' and k['reads'] == 16, d
assert all(p['leg'] != 'sim' for p in d['points']), d['points']
sizes = [(64 << 10) << i for i in range(7)]
modes = ('sync', 'offload', 'rasync')
if k['run']:
    legs = ['kernel'] + (['kernel-direct'] if k['direct'] else [])
    if not k['direct']:
        assert k['direct_skipped'], k
    assert [(p['x'], p['leg'], p['mode']) for p in d['points']] == \
        [(x, l, m) for x in sizes for l in legs for m in modes], d['points']
    svg = open(sys.argv[2]).read()
    assert svg.count('<polyline') == 9 * len(legs) and '4M' in svg, svg.count('<polyline')
    assert ('<rect x=' in svg and 'O_DIRECT' in svg) == k['direct']
else:
    assert k['skipped'] and d['points'] == [], d
EOF2
ls "$TMP" | grep -q 'pcsim-seed-.*\.dat' && bad "sweep size left a file behind" || ok

# 3. io-wq's limit: one worker per kind (bound, unbound) at the first point, before any other
# io_uring use of the process (no --sim-reads: the sim leg does not run, so its default reads
# must not be held against the 1 MiB file)
"$PCSIM" bench seed --json --sweep workers --sweep-points 1,4 --legs kernel --modes offload $K \
	--reads 64 --sim-size 1M >"$TMP/wk.json" 2>"$TMP/wk.err" && ok ||
	{ bad "sweep workers, kernel"; cat "$TMP/wk.err"; }
python3 - "$TMP/wk.json" <<'EOF3' && ok || bad "sweep workers JSON"
import json, sys
d = json.loads(open(sys.argv[1]).read().splitlines()[-1])
if d['kernel']['run']:
    p = d['points']
    assert [(x['x'], x['leg'], x['mode']) for x in p] == \
        [(1, 'kernel', 'offload'), (4, 'kernel', 'offload')], p
    assert 1 <= p[0]['iou_wrk_threads'] <= 2, p[0]
else:
    assert d['kernel']['skipped'], d
EOF3

# 4. CPUs: the default points 1, 2, 4, 8 on the model; the kernel only where the process can run
"$PCSIM" bench seed --json --sweep cpus --legs kernel,sim --modes rasync $K --reads 32 \
	--sim-size 1M --sim-reads 32 --sim-acct-reads 16 >"$TMP/cpu.json" 2>"$TMP/cpu.err" && ok ||
	{ bad "sweep cpus, kernel and sim"; cat "$TMP/cpu.err"; }
python3 - "$TMP/cpu.json" "$NCPU" <<'EOF4' && ok || bad "sweep cpus JSON"
import json, sys
d = json.loads(open(sys.argv[1]).read().splitlines()[-1])
n = int(sys.argv[2])
assert [p['x'] for p in d['points'] if p['leg'] == 'sim'] == [1, 2, 4, 8], d['points']
if d['kernel']['run']:
    assert d['kernel']['cpus_available'] == n, (d['kernel'], n)
    assert [p['x'] for p in d['points'] if p['leg'] == 'kernel'] == \
        [x for x in (1, 2, 4, 8) if x <= n], d['points']
EOF4
# ... and exit 2 when asked for more CPUs than the process may use
"$PCSIM" bench seed --sweep cpus --sweep-points 1,$((NCPU + 1)) --legs kernel $K \
	--sim-size 1M --sim-reads 16 >/dev/null 2>"$TMP/cpu2.err"
st=$?
[ $st -eq 2 ] && grep -q "may run on $NCPU" "$TMP/cpu2.err" && ok ||
	{ bad "--sweep cpus beyond the machine: status $st"; cat "$TMP/cpu2.err"; }

# 5. without --legs a sweep is the model's only
"$PCSIM" bench seed --json --sweep qd --sweep-points 2 --sim-size 1M --sim-reads 16 \
	--sim-acct-reads 16 >"$TMP/simonly.json" 2>/dev/null && ok || bad "sweep qd, sim only"
python3 -c "import json,sys; d=json.loads(open(sys.argv[1]).read().splitlines()[-1]); \
assert not d['kernel']['run'] and {p['leg'] for p in d['points']} == {'sim'}, d" \
	"$TMP/simonly.json" && ok || bad "sweep without --legs ran the kernel"

# 6. bad arguments: exit 2 and a message naming the problem
check2() {
	msg=$1
	shift
	"$PCSIM" bench seed "$@" >/dev/null 2>"$TMP/bad.err"
	st=$?
	if [ $st -eq 2 ] && grep -q -- "$msg" "$TMP/bad.err"; then ok; else
		bad "$* : status $st"; cat "$TMP/bad.err"; fi
}
check2 "not for --sweep size" --sweep size --sweep-points 1,2 --sim-size 4M
check2 "increasing" --sweep qd --sweep-points 4,2
check2 "needs --sweep" --legs sim --sweep-points 1,2
check2 "sweep-points" --sweep qd --sweep-points 0
check2 "sweep-points" --sweep qd --sweep-points 1,x
check2 "at most 8" --sweep qd --sweep-points 1,2,3,4,5,6,7,8,9
check2 "sweep-points" --sweep workers --sweep-points 1,1000
check2 "not threads" --sweep qd --legs sim,threads
check2 "not --size" --sweep qd --legs kernel --size 1M --sim-size 1M --sim-reads 16
check2 "do not fit the smallest file" --sweep size --legs kernel --sim-size 4M --reads 64 $K

echo "bench_seed_sweep.sh: $pass passed, $fail failed"
[ $fail -eq 0 ]
