#!/bin/sh
# SPDX-License-Identifier: MIT
# `pcsim bench calibrate` and `pcsim bench seed` with its costs, at tiny sizes: the calibration
# file has one `name = value` line per figure and reads back; every derived cost is its formula
# of the raw ones (never negative); seed --calibration charges them (the sim leg's CPU is not
# the flat steps x step_ns, each mode's figures agree with each other; wq_block_ns, from the
# 33-thread cold preadv, is charged once per punted read in place of contention_ns; the lone
# read's device_idle_ns and wake_idle_ns lengthen sync's wall, not its CPU); --predict
# gives each ratio as predicted, measured and their error; --sweep gives a point per QD (or
# worker count, CPU count, file size) and mode and an SVG; a bad file or option is exit 2 with a
# message. Shapes and consistency only: no timing is compared with anything.
# Usage: bench_calibrate.sh PCSIM TMPDIR
set -u
PCSIM=$1
TMP=$2
case $PCSIM in /*) ;; *) PCSIM=$PWD/$PCSIM ;; esac
rm -rf "$TMP" && mkdir -p "$TMP"
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# 1. calibrate: the file and the JSON line
if "$PCSIM" bench calibrate --repeats 1 --dir "$TMP" --out "$TMP/cal.conf" --json \
	>"$TMP/cal.json" 2>"$TMP/cal.err"; then ok; else bad "calibrate failed"; cat "$TMP/cal.err"; fi
python3 - "$TMP/cal.conf" "$TMP/cal.json" <<'EOF' && ok || bad "calibration file or JSON"
import json, math, sys
conf = {}
for line in open(sys.argv[1]):
    line = line.split('#')[0].strip()
    if line:
        k, v = [x.strip() for x in line.split('=')]
        conf[k] = float(v)
d = json.loads(open(sys.argv[2]).read().splitlines()[-1])
assert d['benchmark'] == 'calibrate', d
c = d['costs']
assert set(c) == set(conf), (set(c) ^ set(conf))
for k, v in c.items():
    if v is None:
        assert math.isnan(conf[k]), k
    else:
        assert abs(conf[k] - v) < 1e-3 * max(1, abs(v)), (k, conf[k], v)
# the figures every machine can measure
for k in ('syscall_ns', 'copy4k_ns', 'futex_cpu_per_switch_ns', 'model_insert_steps',
          'ctx_switch_ns', 'device_mean_ns'):
    assert c[k] is not None and c[k] > 0, (k, c[k])
# derived = formula of raw, clamped at 0
def pos(x): return max(0.0, x)
def near(a, b): assert abs(a - b) <= 0.01 + 1e-6 * abs(b), (a, b)  # 6 decimals printed
near(c['ctx_switch_ns'],
     pos(c['futex_cpu_per_switch_ns'] - c['futex_syscalls_per_switch'] * c['syscall_ns']))
if c['warm_read_ns'] is not None:
    near(c['read_path_ns'], pos(c['warm_read_ns'] - c['syscall_ns']))
    near(c['lookup_ns'], pos(c['read_path_ns'] - c['copy4k_ns']))
    near(c['miss_qd1_ns'], pos(c['cold_read_ns'] - c['warm_read_ns'] -
                               c['cold_read_switches'] * c['ctx_switch_ns']))
    near(c['miss_ns'], pos(c['readahead_ns'] - c['syscall_ns']))
    # 33 threads of cold preadv: its three raw figures and what the model charges from them
    for k in ('par_cold_read_ns', 'par_cold_read_switches', 'par_cold_read_invol'):
        assert k in c, k
    if c['par_cold_read_ns'] is not None:
        assert c['par_cold_read_ns'] > 0 and c['par_cold_read_switches'] > 0, c
        near(c['wq_block_ns'], pos(c['par_cold_read_ns'] - c['warm_read_ns'] - c['miss_ns'] -
                                   c['par_cold_read_switches'] * c['ctx_switch_ns']))
# the lone read: O_DIRECT wall and CPU, the idle wake-up, and the device's idle latency
for k in ('direct_read_wall_ns', 'direct_read_cpu_ns', 'wake_idle_ns', 'device_idle_ns'):
    assert k in c, k
assert c['wake_idle_ns'] is not None and c['wake_idle_ns'] > 0, c['wake_idle_ns']
if c['direct_read_wall_ns'] is not None:
    assert c['direct_read_wall_ns'] > c['direct_read_cpu_ns'] > 0, c
    near(c['device_idle_ns'], pos(c['direct_read_wall_ns'] - c['direct_read_cpu_ns'] -
                                  c['wake_idle_ns'] - c['device_mean_ns']))
for k, v in c.items():
    assert v is None or v >= 0, (k, v)
assert c['repeats'] == 1
EOF

# 2. seed with the costs: the sim leg's figures follow from them
"$PCSIM" bench seed --json --legs sim --sim-size 1M --sim-reads 256 --sim-acct-reads 64 \
	--calibration "$TMP/cal.conf" >"$TMP/seed.json" 2>"$TMP/seed.err" && ok || bad "seed --calibration"
python3 - "$TMP/seed.json" <<'EOF' && ok || bad "seed --calibration JSON"
import json, sys
d = json.loads(open(sys.argv[1]).read().splitlines()[-1])
assert d['calibration'] is not None and d['prediction'] is None, d
c = d['calibration']
s = {x['mode']: x for x in d['results'] if x['leg'] == 'sim'}
assert sorted(s) == ['offload', 'rasync', 'sync'], s
assert d['step_ns'] == 1, d['step_ns']
for m, x in s.items():
    cpu = x['user_s'] + x['sys_s']
    # every read pays at least its read path and one system call
    assert cpu >= 256 * (c['read_path_ns'] + c['syscall_ns']) * 1e-9 * 0.999, (m, cpu)
    assert abs(x['cpu_pct'] - 100 * cpu / x['wall_s']) < 0.2, x
    assert abs(x['iops'] * x['wall_s'] - 256) < 1, x
    assert x['ctx_voluntary'] > 0, x
# sync is serial: its wall holds all of its CPU
assert s['sync']['wall_s'] >= s['sync']['sys_s'], s['sync']
EOF

# 2b. offload's workers asleep on a page: wq_block_ns is charged per punted read (every read of
# offload, none of sync or rasync), in place of contention_ns, never on top of it
wqconf() {	# FILE WQ_BLOCK CONTENTION: cal.conf with those two figures replaced
	grep -v -e '^wq_block_ns' -e '^contention_ns' "$TMP/cal.conf" >"$1"
	printf 'wq_block_ns = %s\ncontention_ns = %s\n' "$2" "$3" >>"$1"
}
wqconf "$TMP/wq0.conf" 0 0
wqconf "$TMP/wq20.conf" 20000 0
wqconf "$TMP/wq20c.conf" 20000 20000
wqconf "$TMP/c20.conf" nan 20000
for f in wq0 wq20 wq20c c20; do
	"$PCSIM" bench seed --json --legs sim --sim-size 1M --sim-reads 256 --sim-acct-reads 64 \
		--workers 33 --calibration "$TMP/$f.conf" >"$TMP/$f.json" 2>"$TMP/$f.err" ||
		bad "seed --calibration $f.conf"
done
python3 - "$TMP" <<'EOF' && ok || bad "wq_block_ns charge"
import json, sys
def sim(f):
    d = json.loads(open(sys.argv[1] + '/' + f + '.json').read().splitlines()[-1])
    return {x['mode']: x for x in d['results'] if x['leg'] == 'sim'}
a, b, bc, c = sim('wq0'), sim('wq20'), sim('wq20c'), sim('c20')
for m in ('sync', 'rasync'):
    assert a[m]['sys_s'] == b[m]['sys_s'] == bc[m]['sys_s'], m
# QD 32, 33 workers: the whole figure, once per read (256 reads punted)
extra = b['offload']['sys_s'] - a['offload']['sys_s']
assert abs(extra - 256 * 20000e-9) < 3e-6, extra
assert bc['offload']['sys_s'] == b['offload']['sys_s'], (bc['offload'], b['offload'])
assert c['offload']['sys_s'] == b['offload']['sys_s'], (c['offload'], b['offload'])
EOF

# 2c. the lone read: device_idle_ns lengthens every request that finds the device idle (each of
# sync's, almost none of those at QD 32) and wake_idle_ns is charged per sleep on sync's
# serial path, so sync's wall grows by ~256 x (idle + wake) and the others' barely move
idleconf() {	# FILE DEVICE_IDLE WAKE_IDLE
	grep -v -e '^device_idle_ns' -e '^wake_idle_ns' "$TMP/cal.conf" >"$1"
	printf 'device_idle_ns = %s\nwake_idle_ns = %s\n' "$2" "$3" >>"$1"
}
idleconf "$TMP/idle0.conf" 0 0
idleconf "$TMP/idle50.conf" 50000 10000
for f in idle0 idle50; do
	"$PCSIM" bench seed --json --legs sim --sim-size 1M --sim-reads 256 --sim-acct-reads 64 \
		--calibration "$TMP/$f.conf" >"$TMP/$f.json" 2>"$TMP/$f.err" ||
		bad "seed --calibration $f.conf"
done
python3 - "$TMP" <<'EOF' && ok || bad "device_idle_ns and wake_idle_ns"
import json, sys
def sim(f):
    d = json.loads(open(sys.argv[1] + '/' + f + '.json').read().splitlines()[-1])
    return {x['mode']: x for x in d['results'] if x['leg'] == 'sim'}
a, b = sim('idle0'), sim('idle50')
extra = b['sync']['wall_s'] - a['sync']['wall_s']
want = 256 * (50000 + 10000 * a['sync']['ctx_voluntary'] / 256) * 1e-9
assert abs(extra - want) < 0.02 * want, (extra, want)
# latencies, not CPU (offload's schedule moves with the device's times: its switches may too)
assert b['sync']['sys_s'] == a['sync']['sys_s'], (a['sync'], b['sync'])
for m in ('offload', 'rasync'):
    assert abs(b[m]['sys_s'] / a[m]['sys_s'] - 1) < 0.05, (m, a[m], b[m])
    # at QD 32 few requests find the device idle (the first, and where it drained): here
    # fewer than a quarter of them
    assert b[m]['wall_s'] - a[m]['wall_s'] < 0.25 * 256 * 50000e-9, (m, a[m], b[m])
EOF

# 3. --predict: each ratio predicted, measured (null when the kernel leg is skipped), error
"$PCSIM" bench seed --json --predict --calibration "$TMP/cal.conf" --dir "$TMP" --size 1M \
	--reads 128 --repeats 1 --sim-acct-reads 64 --legs kernel,sim >"$TMP/pred.json" \
	2>"$TMP/pred.err" && ok || bad "seed --predict"
python3 - "$TMP/pred.json" <<'EOF' && ok || bad "seed --predict JSON"
import json, sys
d = json.loads(open(sys.argv[1]).read().splitlines()[-1])
p = d['prediction']
keys = {'wall_sync_rasync', 'wall_offload_rasync', 'cpu_sync_rasync', 'cpu_offload_rasync',
        'ctx_sync_rasync', 'ctx_offload_rasync'}
assert keys <= set(p) and p['cpus'] >= 1, p
assert d['legs']['sim']['size'] == d['legs']['kernel']['size'], d['legs']
assert d['legs']['sim']['reads'] == d['legs']['kernel']['reads'] == 128, d['legs']
sim = {x['mode']: x for x in d['results'] if x['leg'] == 'sim'}
pred = sim['sync']['wall_s'] / sim['rasync']['wall_s']
assert abs(p['wall_sync_rasync']['predicted'] - pred) < 0.01, (p, pred)
for k in keys:
    e = p[k]
    assert e['predicted'] is not None and e['predicted'] > 0, (k, e)
    # measured: null when the kernel leg is skipped, or when 128 reads gave a denominator of 0
    # (getrusage's CPU or rasync's switches); the error is checked where the rounding to 3
    # decimals cannot hide it
    if e['measured'] is None:
        assert e['error'] is None, (k, e)
    elif e['measured'] >= 0.1:
        r = e['predicted'] / e['measured']
        assert abs(e['error'] - (r - 1)) <= 0.01 + 0.01 * r, (k, e)
EOF

# 4. --sweep qd: 8 depths x 3 modes, and the chart (wall, CPU and switches: 3 panels)
"$PCSIM" bench seed --json --sweep qd --calibration "$TMP/cal.conf" --sim-size 1M \
	--sim-reads 128 --sim-acct-reads 32 --sweep-svg "$TMP/sweep.svg" >"$TMP/sweep.json" \
	2>"$TMP/sweep.err" && ok || bad "seed --sweep qd"
python3 - "$TMP/sweep.json" "$TMP/sweep.svg" <<'EOF' && ok || bad "sweep JSON or SVG"
import json, sys
d = json.loads(open(sys.argv[1]).read().splitlines()[-1])
pts = d['points']
assert d['calibrated'] and len(pts) == 24, len(pts)
assert sorted({p['x'] for p in pts}) == [1, 2, 4, 8, 16, 32, 64, 128]
for p in pts:
    assert p['wall_us_per_read'] > 0 and p['cpu_us_per_read'] > 0, p
    assert p['steps_per_read'] > 0 and p['host_us_per_read'] > 0, p
svg = open(sys.argv[2]).read()
assert svg.startswith('<svg') and svg.rstrip().endswith('</svg>') and svg.count('<polyline') == 9
EOF

# --sweep workers, one mode: a point per worker count (1 to 64, doubling)
"$PCSIM" bench seed --json --sweep workers --modes offload --calibration "$TMP/cal.conf" \
	--sim-size 1M --sim-reads 64 --sim-acct-reads 16 >"$TMP/sweepw.json" 2>"$TMP/sweepw.err" \
	&& ok || bad "seed --sweep workers"
python3 - "$TMP/sweepw.json" <<'EOF2' && ok || bad "sweep workers JSON"
import json, sys
d = json.loads(open(sys.argv[1]).read().splitlines()[-1])
assert [(p['x'], p['mode']) for p in d['points']] == \
    [(x, 'offload') for x in (1, 2, 4, 8, 16, 32, 64)], d
EOF2

# --sweep size: the sim leg's size and six halvings (64 KiB to 4 MiB here), every point the
# same 16 reads (the smallest file's blocks), 3 modes each, and the chart
"$PCSIM" bench seed --json --sweep size --calibration "$TMP/cal.conf" --sim-size 4M \
	--sim-reads 16 --sim-acct-reads 16 --sweep-svg "$TMP/sweeps.svg" >"$TMP/sweeps.json" \
	2>"$TMP/sweeps.err" && ok || bad "seed --sweep size"
python3 - "$TMP/sweeps.json" "$TMP/sweeps.svg" <<'EOF3' && ok || bad "sweep size JSON or SVG"
import json, sys
d = json.loads(open(sys.argv[1]).read().splitlines()[-1])
pts = d['points']
assert d['sweep'] == 'size' and d['reads'] == 16, d
sizes = [(64 << 10) << i for i in range(7)]
assert [(p['x'], p['mode']) for p in pts] == \
    [(x, m) for x in sizes for m in ('sync', 'offload', 'rasync')], pts
for p in pts:
    assert p['wall_us_per_read'] > 0 and p['cpu_us_per_read'] > 0, p
    assert p['ctx_voluntary_per_read'] >= 0 and p['steps_per_read'] > 0, p
    assert p['peak_rss_mb'] is None or p['peak_rss_mb'] > 0, p
svg = open(sys.argv[2]).read()
assert svg.startswith('<svg') and svg.rstrip().endswith('</svg>') and svg.count('<polyline') == 9
assert '64K' in svg and '4M' in svg and 'file size' in svg
EOF3
# without --sim-reads the reads default to the smallest file's blocks (4 MiB / 64: 16)
"$PCSIM" bench seed --json --sweep size --modes rasync --calibration "$TMP/cal.conf" \
	--sim-size 4M --sim-acct-reads 16 >"$TMP/sweepd.json" 2>"$TMP/sweepd.err" && ok ||
	bad "seed --sweep size, default reads"
python3 -c "import json,sys; d=json.loads(open(sys.argv[1]).read().splitlines()[-1]); \
assert d['reads'] == 16 and len(d['points']) == 7, d" "$TMP/sweepd.json" && ok ||
	bad "sweep size default reads"

# 5. bad input: exit 2 and a message, never a crash
printf 'syscall_ns = 50\nnot_a_cost = 3\n' >"$TMP/bad.conf"
"$PCSIM" bench seed --legs sim --calibration "$TMP/bad.conf" >/dev/null 2>"$TMP/bad.err"
st=$?
if [ $st -eq 2 ] && grep -q "unknown figure 'not_a_cost'" "$TMP/bad.err"; then ok; else
	bad "unknown figure: status $st"; cat "$TMP/bad.err"; fi
printf 'syscall_ns = -3\n' >"$TMP/neg.conf"
"$PCSIM" bench seed --legs sim --calibration "$TMP/neg.conf" >/dev/null 2>"$TMP/neg.err"
st=$?
[ $st -eq 2 ] && grep -q "neg.conf:1: '-3' is not a number >= 0" "$TMP/neg.err" && ok ||
	bad "negative figure: status $st"
for v in -1 inf 1e999 x; do
	printf 'syscall_ns = 50\npar_cold_read_invol = %s\n' "$v" >"$TMP/par.conf"
	"$PCSIM" bench seed --legs sim --calibration "$TMP/par.conf" >/dev/null 2>"$TMP/par.err"
	st=$?
	[ $st -eq 2 ] && grep -q "par.conf:2: '$v' is not a number >= 0" "$TMP/par.err" && ok ||
		bad "par_cold_read_invol = $v: status $st"
done
printf 'syscall_ns 50\n' >"$TMP/noeq.conf"
"$PCSIM" bench seed --legs sim --calibration "$TMP/noeq.conf" >/dev/null 2>"$TMP/noeq.err"
st=$?
[ $st -eq 2 ] && grep -q "noeq.conf:1: expected 'name = value'" "$TMP/noeq.err" && ok ||
	bad "line without '=': status $st"
"$PCSIM" bench seed --legs sim --calibration "$TMP/missing.conf" >/dev/null 2>"$TMP/miss.err"
st=$?
[ $st -eq 2 ] && grep -q "missing.conf" "$TMP/miss.err" && ok || bad "missing file: status $st"
"$PCSIM" bench seed --legs sim --predict >/dev/null 2>"$TMP/nocal.err"
st=$?
[ $st -eq 2 ] && grep -q "needs the costs" "$TMP/nocal.err" && ok ||
	bad "--predict without costs: $st"
"$PCSIM" bench calibrate --repeats 0 >/dev/null 2>&1
st=$?
[ $st -eq 2 ] && ok || bad "calibrate --repeats 0: status $st"
"$PCSIM" bench seed --sweep depth >/dev/null 2>&1
st=$?
[ $st -eq 2 ] && ok || bad "--sweep depth: status $st"
# --sweep size: more reads than the smallest file's blocks, a size whose 1/64 is not whole
# blocks, a size that is not a size
"$PCSIM" bench seed --sweep size --sim-size 4M --sim-reads 64 >/dev/null 2>"$TMP/sz1.err"
st=$?
[ $st -eq 2 ] && grep -q "do not fit the smallest file" "$TMP/sz1.err" && ok ||
	bad "--sweep size, too many reads: status $st"
"$PCSIM" bench seed --sweep size --sim-size 1000K --sim-reads 1 >/dev/null 2>"$TMP/sz2.err"
st=$?
[ $st -eq 2 ] && grep -q "not a multiple of 256 KiB" "$TMP/sz2.err" && ok ||
	bad "--sweep size, odd size: status $st"
"$PCSIM" bench seed --sweep size --sim-size 4X >/dev/null 2>&1
st=$?
[ $st -eq 2 ] && ok || bad "--sweep size --sim-size 4X: status $st"

echo "bench_calibrate.sh: $pass passed, $fail failed"
[ $fail -eq 0 ]
