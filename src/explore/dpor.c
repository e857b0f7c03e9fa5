// SPDX-License-Identifier: MIT
/*
 * dpor.c - dynamic partial-order reduction: source-DPOR with sleep sets, and its combination
 * with the preemption bound.
 *
 * The algorithm is the source-set algorithm of Abdulla, Aronis, Jonsson, Sagonas, "Optimal
 * dynamic partial order reduction", POPL 2014 (Algorithm 1, "source-DPOR"), run statelessly
 * over the engine's labelled choices the way dfs.c runs (re-execution of a recorded prefix,
 * CHESS-style). Under a finite preemption bound it follows Coons, Musuvathi, McKinley, "Bounded
 * partial-order reduction", OOPSLA 2013: each race also adds a backtrack point at the start of
 * the racing step's execution block, every initial of the reversed sequence is added instead
 * of one, and the only sleep-set entries are those whose pruned executions have an equivalent
 * that costs no more preemptions (the running context's step, sleeping for the preemptions at
 * its decision: sleep_entry()); docs/explore.md says what this keeps and what it does not
 * promise.
 *
 * Vocabulary. An agent is what an option schedules: a task (OPT_RUN of a task), an event (its
 * OPT_FIRE, then the OPT_RUNs of its atomic context), a CPU's store buffer (OPT_FLUSH) or a
 * task's spurious wakeup (OPT_SPURIOUS). A step is one option executed by the scheduler; the
 * engine reports each step and what it touched (struct pcsim__por in sched_int.h, recorded
 * only while this strategy runs). Two steps are dependent when they touch a common object and
 * one of them writes it; the happens-before order of an execution is built from program order
 * and dependence with one vector clock per step. A decision is a call of the chooser (two or
 * more options, or a data choice); a step taken with a single option is forced.
 *
 * At the end of every execution (here: as each step completes) each race e < e' (dependent,
 * other agents, no step between them in happens-before) is reversed: with v the steps after e
 * that do not happen after e, followed by e', some initial of v (an agent whose first step in v
 * has no happens-before predecessor in v) must be in the backtrack set of the decision before
 * e; if none is, one is added (unbounded) or all enabled ones are (bounded). Data choices are
 * explored exhaustively. A sleep set holds agents whose next step was already
 * explored from an equivalent state, with the footprint of that step; an agent leaves it when a
 * dependent step runs. A decision whose every enabled option sleeps is sleep-set blocked: the
 * execution goes on (it cannot stop midway) but adds no backtrack point after that decision.
 *
 * Object identities: the engine hands over addresses; they are turned into object numbers in
 * first-touch order per execution, which a common prefix reproduces exactly. A sleeping step's
 * footprint was seen in another execution, so numbers at or above the count of the decision it
 * sleeps from are uncertain there: any two uncertain objects are taken to conflict.
 *
 * Races no execution reverses are skipped: the earlier step made the later step's agent able to
 * run (woke, created or posted it) or held the CPU that agent needs; and a race with a held CPU
 * is also reversed at the step that took the CPU (docs/explore.md, "Races with a held CPU").
 *
 * PCSIM_DPOR_DEBUG=1 in the environment prints every step's agent and footprint (objects named
 * as the trace names them), its races and the backtrack options they add and, at the end,
 * counts (races, irreversible ones, sleep-set-blocked executions, fallbacks);
 * PCSIM_DPOR_DEBUG=stats prints only the counts, PCSIM_DPOR_DEBUG=traces the number of
 * distinct traces run (with PCSIM_DPOR_TRACEFILE=F, each execution's trace fingerprint and
 * agents to F). PCSIM_DPOR_NOHOLD (for tests) turns off the reversal of races with a held CPU at
 * the step that took it, and PCSIM_DPOR_NOPLAIN the plain fields the model reports
 * (pcsim_plain_access()), to show what finds a race without them. PCSIM_DPOR_FULL explores
 * every option (the unreduced tree, for trace comparisons); PCSIM_DPOR_NOBSLEEP turns the sleep
 * sets under a bound off; PCSIM_DPOR_BSLEEP_UNSAFE (tests: an unsound rule that must fail
 * them) makes step entries for every option; PCSIM_DPOR_BSLEEP_BLOCK (an experiment that loses
 * traces) adds run entries for the other options.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explore_int.h"

#define DPOR_PSEUDO_ID 0x80000000u	/* object numbers of the engine's pseudo objects */

struct fpent {
	uint32_t id;		/* object number */
	uint8_t kind;		/* PCSIM_POR_R / W / RW */
};

struct acc {
	uint64_t key;
	uint32_t size;
	uint32_t kind;
};

struct step {
	uint32_t agent;		/* agent index (this execution) */
	uint32_t aidx;		/* 1-based position among its agent's steps */
	int32_t node;		/* decision that chose it, -1 when forced */
	uint32_t fp, nfp;	/* footprint: fps[fp .. fp + nfp) */
	uint32_t vc, vcw;	/* vector clock: vcs[vc .. vc + vcw) */
	bool data;		/* made a data choice */
	bool cont;		/* the previous step's agent had an option here (bounded sleep) */
	/* For rewinding to this step (the incremental record, rewind()): its agent's step
	 * before it, and the sizes of the pools and undo logs when it closed. */
	int32_t prev;
	uint32_t objs_n, nobj, rds_n, undo, rdu;
	uint64_t estep;		/* the engine's step number (struct pcsim__exec.step) */
};

struct sleepent {
	uint32_t agent;		/* agent key */
	uint32_t fp, nfp;	/* footprint in sfp[] */
	uint32_t nobj;		/* object numbers below this are certain */
};

struct node {
	uint16_t n, chosen;
	int16_t cur;
	bool data, blocked;
	uint32_t pre_before;	/* preemptions spent before this decision */
	uint32_t keys;		/* agent key of each option: keys[keys .. keys + n) */
	uint32_t bits;		/* backtrack then done bitsets: words[bits ..] */
	uint32_t sl, nsl, nsl_entry;	/* sleep set: entry part, then explored options */
	uint32_t sfp_top;	/* sfp[] size when the node was made */
	uint32_t nobj;		/* object numbers known at this decision */
	int32_t step;		/* the step it chose (this execution), -1 if none yet */
};

struct objslot {
	uint64_t key;
	uint32_t gen;
	uint32_t slot;
};

/*
 * The kinds of access to an object and which of them depend on which (sched_int.h): a write
 * on everything; a read on writes, adds and bit writes; adds on everything but adds; a bit
 * operation's write to its word on everything but bit operations (their bits are objects of
 * their own); a bit test's read of its word on writes and adds only.
 */
#define K_ACC (PCSIM_POR_R | PCSIM_POR_W | PCSIM_POR_ADD | PCSIM_POR_BITW | PCSIM_POR_BITR)
#define NLISTS 4	/* the accesses since the last write, by kind: R, ADD, BITW, BITR */
static const unsigned list_kind[NLISTS] = { PCSIM_POR_R, PCSIM_POR_ADD, PCSIM_POR_BITW,
					    PCSIM_POR_BITR };

/* The kinds that an access of kind(s) @k depends on. */
static inline unsigned conf_mask(unsigned k)
{
	unsigned m = 0;
	if (k & PCSIM_POR_W)
		m |= K_ACC;
	if (k & PCSIM_POR_R)
		m |= PCSIM_POR_W | PCSIM_POR_ADD | PCSIM_POR_BITW;
	if (k & PCSIM_POR_ADD)
		m |= PCSIM_POR_R | PCSIM_POR_W | PCSIM_POR_BITW | PCSIM_POR_BITR;
	if (k & PCSIM_POR_BITW)
		m |= PCSIM_POR_R | PCSIM_POR_W | PCSIM_POR_ADD;
	if (k & PCSIM_POR_BITR)
		m |= PCSIM_POR_W | PCSIM_POR_ADD;
	return m;
}

static inline bool conflict(unsigned a, unsigned b)
{
	return (conf_mask(a) & b) != 0;
}

struct objstate {
	uint32_t id;
	int32_t lw;		/* last write step, -1 */
	int32_t rhead[NLISTS];	/* accesses since the last write (rd[] lists, -1), by kind */
	unsigned present;	/* the kinds (list_kind[]) of the non-empty lists */
	int32_t fstep;		/* the step whose footprint holds it at fpos, -1 */
	uint32_t fpos;
};

struct rd {
	int32_t step, next;
};

/* Undo logs of the incremental record: an object's state before a step changed it, a read
 * entry's step before a step took it over. */
struct objundo {
	uint32_t slot;
	struct objstate os;
};

struct rdundo {
	uint32_t rd;
	int32_t step;
};

struct agent {
	uint32_t key;
	uint32_t nsteps;
	int32_t last;		/* last step, -1 */
};

#define VEC(T)                  \
	struct {                \
		T *v;           \
		size_t n, cap;  \
	}

struct dpor {
	struct pcsim__strategy base;
	struct pcsim__por rec;
	struct pcsim_world *w;
	unsigned bound;
	bool unbounded;		/* no preemption bound: sleep sets on */
	bool finished, oom, debug, stats;
	bool nohold;		/* PCSIM_DPOR_NOHOLD (tests): no reversal at a hold's start */
	bool noplain;		/* PCSIM_DPOR_NOPLAIN (tests): plain fields are not recorded */
	bool sleep;		/* sleep sets on: unbounded, or bounded and bsleep */
	bool bsleep;		/* sleep sets under the bound (docs/explore.md) */
	bool bsleep_unsafe;	/* PCSIM_DPOR_BSLEEP_UNSAFE (tests): no cost rule, step entries */
	bool bsleep_block;	/* PCSIM_DPOR_BSLEEP_BLOCK (experiment): run entries too */
	bool bsleep_used;	/* a bounded sleep entry was made */
	bool impure;		/* an option the bounded sleep rule does not cover was seen */
	bool check_all;		/* PCSIM_DFS_CHECK_ALL: check the kept prefix's states too */
	unsigned env;		/* the PCSIM_DPOR_* switches that change the search (DPOR_ENV_*) */
	/* the decision stack, kept across executions */
	VEC(struct node) nodes;
	VEC(uint32_t) keys;
	VEC(uint64_t) words;
	VEC(struct sleepent) sl;
	VEC(struct fpent) sfp;
	size_t depth;		/* decisions reached in this execution */
	/* this execution */
	VEC(struct step) steps;
	VEC(struct fpent) fps;
	VEC(uint32_t) vcs;
	VEC(struct acc) accs;
	VEC(struct agent) agents;
	VEC(struct objstate) objs;
	VEC(struct rd) rds;
	VEC(struct sleepent) cursleep;
	VEC(struct objundo) undo;
	VEC(struct rdundo) rdundo;
	/*
	 * The incremental record: the next execution replays this one's steps [0, resume)
	 * exactly (the decisions before them are the same), so their record is kept and only
	 * the address map is rebuilt while they run again (prefix: on; pfx_steps of them
	 * started, pslot object slots mapped). -1: record everything again.
	 */
	int32_t resume;
	bool prefix, noincr, incr_bad;
	uint32_t pfx_steps, pslot;
	uint64_t incr_steps;	/* statistics: steps whose record was kept */
	struct objslot *map;
	uint32_t mapcap, mapused, gen;
	uint32_t nobj;		/* real object numbers handed out */
	int32_t pending_node;	/* the scheduling decision just taken, for the next step */
	bool open;		/* a step is being recorded */
	bool redundant;		/* sleep-set blocked: no new backtrack points */
	/* scratch */
	VEC(uint32_t) first;	/* per agent: aidx of its first step in v, 0 = none */
	VEC(uint32_t) seen;	/* agents with first[] set */
	VEC(uint32_t) initials;
	/* statistics */
	uint64_t races, irrev, blocked_execs, fallbacks, datanodes, schednodes;
	uint64_t bs_step, bs_block, bs_cut, restarts;
	bool traces;		/* PCSIM_DPOR_DEBUG=traces: count distinct traces explored */
	bool full;		/* PCSIM_DPOR_FULL (tests): every option explored, as DFS does */
	VEC(uint64_t) thash;
	FILE *tf;		/* PCSIM_DPOR_TRACEFILE */
	struct pcsim__tree_shape shape;	/* the first execution's, for dpor_progress() */
};

/* The environment switches that change what is explored: a checkpoint names them. */
#define DPOR_ENV_FULL 0x1u
#define DPOR_ENV_NOHOLD 0x2u
#define DPOR_ENV_NOPLAIN 0x4u
#define DPOR_ENV_NOBSLEEP 0x8u
#define DPOR_ENV_BSLEEP_UNSAFE 0x10u
#define DPOR_ENV_BSLEEP_BLOCK 0x20u

#define VGROW(d, vec, want)                                                               \
	((want) <= (vec).cap || vgrow((d), (void **)&(vec).v, &(vec).cap, (want), sizeof(*(vec).v)))

static bool vgrow(struct dpor *d, void **v, size_t *cap, size_t want, size_t sz)
{
	size_t ncap = *cap ? *cap : 64;
	while (ncap < want)
		ncap *= 2;
	void *n = realloc(*v, ncap * sz);
	if (!n) {
		d->oom = true;
		return false;
	}
	*v = n;
	*cap = ncap;
	return true;
}

static inline uint64_t *bt_bits(struct dpor *d, const struct node *nd)
{
	return &d->words.v[nd->bits];
}

static inline uint64_t *done_bits(struct dpor *d, const struct node *nd)
{
	return &d->words.v[nd->bits + (nd->n + 63u) / 64u];
}

static inline bool bit(const uint64_t *b, unsigned i)
{
	return (b[i / 64] >> (i % 64)) & 1u;
}

static inline void setbit(uint64_t *b, unsigned i)
{
	b[i / 64] |= 1ull << (i % 64);
}

/* The agent an option schedules, as a key stable across executions with a common prefix. */
static uint32_t agent_key(const struct pcsim__opt *o)
{
	switch (o->type) {
	case OPT_RUN:
		return o->target >= PCSIM_IRQ_CTX_BASE
			       ? (2u << 24) | (o->target - PCSIM_IRQ_CTX_BASE)
			       : (1u << 24) | o->target;
	case OPT_FIRE:
		return (2u << 24) | o->target;
	case OPT_FLUSH:
		return (3u << 24) | o->target;
	case OPT_SPURIOUS:
		return (4u << 24) | o->target;
	default:
		return 5u << 24;
	}
}

static inline unsigned opt_cost(const struct node *nd, const struct pcsim__opt *o, unsigned i)
{
	return nd->cur >= 0 && i != (unsigned)nd->cur && o->type != OPT_DATA &&
	       o->type != OPT_SPURIOUS;
}

/* The cost of option @i of a recorded decision (its type is in the key). */
static inline unsigned node_cost(struct dpor *d, const struct node *nd, unsigned i)
{
	if (nd->data || nd->cur < 0 || i == (unsigned)nd->cur)
		return 0;
	return (d->keys.v[nd->keys + i] >> 24) != 4u;	/* spurious wakeups are free */
}

/* ---------------------------------------------------------------------------------------------
 * Object numbers
 */
/* Room for one more entry in the address map (grown at half load). */
static bool map_room(struct dpor *d)
{
	if (d->mapused * 2 + 2 > d->mapcap) {
		uint32_t ncap = d->mapcap ? d->mapcap * 2 : 1024;
		struct objslot *nm = calloc(ncap, sizeof(*nm));
		if (!nm) {
			d->oom = true;
			return false;
		}
		for (uint32_t i = 0; i < d->mapcap; i++) {
			struct objslot *e = &d->map[i];
			if (e->gen != d->gen)
				continue;
			uint32_t h = (uint32_t)((e->key * 0x9e3779b97f4a7c15ull) >> 40) &
				     (ncap - 1);
			while (nm[h].gen == d->gen)
				h = (h + 1) & (ncap - 1);
			nm[h] = *e;
		}
		free(d->map);
		d->map = nm;
		d->mapcap = ncap;
	}
	return true;
}

/* The map entry of @key: its slot, or the free entry where it belongs (gen != d->gen). */
static inline struct objslot *map_find(struct dpor *d, uint64_t key)
{
	uint32_t h = (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 40) & (d->mapcap - 1);
	while (d->map[h].gen == d->gen) {
		if (d->map[h].key == key)
			break;
		h = (h + 1) & (d->mapcap - 1);
	}
	return &d->map[h];
}

static uint32_t obj_slot(struct dpor *d, uint64_t key)
{
	if (!map_room(d))
		return UINT32_MAX;
	struct objslot *e = map_find(d, key);
	if (e->gen == d->gen)
		return e->slot;
	if (!VGROW(d, d->objs, d->objs.n + 1))
		return UINT32_MAX;
	uint32_t slot = (uint32_t)d->objs.n++;
	struct objstate *os = &d->objs.v[slot];
	if (key >> 62)
		os->id = DPOR_PSEUDO_ID | ((uint32_t)(key >> 32) & 0xffu) << 23 |
			 ((uint32_t)key & 0x7fffffu);
	else
		os->id = d->nobj++;
	if (d->debug && !(key >> 62)) {
		char b[96];
		bool bitkey = (key >> 61) & 1u;
		uint64_t addr = bitkey ? (key & ((1ull << 61) - 1)) >> 6 : key;
		uint32_t tid = pcsim__obj_id(d->w, (const void *)(uintptr_t)addr);
		const char *l = pcsim_trace_obj_label(d->w, tid, b, sizeof(b));
		if (bitkey)
			fprintf(stderr, "  obj %x = bit %u of %s\n", os->id, (unsigned)(key & 63u), l);
		else
			fprintf(stderr, "  obj %x = %s\n", os->id, l);
	}
	os->lw = -1;
	for (unsigned l = 0; l < NLISTS; l++)
		os->rhead[l] = -1;
	os->present = 0;
	os->fstep = -1;
	*e = (struct objslot){ key, d->gen, slot };
	d->mapused++;
	return slot;
}

/* ---------------------------------------------------------------------------------------------
 * Dependence
 */
static inline bool certain(uint32_t id, uint32_t nobj)
{
	return id >= DPOR_PSEUDO_ID || id < nobj;
}

/*
 * Does the sleeping step @s conflict with the footprint @f (numbered in this execution)? Both
 * are sorted by object number; numbers from s->nobj up to the pseudo objects are uncertain.
 */
static bool sleep_dep(struct dpor *d, const struct sleepent *s, const struct fpent *f, size_t nf)
{
	const struct fpent *sf = &d->sfp.v[s->fp];
	bool s_new = false, f_new = false;
	size_t i = 0, j = 0;
	while (i < s->nfp && j < nf) {
		uint32_t a = sf[i].id, b = f[j].id;
		if (!certain(a, s->nobj))
			s_new = true;
		if (!certain(b, s->nobj))
			f_new = true;
		if (a == b) {
			if (certain(a, s->nobj) && conflict(sf[i].kind, f[j].kind))
				return true;
			i++, j++;
		} else if (a < b) {
			i++;
		} else {
			j++;
		}
	}
	for (; i < s->nfp && !s_new; i++)
		s_new = !certain(sf[i].id, s->nobj);
	for (; j < nf && !f_new; j++)
		f_new = !certain(f[j].id, s->nobj);
	return s_new && f_new;
}

/* ---------------------------------------------------------------------------------------------
 * Races
 */
static inline uint32_t vc_at(const struct dpor *d, const struct step *s, uint32_t agent)
{
	return agent < s->vcw ? d->vcs.v[s->vc + agent] : 0;
}

/* Does step @a happen before step @b (a before b in the execution)? */
static inline bool hb(const struct dpor *d, uint32_t a, uint32_t b)
{
	const struct step *sa = &d->steps.v[a], *sb = &d->steps.v[b];
	return vc_at(d, sb, sa->agent) >= sa->aidx;
}

static int opt_of(struct dpor *d, const struct node *nd, uint32_t key)
{
	for (unsigned i = 0; i < nd->n; i++)
		if (d->keys.v[nd->keys + i] == key)
			return (int)i;
	return -1;
}

static bool sleeping_at(struct dpor *d, const struct node *nd, uint32_t key)
{
	for (uint32_t i = 0; i < nd->nsl; i++)
		if (d->sl.v[nd->sl + i].agent == key)
			return true;
	return false;
}

/* The initials of v = (steps after @e not happening after it) . @j, as agent indices. */
static void initials(struct dpor *d, uint32_t e, uint32_t j)
{
	const struct step *se = &d->steps.v[e];
	d->initials.n = 0;
	if (!VGROW(d, d->first, d->agents.n) || !VGROW(d, d->initials, d->agents.n))
		return;
	for (size_t a = 0; a < d->agents.n; a++)
		d->first.v[a] = 0;
	d->seen.n = 0;
	if (!VGROW(d, d->seen, d->agents.n))
		return;
	for (uint32_t k = e + 1; k <= j; k++) {
		const struct step *sk = &d->steps.v[k];
		if (k != j && vc_at(d, sk, se->agent) >= se->aidx)
			continue;	/* happens after e: not in v */
		if (d->first.v[sk->agent])
			continue;
		bool initial = true;
		for (size_t i = 0; i < d->seen.n && initial; i++) {
			uint32_t c = d->seen.v[i];
			if (vc_at(d, sk, c) >= d->first.v[c])
				initial = false;
		}
		d->first.v[sk->agent] = sk->aidx;
		d->seen.v[d->seen.n++] = sk->agent;
		if (initial)
			d->initials.v[d->initials.n++] = sk->agent;
	}
}

/* Add the initials enabled at decision @ni to its backtrack set (all of them, or one when
 * @one); returns how many of them are enabled there. */
static unsigned add_initials(struct dpor *d, int32_t ni, bool one, uint32_t prefer)
{
	struct node *nd = &d->nodes.v[ni];
	uint64_t *bt = bt_bits(d, nd);
	unsigned enabled = 0;
	int pick = -1;
	for (size_t i = 0; i < d->initials.n; i++) {
		uint32_t key = d->agents.v[d->initials.v[i]].key;
		int o = opt_of(d, nd, key);
		if (o < 0)
			continue;
		enabled++;
		if (!one) {
			setbit(bt, (unsigned)o);
			continue;
		}
		if (bit(bt, (unsigned)o)) {
			if (d->debug)
				fprintf(stderr, "    node %d: covered by %x\n", ni, key);
			return enabled;	/* already covered */
		}
		if (sleeping_at(d, nd, key))
			continue;
		if (pick < 0 || key == prefer)
			pick = o;
	}
	if (one && pick >= 0)
		setbit(bt, (unsigned)pick);
	if (d->debug) {
		fprintf(stderr, "    node %d: initials", ni);
		for (size_t i = 0; i < d->initials.n; i++)
			fprintf(stderr, " %x", d->agents.v[d->initials.v[i]].key);
		fprintf(stderr, " -> pick %d (enabled %u)\n", pick, enabled);
	}
	return enabled;
}

static inline uint32_t pseudo_id(enum pcsim__por_obj obj, uint32_t idx)
{
	return DPOR_PSEUDO_ID | (uint32_t)(obj & 0xffu) << 23 | (idx & 0x7fffffu);
}

/* The kind bits step @s recorded for object number @id (0: not touched); @open: its footprint
 * still holds slots (the step being closed). */
static unsigned fp_kind(const struct dpor *d, const struct step *s, uint32_t id, bool open)
{
	for (uint32_t x = 0; x < s->nfp; x++) {
		const struct fpent *f = &d->fps.v[s->fp + x];
		if ((open ? d->objs.v[f->id].id : f->id) == id)
			return f->kind;
	}
	return 0;
}

/*
 * Is the race @e < @j (j the step being closed) one no execution reverses? So when @e made
 * j's agent able to run at all: it woke that task from sleep or created it, or posted that
 * event (an ENABLE write of the agent's own object); or e's context held the CPU of j's task
 * when e began (HELD), so that the task could not be scheduled before e. Nothing in the v of
 * the race can enable the agent instead: another wakeup or post writes the same object, so it
 * happens after e, and only e's own context lets go of the CPU it holds, in steps after e.
 */
static bool irreversible(struct dpor *d, uint32_t e, uint32_t j)
{
	const struct step *se = &d->steps.v[e], *sj = &d->steps.v[j];
	uint32_t key = d->agents.v[sj->agent].key, idx = key & 0xffffffu;
	switch (key >> 24) {
	case 1:
		if (fp_kind(d, se, pseudo_id(POR_WAKE, idx), false) & PCSIM_POR_ENABLE)
			return true;
		for (uint32_t x = 0; x < sj->nfp; x++) {
			uint32_t id = d->objs.v[d->fps.v[sj->fp + x].id].id;
			if (id >= DPOR_PSEUDO_ID && (id >> 23 & 0xffu) == POR_CPU)
				return (fp_kind(d, se, id, false) & PCSIM_POR_HELD) != 0;
		}
		return false;
	case 2:
		return (fp_kind(d, se, pseudo_id(POR_EV, idx), false) & PCSIM_POR_ENABLE) != 0;
	default:
		return false;
	}
}

/* Debug statistics: options in the backtrack set of decision @ni (0 for none). */
static unsigned bt_count(struct dpor *d, int32_t ni)
{
	unsigned c = 0;
	if (ni < 0)
		return 0;
	const struct node *nd = &d->nodes.v[ni];
	for (unsigned i = 0; i < nd->n; i++)
		c += bit(bt_bits(d, nd), i);
	return c;
}

static void reverse(struct dpor *d, uint32_t e, uint32_t j);

/*
 * The step that began the hold on a CPU that @e's context had when @e began (the last step of
 * that context, at or before @e, that did not start holding it), or -1 when @e did not start
 * holding a CPU that @j touches.
 */
static int32_t hold_start(struct dpor *d, uint32_t e, uint32_t j)
{
	const struct step *se = &d->steps.v[e], *sj = &d->steps.v[j];
	uint32_t cpu = 0;
	for (uint32_t x = 0; x < sj->nfp && !cpu; x++) {
		uint32_t id = d->objs.v[d->fps.v[sj->fp + x].id].id;
		if (id >= DPOR_PSEUDO_ID && (id >> 23 & 0xffu) == POR_CPU &&
		    (fp_kind(d, se, id, false) & PCSIM_POR_HELD))
			cpu = id;
	}
	if (!cpu)
		return -1;
	for (uint32_t k = e; k-- > 0;)
		if (d->steps.v[k].agent == se->agent &&
		    !(fp_kind(d, &d->steps.v[k], cpu, false) & PCSIM_POR_HELD))
			return (int32_t)k;
	return -1;
}

/*
 * A race e < j. When e's context held the CPU that j needs when e began, and j's agent could
 * not run before e (a task of that CPU; an interrupt while interrupts were off), it could come
 * before the step that took the CPU: that race is reversed too (the direct race is with the
 * hold's last step, so happens-before hides the one with its first). An interrupt that could
 * fire before e is reversed there, and from there on earlier, as any race. Then the race
 * itself, unless no execution reverses it.
 */
static void race(struct dpor *d, uint32_t e, uint32_t j)
{
	int32_t a = d->nohold ? -1 : hold_start(d, e, j);
	const struct step *se = &d->steps.v[e];
	uint32_t key = d->agents.v[d->steps.v[j].agent].key;
	if (a >= 0 && key >> 24 != 1 && se->node >= 0 &&
	    opt_of(d, &d->nodes.v[se->node], key) >= 0)
		a = -1;	/* an interrupt that can fire there (preemption off only): reversed at e */
	if (a >= 0) {
		if (d->debug)
			fprintf(stderr, "  race %u -> %u: held since %d\n", e, j, a);
		reverse(d, (uint32_t)a, j);
	}
	if (irreversible(d, e, j)) {
		d->irrev++;
		if (d->debug)
			fprintf(stderr, "  race %u -> %u: not reversible\n", e, j);
		return;
	}
	reverse(d, e, j);
}

static void reverse(struct dpor *d, uint32_t e, uint32_t j)
{
	const struct step *se = &d->steps.v[e];
	int32_t n1 = se->node;
	d->races++;
	if (d->debug)
		fprintf(stderr, "  race %u -> %u\n", e, j);
	/* The decision before e, and (bounded) the one before the block e ends. */
	int32_t n2 = -1;
	if (!d->unbounded) {
		uint32_t b = e;
		while (b > 0 && d->steps.v[b - 1].agent == se->agent)
			b--;
		n2 = d->steps.v[b].node;
		if (n2 == n1)
			n2 = -1;
	}
	if ((n1 < 0 || d->nodes.v[n1].blocked) && (n2 < 0 || d->nodes.v[n2].blocked))
		return;
	initials(d, e, j);
	unsigned before = d->debug ? bt_count(d, n1) + bt_count(d, n2) : 0;
	uint32_t prefer = d->agents.v[d->steps.v[j].agent].key;
	if (n1 >= 0 && !d->nodes.v[n1].blocked)
		add_initials(d, n1, d->unbounded, prefer);
	if (n2 >= 0 && !d->nodes.v[n2].blocked && add_initials(d, n2, false, prefer) == 0) {
		/* No initial is enabled at the block start: every option there (Coons et al.). */
		struct node *nd = &d->nodes.v[n2];
		d->fallbacks++;
		for (unsigned i = 0; i < nd->n; i++)
			setbit(bt_bits(d, nd), i);
	}
	if (d->debug && bt_count(d, n1) + bt_count(d, n2) != before)
		fprintf(stderr, "  race %u -> %u adds %u\n", e, j,
			bt_count(d, n1) + bt_count(d, n2) - before);
}

/* ---------------------------------------------------------------------------------------------
 * Steps
 */
static int fpent_cmp(const void *a, const void *b)
{
	const struct fpent *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void prefix_close(struct dpor *d);

/* The 4-byte granules an access covers, [@lo, @hi] (a pseudo object: its key alone). */
static inline void acc_granules(const struct acc *a, uint64_t *lo, uint64_t *hi)
{
	*lo = *hi = a->key;
	if (a->size) {
		*lo = a->key & ~3ull;
		*hi = (a->key + a->size - 1) & ~3ull;
	}
}

/* The recorded accesses of the open step become its footprint, clock and races. */
static void step_close(struct dpor *d)
{
	if (!d->open)
		return;
	if (d->prefix) {
		prefix_close(d);
		return;
	}
	d->open = false;
	uint32_t j = (uint32_t)d->steps.n - 1;
	struct step *sj = &d->steps.v[j];
	/* Footprint: object numbers, one entry per object. */
	sj->fp = (uint32_t)d->fps.n;
	sj->objs_n = (uint32_t)d->objs.n;
	sj->nobj = d->nobj;
	sj->rds_n = (uint32_t)d->rds.n;
	sj->undo = (uint32_t)d->undo.n;
	sj->rdu = (uint32_t)d->rdundo.n;
	uint32_t objs_before = sj->objs_n;
	uint64_t last_key = UINT64_MAX;	/* byte loops touch one word many times in a row */
	uint32_t last_slot = 0;
	for (size_t i = 0; i < d->accs.n; i++) {
		const struct acc *a = &d->accs.v[i];
		uint64_t lo, hi;
		acc_granules(a, &lo, &hi);
		for (uint64_t k = lo; k <= hi; k += 4) {
			uint32_t slot = k == last_key ? last_slot : obj_slot(d, k);
			if (slot == UINT32_MAX || !VGROW(d, d->fps, d->fps.n + 1))
				return;
			last_key = k;
			last_slot = slot;
			struct objstate *os = &d->objs.v[slot];
			if (os->fstep != (int32_t)j) {
				if (slot < objs_before && !d->noincr) {
					/* its state before this step, for rewind() */
					if (!VGROW(d, d->undo, d->undo.n + 1))
						return;
					os = &d->objs.v[slot];
					d->undo.v[d->undo.n++] = (struct objundo){ slot, *os };
				}
				os->fstep = (int32_t)j;
				os->fpos = (uint32_t)d->fps.n;
				d->fps.v[d->fps.n++] = (struct fpent){ slot, 0 };
			}
			d->fps.v[os->fpos].kind |= (uint8_t)a->kind;
			if (!a->size)
				break;
		}
	}
	sj->nfp = (uint32_t)(d->fps.n - sj->fp);
	d->accs.n = 0;
	/* Happens-before: program order, then the last conflicting steps of each object. */
	struct agent *ag = &d->agents.v[sj->agent];
	uint32_t dp[64];
	unsigned ndp = 0;
	bool overflow = false;
	for (uint32_t x = 0; x < sj->nfp; x++) {
		struct fpent *f = &d->fps.v[sj->fp + x];
		struct objstate *os = &d->objs.v[f->id];
		if (os->lw >= 0 && d->steps.v[os->lw].agent != sj->agent) {
			bool dup = false;
			for (unsigned q = 0; q < ndp && !dup; q++)
				dup = dp[q] == (uint32_t)os->lw;
			if (dup)
				;
			else if (ndp < 64)
				dp[ndp++] = (uint32_t)os->lw;
			else
				overflow = true;
		}
		unsigned cm = os->present ? conf_mask(f->kind) & os->present : 0;
		for (unsigned l = 0; cm && l < NLISTS; l++) {
			if (!(cm & list_kind[l]))
				continue;
			for (int32_t r = os->rhead[l]; r >= 0; r = d->rds.v[r].next) {
				uint32_t s = (uint32_t)d->rds.v[r].step;
				if (d->steps.v[s].agent == sj->agent)
					continue;
				bool dup = false;
				for (unsigned q = 0; q < ndp && !dup; q++)
					dup = dp[q] == s;
				if (dup)
					continue;
				if (ndp < 64)
					dp[ndp++] = s;
				else
					overflow = true;
			}
		}
	}
	size_t width = d->agents.n;
	if (!VGROW(d, d->vcs, d->vcs.n + width))
		return;
	sj = &d->steps.v[j];
	sj->vc = (uint32_t)d->vcs.n;
	sj->vcw = (uint32_t)width;
	uint32_t *vc = &d->vcs.v[sj->vc];
	memset(vc, 0, width * sizeof(*vc));
	d->vcs.n += width;
	int32_t po = ag->last;
	sj->prev = po;
	if (po >= 0) {
		const struct step *sp = &d->steps.v[po];
		memcpy(vc, &d->vcs.v[sp->vc], sp->vcw * sizeof(*vc));
	}
	for (unsigned q = 0; q < ndp; q++) {
		const struct step *sq = &d->steps.v[dp[q]];
		for (uint32_t a = 0; a < sq->vcw; a++)
			if (d->vcs.v[sq->vc + a] > vc[a])
				vc[a] = d->vcs.v[sq->vc + a];
	}
	/* The overflowed predecessors (rare): join them too, from the objects again. */
	if (overflow)
		for (uint32_t x = 0; x < sj->nfp; x++) {
			struct objstate *os = &d->objs.v[d->fps.v[sj->fp + x].id];
			unsigned cm = conf_mask(d->fps.v[sj->fp + x].kind);
			const struct step *sq = os->lw >= 0 ? &d->steps.v[os->lw] : NULL;
			for (uint32_t a = 0; sq && a < sq->vcw; a++)
				if (d->vcs.v[sq->vc + a] > vc[a])
					vc[a] = d->vcs.v[sq->vc + a];
			for (unsigned l = 0; l < NLISTS; l++) {
				if (!(cm & list_kind[l]))
					continue;
				for (int32_t r = os->rhead[l]; r >= 0; r = d->rds.v[r].next) {
					sq = &d->steps.v[d->rds.v[r].step];
					for (uint32_t a = 0; a < sq->vcw; a++)
						if (d->vcs.v[sq->vc + a] > vc[a])
							vc[a] = d->vcs.v[sq->vc + a];
				}
			}
		}
	vc[sj->agent] = sj->aidx;
	ag->last = (int32_t)j;
	if (d->debug) {
		fprintf(stderr, "step %u agent %x#%u node %d fp:", j, ag->key, sj->aidx, sj->node);
		for (uint32_t x = 0; x < sj->nfp; x++)
			fprintf(stderr, " %x:%u", d->objs.v[d->fps.v[sj->fp + x].id].id,
				d->fps.v[sj->fp + x].kind);
		fprintf(stderr, " dp:");
		for (unsigned q = 0; q < ndp; q++)
			fprintf(stderr, " %u", dp[q]);
		fprintf(stderr, "\n");
	}
	/* Races: direct predecessors that happen before no other one. */
	for (unsigned q = 0; q < ndp; q++) {
		bool direct = !(po >= 0 && hb(d, dp[q], (uint32_t)po));
		for (unsigned r = 0; r < ndp && direct; r++)
			if (r != q && hb(d, dp[q], dp[r]))
				direct = false;
		if (direct)
			race(d, dp[q], j);
	}
	/* Update the objects' last accesses. */
	for (uint32_t x = 0; x < sj->nfp; x++) {
		struct fpent *f = &d->fps.v[sj->fp + x];
		struct objstate *os = &d->objs.v[f->id];
		if (f->kind & PCSIM_POR_W) {
			os->lw = (int32_t)j;
			for (unsigned l = 0; l < NLISTS; l++)
				os->rhead[l] = -1;
			os->present = 0;
			continue;
		}
		for (unsigned l = 0; l < NLISTS; l++) {
			if (!(f->kind & list_kind[l]))
				continue;
			/* One entry per agent: its latest access of that kind (earlier ones
			 * happen before it). */
			int32_t r;
			for (r = os->rhead[l]; r >= 0; r = d->rds.v[r].next)
				if (d->steps.v[d->rds.v[r].step].agent == sj->agent)
					break;
			if (r >= 0) {
				if (!d->noincr) {
					if (!VGROW(d, d->rdundo, d->rdundo.n + 1))
						return;
					d->rdundo.v[d->rdundo.n++] =
						(struct rdundo){ (uint32_t)r, d->rds.v[r].step };
				}
				d->rds.v[r].step = (int32_t)j;
				continue;
			}
			if (!VGROW(d, d->rds, d->rds.n + 1))
				return;
			sj = &d->steps.v[j];
			d->rds.v[d->rds.n] = (struct rd){ (int32_t)j, os->rhead[l] };
			os->rhead[l] = (int32_t)d->rds.n++;
			os->present |= list_kind[l];
		}
	}
	/* From here on the footprint holds object numbers, not slots. */
	for (uint32_t x = 0; x < sj->nfp; x++) {
		struct fpent *f = &d->fps.v[sj->fp + x];
		f->id = d->objs.v[f->id].id;
	}
	/* Sleep sets: the step's agent and every agent it conflicts with wake up (the footprint
	 * sorted for sleep_dep(); sleep_entry() sorts the copies it keeps). */
	if (d->sleep && d->cursleep.n) {
		qsort(&d->fps.v[sj->fp], sj->nfp, sizeof(struct fpent), fpent_cmp);
		uint32_t key = ag->key;
		size_t k = 0;
		for (size_t i = 0; i < d->cursleep.n; i++) {
			struct sleepent *s = &d->cursleep.v[i];
			if (s->agent == key || sleep_dep(d, s, &d->fps.v[sj->fp], sj->nfp))
				continue;
			d->cursleep.v[k++] = *s;
		}
		d->cursleep.n = k;
	}
}

/*
 * A step of the kept prefix closes (the incremental record): its record is the one the last
 * execution made, so only the addresses it touched are mapped again, to the slots they had
 * (first-touch order, as step_close() numbers them). A step that maps more or fewer objects
 * than it did means the prefix did not replay: that is an internal error, not a guess.
 */
static void prefix_close(struct dpor *d)
{
	d->open = false;
	uint32_t p = d->pfx_steps - 1;
	uint32_t end = p + 1 < d->steps.n ? d->steps.v[p + 1].objs_n : (uint32_t)d->objs.n;
	uint64_t last_key = UINT64_MAX;
	for (size_t i = 0; i < d->accs.n; i++) {
		const struct acc *a = &d->accs.v[i];
		uint64_t lo, hi;
		acc_granules(a, &lo, &hi);
		for (uint64_t k = lo; k <= hi; k += 4) {
			if (k != last_key) {
				if (!map_room(d))
					return;
				struct objslot *e = map_find(d, k);
				if (e->gen != d->gen) {
					if (d->pslot >= end) {
						d->incr_bad = true;
						return;
					}
					*e = (struct objslot){ k, d->gen, d->pslot++ };
					d->mapused++;
				}
				last_key = k;
			}
			if (!a->size)
				break;
		}
	}
	d->accs.n = 0;
	if (d->pslot != end)
		d->incr_bad = true;
}

/*
 * Rewind this execution's record to its first @S steps: undo what steps S.. did to the
 * objects, the read lists and the agents, latest first, and drop what they added.
 */
static void rewind_to(struct dpor *d, uint32_t S)
{
	if (S >= d->steps.n)
		return;
	for (uint32_t j = (uint32_t)d->steps.n; j-- > S;) {
		const struct step *sj = &d->steps.v[j];
		size_t u_end = j + 1 < d->steps.n ? d->steps.v[j + 1].rdu : d->rdundo.n;
		for (size_t u = u_end; u-- > sj->rdu;)
			d->rds.v[d->rdundo.v[u].rd].step = d->rdundo.v[u].step;
		u_end = j + 1 < d->steps.n ? d->steps.v[j + 1].undo : d->undo.n;
		for (size_t u = u_end; u-- > sj->undo;)
			d->objs.v[d->undo.v[u].slot] = d->undo.v[u].os;
		struct agent *ag = &d->agents.v[sj->agent];
		ag->nsteps--;
		ag->last = sj->prev;
	}
	const struct step *s0 = &d->steps.v[S];
	d->fps.n = s0->fp;
	d->vcs.n = s0->vc;
	d->objs.n = s0->objs_n;
	d->nobj = s0->nobj;
	d->rds.n = s0->rds_n;
	d->undo.n = s0->undo;
	d->rdundo.n = s0->rdu;
	d->steps.n = S;
	/* Agents are made with their first step: those of the dropped steps are the last. */
	while (d->agents.n && d->agents.v[d->agents.n - 1].nsteps == 0)
		d->agents.n--;
}

static uint32_t agent_index(struct dpor *d, uint32_t key)
{
	for (size_t i = d->agents.n; i-- > 0;)
		if (d->agents.v[i].key == key)
			return (uint32_t)i;
	if (!VGROW(d, d->agents, d->agents.n + 1))
		return 0;
	d->agents.v[d->agents.n] = (struct agent){ key, 0, -1 };
	return (uint32_t)d->agents.n++;
}

/*
 * Options outside the bounded sleep rule's argument (docs/explore.md): a store-buffer flush, a
 * spurious wakeup and an engine action run without switching the running context, so the
 * cost of the steps after them depends on which context ran last, which the rule's reordering
 * changes.
 */
static bool option_impure(const struct pcsim__opt *o)
{
	return o->type == OPT_FLUSH || o->type == OPT_SPURIOUS ||
	       (o->type == OPT_FIRE && ((const struct pcsim__event *)o->p)->cpu < 0);
}

static void rec_step(struct pcsim__por *p, struct pcsim_world *w, const struct pcsim__opt *o,
		     unsigned n)
{
	struct dpor *d = (struct dpor *)((char *)p - offsetof(struct dpor, rec));
	step_close(d);
	if (d->prefix) {
		if (d->incr_bad) {
			pcsim__failf(w, PCSIM_OUTCOME_INTERNAL, "dpor-prefix",
				     "DPOR's kept record of the first %u steps does not match their "
				     "replay (step %u touched other objects); PCSIM_DPOR_NOINCR=1 "
				     "records every step again",
				     (unsigned)d->steps.n, d->pfx_steps);
			d->prefix = false;
			d->finished = true;
			return;
		}
		if (d->pfx_steps < d->steps.n &&
		    d->steps.v[d->pfx_steps].estep != w->ex.step) {
			/* the invariants skipped before the resumed step (dpor_begin()) assume a
			 * step-for-step replay */
			pcsim__failf(w, PCSIM_OUTCOME_INTERNAL, "dpor-prefix",
				     "DPOR's replay of its kept prefix reached its step %u at the "
				     "engine's step %llu where it was recorded at step %llu: the "
				     "program depends on something outside the engine",
				     d->pfx_steps, (unsigned long long)w->ex.step,
				     (unsigned long long)d->steps.v[d->pfx_steps].estep);
			d->prefix = false;
			d->finished = true;
			return;
		}
		if (d->pfx_steps < d->steps.n) {
			/* A step of the kept prefix: its record stands, its addresses are mapped. */
			d->pfx_steps++;
			d->incr_steps++;
			d->pending_node = -1;
			d->open = true;
			return;
		}
		d->prefix = false;	/* the first step this execution records */
	}
	if (d->oom || !VGROW(d, d->steps, d->steps.n + 1))
		return;
	if (!d->unbounded && !d->impure && option_impure(o))
		d->impure = true;
	uint32_t a = agent_index(d, agent_key(o));
	struct step *s = &d->steps.v[d->steps.n];
	s->cont = false;
	if (d->bsleep_block && d->steps.n) {
		uint32_t pk = d->agents.v[d->steps.v[d->steps.n - 1].agent].key;
		if (n > 1 && d->pending_node >= 0)
			s->cont = opt_of(d, &d->nodes.v[d->pending_node], pk) >= 0;
		else
			s->cont = d->agents.v[a].key == pk;
	}
	s->agent = a;
	s->estep = w->ex.step;
	s->aidx = ++d->agents.v[a].nsteps;
	s->node = n > 1 ? d->pending_node : -1;
	s->fp = s->nfp = s->vc = s->vcw = 0;
	s->data = false;
	if (s->node >= 0)
		d->nodes.v[s->node].step = (int32_t)d->steps.n;
	d->pending_node = -1;
	d->steps.n++;
	d->open = true;
}

static void rec_end(struct pcsim__por *p)
{
	step_close((struct dpor *)((char *)p - offsetof(struct dpor, rec)));
}

static void rec_access(struct pcsim__por *p, uint64_t key, unsigned size, unsigned kind)
{
	struct dpor *d = (struct dpor *)((char *)p - offsetof(struct dpor, rec));
	if (!d->open || (d->noplain && (kind & PCSIM_POR_PLAIN)))
		return;	/* outside a step: setup and finish run alone */
	kind &= ~PCSIM_POR_PLAIN;
	if (d->accs.n && size) {
		/* Byte loops (a page copy) touch consecutive bytes: one range. */
		struct acc *l = &d->accs.v[d->accs.n - 1];
		if (l->kind == kind && l->size && key >= l->key && key <= l->key + l->size &&
		    l->size < (1u << 30)) {
			if (key + size > l->key + l->size)
				l->size = (uint32_t)(key + size - l->key);
			return;
		}
	}
	if (!VGROW(d, d->accs, d->accs.n + 1))
		return;
	d->accs.v[d->accs.n++] = (struct acc){ key, size, kind };
}

/* ---------------------------------------------------------------------------------------------
 * The strategy
 */
static int dpor_init(struct pcsim__strategy *s, const struct pcsim_explore_opts *o, char *err,
		     size_t errlen)
{
	(void)err, (void)errlen;
	struct dpor *d = (struct dpor *)s;
	d->bound = o->preemption_bound;
	d->unbounded = o->preemption_bound >= PCSIM_DPOR_UNBOUNDED;
	d->rec.step = rec_step;
	d->rec.end = rec_end;
	d->rec.access = rec_access;
	const char *dbg = getenv("PCSIM_DPOR_DEBUG");
	d->stats = dbg != NULL;
	d->traces = dbg && strcmp(dbg, "traces") == 0;
	d->debug = dbg && strcmp(dbg, "stats") != 0 && !d->traces;
	d->nohold = getenv("PCSIM_DPOR_NOHOLD") != NULL;
	d->noplain = getenv("PCSIM_DPOR_NOPLAIN") != NULL;
	d->bsleep = !d->unbounded && getenv("PCSIM_DPOR_NOBSLEEP") == NULL;
	d->bsleep_unsafe = d->bsleep && getenv("PCSIM_DPOR_BSLEEP_UNSAFE") != NULL;
	d->bsleep_block = getenv("PCSIM_DPOR_BSLEEP_BLOCK") != NULL;
	d->full = getenv("PCSIM_DPOR_FULL") != NULL;
	const char *ca = getenv("PCSIM_DFS_CHECK_ALL");
	d->check_all = ca && *ca && strcmp(ca, "0") != 0;
	/* The debug output prints every step's record as it is made: all of them, every time. */
	d->noincr = d->debug || getenv("PCSIM_DPOR_NOINCR") != NULL;
	d->resume = -1;
	if (d->traces && getenv("PCSIM_DPOR_TRACEFILE"))
		d->tf = fopen(getenv("PCSIM_DPOR_TRACEFILE"), "w");
	if (d->full)
		d->bsleep = d->unbounded = false;
	d->sleep = d->unbounded || d->bsleep;
	d->env = (d->full ? DPOR_ENV_FULL : 0) | (d->nohold ? DPOR_ENV_NOHOLD : 0) |
		 (d->noplain ? DPOR_ENV_NOPLAIN : 0) |
		 (getenv("PCSIM_DPOR_NOBSLEEP") ? DPOR_ENV_NOBSLEEP : 0) |
		 (d->bsleep_unsafe ? DPOR_ENV_BSLEEP_UNSAFE : 0) |
		 (d->bsleep_block ? DPOR_ENV_BSLEEP_BLOCK : 0);
	return 0;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

/* Debug: a fingerprint of this execution's trace (each step's agent, index and vector clock,
 * agents named by key), independent of the order of independent steps. */
static uint64_t trace_hash(const struct dpor *d)
{
	uint64_t h = 0;
	for (size_t i = 0; i < d->steps.n; i++) {
		const struct step *s = &d->steps.v[i];
		uint64_t x = mix64(((uint64_t)d->agents.v[s->agent].key << 32) | s->aidx);
		uint64_t v = 0;
		for (uint32_t a = 0; a < s->vcw; a++)
			if (d->vcs.v[s->vc + a])
				v += mix64(((uint64_t)d->agents.v[a].key << 32) |
					   d->vcs.v[s->vc + a]);
		h += mix64(x ^ v);
	}
	return h;
}

uint64_t pcsim__dpor_trace_hash(const struct pcsim__strategy *s)
{
	if (!s || s->ops != &pcsim__dpor_ops)
		return 0;
	const struct dpor *d = (const struct dpor *)s;
	return d->oom || !d->steps.n ? 0 : trace_hash(d);
}

/* Debug (PCSIM_DPOR_DEBUG=traces): keep this execution's trace fingerprint and, with
 * PCSIM_DPOR_TRACEFILE, write it and the agents of its steps in order to that file. */
static void trace_record(struct dpor *d)
{
	uint64_t h = trace_hash(d);
	if (VGROW(d, d->thash, d->thash.n + 1))
		d->thash.v[d->thash.n++] = h;
	if (d->tf) {
		fprintf(d->tf, "%016llx", (unsigned long long)h);
		for (size_t i = 0; i < d->steps.n; i++)
			fprintf(d->tf, " %x", d->agents.v[d->steps.v[i].agent].key);
		fprintf(d->tf, "\n");
	}
}

static void dpor_fini(struct pcsim__strategy *s)
{
	struct dpor *d = (struct dpor *)s;
	if (d->stats)
		fprintf(stderr,
			"dpor: races %llu irreversible %llu blocked %llu fallbacks %llu data %llu "
			"sched %llu sleep-entries step %llu block %llu cut %llu restarts %llu "
			"kept-steps %llu\n",
			(unsigned long long)d->races, (unsigned long long)d->irrev,
			(unsigned long long)d->blocked_execs,
			(unsigned long long)d->fallbacks, (unsigned long long)d->datanodes,
			(unsigned long long)d->schednodes, (unsigned long long)d->bs_step,
			(unsigned long long)d->bs_block, (unsigned long long)d->bs_cut,
			(unsigned long long)d->restarts, (unsigned long long)d->incr_steps);
	if (d->traces && d->thash.n) {
		qsort(d->thash.v, d->thash.n, sizeof(uint64_t), u64_cmp);
		size_t k = 1;
		for (size_t i = 1; i < d->thash.n; i++)
			k += d->thash.v[i] != d->thash.v[i - 1];
		fprintf(stderr, "dpor: %zu executions, %zu distinct traces\n", d->thash.n, k);
	}
	free(d->thash.v);
	if (d->tf)
		fclose(d->tf);
	if (d->w && d->w->por == &d->rec)
		d->w->por = NULL;
	free(d->nodes.v);
	free(d->keys.v);
	free(d->words.v);
	free(d->sl.v);
	free(d->sfp.v);
	free(d->steps.v);
	free(d->fps.v);
	free(d->vcs.v);
	free(d->accs.v);
	free(d->agents.v);
	free(d->objs.v);
	free(d->rds.v);
	free(d->cursleep.v);
	free(d->undo.v);
	free(d->rdundo.v);
	free(d->map);
	free(d->first.v);
	free(d->seen.v);
	free(d->initials.v);
}

static bool dpor_begin(struct pcsim__strategy *s, struct pcsim_world *w)
{
	struct dpor *d = (struct dpor *)s;
	if (d->finished)
		return false;
	if (w->cfg.timed) {
		/* Virtual time advances with every step: no two steps commute. */
		pcsim__failf(w, PCSIM_OUTCOME_INTERNAL, "dpor-timed",
			     "the dpor strategy does not support timed mode (virtual time orders "
			     "every step); use --strategy dfs");
		d->finished = true;
		return true;
	}
	if (d->bsleep && (w->cfg.mem != PCSIM_MEM_SC || w->cfg.max_spurious))
		d->impure = true;	/* flushes or spurious wakeups: known before any entry */
	d->w = w;
	d->rec.prev = NULL;
	w->por = &d->rec;
	d->depth = 0;
	d->accs.n = d->cursleep.n = 0;
	d->prefix = d->resume > 0 && (size_t)d->resume < d->steps.n;
	if (d->prefix && !d->check_all) {
		/*
		 * The steps before the resumed one replay the previous execution's step for step
		 * (rec_step() checks each against its engine step), so the states before it were
		 * checked there: the state invariants start from the state it is taken in, as DFS
		 * does (docs/explore.md, "What a replayed prefix skips").
		 */
		uint64_t at = d->steps.v[d->resume].estep;
		w->ex.inv_from = at ? at - 1 : 0;
	}
	if (d->prefix)
		rewind_to(d, (uint32_t)d->resume);
	d->pfx_steps = d->pslot = 0;
	d->incr_bad = false;
	d->resume = -1;
	if (!d->prefix) {
		d->steps.n = d->fps.n = d->vcs.n = d->agents.n = 0;
		d->objs.n = d->rds.n = d->undo.n = d->rdundo.n = 0;
		d->nobj = 0;
	}
	d->mapused = 0;
	if (++d->gen == 0) {
		memset(d->map, 0, d->mapcap * sizeof(*d->map));
		d->gen = 1;
	}
	d->pending_node = -1;
	d->open = false;
	d->redundant = false;
	if (d->debug)
		fprintf(stderr, "--- execution %llu\n", (unsigned long long)s->exec);
	return true;
}

/* The sleep set in force at decision @nd: its entry part and the options explored there. */
static bool load_sleep(struct dpor *d, const struct node *nd)
{
	if (!VGROW(d, d->cursleep, nd->nsl))
		return false;
	if (nd->nsl)
		memcpy(d->cursleep.v, &d->sl.v[nd->sl], nd->nsl * sizeof(struct sleepent));
	d->cursleep.n = nd->nsl;
	return true;
}

static bool cur_sleeping(struct dpor *d, uint32_t key)
{
	for (size_t i = 0; i < d->cursleep.n; i++)
		if (d->cursleep.v[i].agent == key)
			return true;
	return false;
}

static unsigned dpor_pick(struct pcsim__strategy *base, struct pcsim_world *w,
			  const struct pcsim__opt *opts, unsigned n, int cur,
			  const char *data_kind)
{
	struct dpor *d = (struct dpor *)base;
	size_t di = d->depth++;
	bool data = data_kind != NULL;
	if (data && d->open && !d->prefix)
		d->steps.v[d->steps.n - 1].data = true;
	if (di < d->nodes.n) {
		struct node *nd = &d->nodes.v[di];
		if (nd->n != n || nd->chosen >= n || nd->data != data) {
			pcsim__failf(w, PCSIM_OUTCOME_INTERNAL, "nondeterminism",
				     "DPOR prefix replay found %u options where %u were recorded "
				     "(decision %zu): the program depends on something outside the "
				     "engine",
				     n, nd->n, di);
			return 0;
		}
		if (!data) {
			d->pending_node = (int32_t)di;
			if (d->sleep)
				load_sleep(d, nd);
			if (nd->blocked)
				d->redundant = true;
		}
		return nd->chosen;
	}
	/* A new decision. */
	size_t words = 2 * ((n + 63u) / 64u);
	if (!VGROW(d, d->nodes, d->nodes.n + 1) || !VGROW(d, d->keys, d->keys.n + n) ||
	    !VGROW(d, d->words, d->words.n + words) ||
	    !VGROW(d, d->sl, d->sl.n + d->cursleep.n))
		goto oom;
	struct node *nd = &d->nodes.v[d->nodes.n];
	uint32_t pre = 0;
	if (d->nodes.n) {
		const struct node *p = &d->nodes.v[d->nodes.n - 1];
		pre = p->pre_before + node_cost(d, p, p->chosen);
	}
	nd->n = (uint16_t)n;
	nd->cur = (int16_t)cur;
	nd->data = data;
	nd->blocked = d->redundant;
	nd->pre_before = pre;
	nd->keys = (uint32_t)d->keys.n;
	for (unsigned i = 0; i < n; i++)
		d->keys.v[d->keys.n++] = agent_key(&opts[i]);
	nd->bits = (uint32_t)d->words.n;
	memset(&d->words.v[d->words.n], 0, words * sizeof(uint64_t));
	d->words.n += words;
	nd->sfp_top = (uint32_t)d->sfp.n;
	nd->nobj = d->nobj;
	nd->step = -1;
	nd->sl = (uint32_t)d->sl.n;
	nd->nsl = nd->nsl_entry = 0;
	int pick = -1;
	if (data)
		d->datanodes++;
	else
		d->schednodes++;
	if (data || d->full) {
		for (unsigned i = 0; i < n; i++)
			setbit(bt_bits(d, nd), i);
		pick = data ? 0 : cur >= 0 ? cur : 0;
		if (!data)
			d->pending_node = (int32_t)d->nodes.n;
	} else {
		if (!d->unbounded && !d->impure)
			for (unsigned i = 0; i < n && !d->impure; i++)
				d->impure = option_impure(&opts[i]);
		if (d->sleep && !nd->blocked && d->cursleep.n) {
			memcpy(&d->sl.v[d->sl.n], d->cursleep.v,
			       d->cursleep.n * sizeof(struct sleepent));
			nd->nsl = nd->nsl_entry = (uint32_t)d->cursleep.n;
			d->sl.n += d->cursleep.n;
		}
		/* Default first (no preemption), then the first option that is awake and
		 * affordable. */
		if (cur >= 0 && !cur_sleeping(d, agent_key(&opts[cur])))
			pick = cur;
		for (unsigned i = 0; i < n && pick < 0; i++)
			if (!cur_sleeping(d, agent_key(&opts[i])) &&
			    pre + opt_cost(nd, &opts[i], i) <= d->bound)
				pick = (int)i;
		if (pick < 0) {
			/* Sleep-set blocked: every continuation was explored elsewhere. */
			pick = cur >= 0 ? cur : 0;
			nd->blocked = true;
			if (!d->redundant)
				d->blocked_execs++;
			d->redundant = true;
		}
		setbit(bt_bits(d, nd), (unsigned)pick);
		d->pending_node = (int32_t)d->nodes.n;
		if (d->debug) {
			fprintf(stderr, "node %zu at step %zu cur %d pick %d opts:", d->nodes.n,
				d->steps.n, cur, pick);
			for (unsigned i = 0; i < n; i++)
				fprintf(stderr, " %x", agent_key(&opts[i]));
			fprintf(stderr, " sleep:");
			for (size_t i = 0; i < d->cursleep.n; i++)
				fprintf(stderr, " %x(%u)", d->cursleep.v[i].agent, d->cursleep.v[i].nfp);
			fprintf(stderr, "\n");
		}
	}
	nd->chosen = (uint16_t)pick;
	d->nodes.n++;
	return (unsigned)pick;
oom:
	pcsim__failf(w, PCSIM_OUTCOME_INTERNAL, "out-of-memory", "no memory for DPOR decision %zu",
		     d->nodes.n + 1);
	d->finished = true;
	return cur >= 0 ? (unsigned)cur : 0;
}

/* Drop decision @i and everything recorded after it. */
static void pop_to(struct dpor *d, size_t i)
{
	struct node *nd = &d->nodes.v[i];
	d->keys.n = nd->keys;
	d->words.n = nd->bits;
	d->sl.n = nd->sl;
	d->sfp.n = nd->sfp_top;
	d->nodes.n = i;
}

/*
 * The option just explored at decision @i sleeps for its later siblings, with a footprint,
 * unless a data choice was made in it (its footprint depends on the value).
 *
 * Without a bound the footprint is that of the option's step. Under the bound (docs/explore.md,
 * "Sleep sets under the bound"), an execution that a sleeping agent t prunes, u.w.t.rest, must
 * have an equivalent one t...u.w.rest that costs no more preemptions, so that the exploration
 * of t's branch within the bound covered it:
 *   - the running context's option (the default, cost 0), sleeping for siblings that preempt
 *     (cost 1): the step's footprint; moving t's step to the front trades the preemption at
 *     the decision for at most one after t;
 *   - any other option (each later sibling costs as much): the footprint of t's whole run of
 *     steps in this execution, up to the step where its agent had no option any more (so the
 *     run t's agent makes in the pruned execution is a prefix of it, and moving that run to
 *     the front adds no switch). A run cut while its agent could go on makes no entry.
 */
static void sleep_entry(struct dpor *d, size_t i)
{
	struct node *nd = &d->nodes.v[i];
	const struct step *st = &d->steps.v[nd->step];
	size_t end = (size_t)nd->step + 1;
	if (!d->unbounded && nd->cur >= 0 && nd->pre_before + 1 > d->bound)
		return;	/* every sibling preempts, and none is affordable */
	if (!d->unbounded && !d->bsleep_unsafe && !(nd->cur >= 0 && nd->chosen == nd->cur)) {
		if (!d->bsleep_block)
			return;
		while (end < d->steps.n && d->steps.v[end].agent == st->agent)
			end++;
		if (end < d->steps.n && d->steps.v[end].cont) {
			d->bs_cut++;
			return;
		}
	}
	size_t nfp = 0;
	for (size_t k = (size_t)nd->step; k < end; k++) {
		if (d->steps.v[k].data)
			return;
		nfp += d->steps.v[k].nfp;
	}
	if (!VGROW(d, d->sl, d->sl.n + 1) || !VGROW(d, d->sfp, d->sfp.n + nfp))
		return;
	nd = &d->nodes.v[i];
	struct fpent *f = &d->sfp.v[d->sfp.n];
	size_t m = 0;
	for (size_t k = (size_t)nd->step; k < end; k++) {
		const struct step *sk = &d->steps.v[k];
		if (sk->nfp)
			memcpy(&f[m], &d->fps.v[sk->fp], sk->nfp * sizeof(struct fpent));
		m += sk->nfp;
	}
	if (m > 1)
		qsort(f, m, sizeof(*f), fpent_cmp);
	if (end - (size_t)nd->step > 1 && m > 1) {
		/* The union of the run's footprints: one entry per object. */
		size_t o = 0;
		for (size_t x = 1; x < m; x++) {
			if (f[x].id == f[o].id)
				f[o].kind |= f[x].kind;
			else
				f[++o] = f[x];
		}
		m = o + 1;
	}
	d->sl.v[d->sl.n++] = (struct sleepent){ d->keys.v[nd->keys + nd->chosen],
						(uint32_t)d->sfp.n, (uint32_t)m, nd->nobj };
	d->sfp.n += m;
	nd->nsl++;
	if (d->debug)
		fprintf(stderr, "sleep entry node %zu step %d agent %x run %zu cur %d chosen %u nfp %zu\n",
			i, nd->step, d->keys.v[nd->keys + nd->chosen], end - (size_t)nd->step,
			nd->cur, nd->chosen, m);
	if (!d->unbounded) {
		d->bsleep_used = true;
		if (end - (size_t)nd->step > 1)
			d->bs_block++;
		else
			d->bs_step++;
	}
}

/* The next option of decision @nd to explore, or -1. */
static int next_option(struct dpor *d, struct node *nd)
{
	uint64_t *bt = bt_bits(d, nd), *done = done_bits(d, nd);
	for (unsigned i = 0; i < nd->n; i++) {
		if (!bit(bt, i) || bit(done, i))
			continue;
		if (nd->pre_before + node_cost(d, nd, i) > d->bound)
			continue;
		if (!nd->data && sleeping_at(d, nd, d->keys.v[nd->keys + i]))
			continue;
		return (int)i;
	}
	return -1;
}

/*
 * The next execution replays decisions [0, @i) and takes another option at @i: every step
 * before the one that decision @i (a scheduling decision) chose is the same, so the record
 * keeps them. Under a data decision the step it was made in differs, and the sleep set the
 * next new decision starts from is filtered by the steps after the last scheduling decision:
 * the record goes back to that decision's step.
 */
static void keep_prefix(struct dpor *d, size_t i)
{
	size_t x = i + 1;
	while (x-- > 0)
		if (!d->nodes.v[x].data)
			break;
	if (x == SIZE_MAX || d->nodes.v[x].step < 0 || (size_t)d->nodes.v[x].step >= d->steps.n)
		return;
	/* rewound when the next execution begins: the record stays whole until then
	 * (pcsim__dpor_trace_hash()) */
	d->resume = d->nodes.v[x].step;
}

static void dpor_end(struct pcsim__strategy *base, struct pcsim_world *w)
{
	struct dpor *d = (struct dpor *)base;
	step_close(d);
	if (d->prefix) {
		/* Over within the kept prefix (a replay that stopped early): its steps are the
		 * first pfx_steps of the record. */
		d->prefix = false;
		rewind_to(d, d->pfx_steps);
	}
	d->resume = -1;
	if (w->por == &d->rec)
		w->por = NULL;
	if (!d->shape.known && d->depth) {
		/* once: the first execution's shape, for dpor_progress() (decides nothing) */
		size_t pdec = 0, alt = 0, nd = d->depth < d->nodes.n ? d->depth : d->nodes.n;
		for (size_t i = 0; i < nd; i++) {
			size_t c = 0;
			for (unsigned k = 0; k < d->nodes.v[i].n; k++)
				c += node_cost(d, &d->nodes.v[i], k);
			pdec += c != 0;
			alt += c;
		}
		pcsim__tree_shape_set(&d->shape, nd, pdec, alt);
	}
	if (d->traces && !d->oom)
		trace_record(d);
	if (d->oom) {
		pcsim__failf(w, PCSIM_OUTCOME_INTERNAL, "out-of-memory",
			     "no memory for the DPOR bookkeeping");
		d->finished = true;
		return;
	}
	if (d->finished)
		return;
	if (d->bsleep && d->impure) {
		/* The bounded sleep rule does not hold for this program: off, and if it pruned
		 * anything already, the search starts again without it. */
		d->bsleep = false;
		d->sleep = false;
		if (d->bsleep_used) {
			d->restarts++;
			if (d->nodes.n)
				pop_to(d, 0);
			return;
		}
	}
	/* Decisions beyond what this execution reached are gone (it may have ended early). */
	if (d->nodes.n > d->depth)
		pop_to(d, d->depth);
	while (d->nodes.n) {
		size_t i = d->nodes.n - 1;
		struct node *nd = &d->nodes.v[i];
		/* Everything deeper is gone: the pools end with this decision's entries. */
		setbit(done_bits(d, nd), nd->chosen);
		if (d->sleep && !nd->data && nd->step >= 0 && (size_t)nd->step < d->steps.n)
			sleep_entry(d, i);
		nd = &d->nodes.v[i];
		int next = next_option(d, nd);
		if (next >= 0 && !d->unbounded && next == nd->cur && nd->nsl > nd->nsl_entry) {
			/* Defensive: the running context's option is tried first unless it sleeps
			 * on entry, and then it is never tried, so this does not happen; if it did,
			 * no explored sibling may sleep for an option that costs less than it did
			 * (the bounded rule). */
			d->sl.n = nd->sl + nd->nsl_entry;
			d->sfp.n = nd->sfp_top;
			nd->nsl = nd->nsl_entry;
		}
		if (next >= 0 && d->debug) {
			fprintf(stderr, "next node %zu option %d (%x) sleep:", i, next,
				d->keys.v[nd->keys + next]);
			for (uint32_t q = 0; q < nd->nsl; q++)
				fprintf(stderr, " %x", d->sl.v[nd->sl + q].agent);
			fprintf(stderr, " entry %u\n", nd->nsl_entry);
		}
		if (next >= 0) {
			if (!d->noincr)
				keep_prefix(d, i);
			nd->chosen = (uint16_t)next;
			nd->step = -1;
			return;
		}
		pop_to(d, i);
	}
	d->finished = true;
}

static bool dpor_exhausted(const struct pcsim__strategy *s)
{
	return ((const struct dpor *)s)->finished && !((const struct dpor *)s)->oom;
}

/*
 * Whether the next execution is the last cannot be told before it runs (the races it finds
 * may add alternatives to the decisions it replays): none is traced on that account; the last
 * one's schedule is replayed traced at the end (explore.c, docs/explore.md "Traces of a
 * search").
 */
static bool dpor_might_be_last(const struct pcsim__strategy *s)
{
	(void)s;
	return false;
}

/*
 * How far along the search is, roughly (docs/explore.md, "How far along is a search"): DFS's
 * online estimate over the decision stack (dfs.c, dfs_progress(): each alternative weighed by
 * the preemptions it leaves), a decision's alternatives being every option the bound allows
 * (the DFS tree's), the finished ones those done. The backtrack sets are not used: they grow
 * as races are found, so at the start they hold little more than the defaults and a fraction
 * over them called a bound-1 search of pagecache-general 2 % done after 40,000 of its more
 * than 25 million executions. Over the DFS tree, an option DPOR prunes counts only once the
 * decision above it is finished, so the figure runs behind (a pessimistic ETA, by about the
 * reduction); a restart of the bounded sleep sets sets it back. Reads the stack only.
 */
static double dpor_progress(const struct pcsim__strategy *base)
{
	struct dpor *d = (struct dpor *)base;	/* read only: the helpers take no const */
	if (d->finished)
		return 1.0;
	struct pcsim__tree_progress t = { 0, 1, 0, 0, 0 };
	unsigned bound = d->unbounded ? PCSIM_PREEMPTION_UNBOUNDED : d->bound;
	for (size_t i = 0; i < d->nodes.n; i++) {
		const struct node *nd = &d->nodes.v[i];
		const uint64_t *done = done_bits(d, nd);
		for (unsigned k = 0; k < nd->n; k++) {
			double wt = pcsim__progress_weight(&d->shape, bound, nd->pre_before,
							   node_cost(d, nd, k), i);
			if (wt > 0)
				pcsim__progress_alt(&t, wt, k == nd->chosen ? 2 : bit(done, k) ? 1 : 0);
		}
		if (!pcsim__progress_level(&t))
			break;
	}
	return t.f < 1 ? t.f : 1;
}

/*
 * Checkpoints (docs/campaigns.md, "Checkpoints"): what one execution leaves the next is the
 * decision stack - each decision's options (agent keys), its backtrack and done sets, its sleep
 * set with the footprints its entries hold, and what it knew when it was made - with the
 * switches the search turned off on the way (the bounded sleep sets of an impure program) and
 * the first execution's shape. The pools are written as they are; each decision's part of the
 * options, sets and sleep entries follows the previous decision's (the stack order pop_to()
 * keeps), so its offsets are the sums before it and are not written.
 * The incremental record is not written: the first execution after a resume records every
 * step again (as PCSIM_DPOR_NOINCR does for all of them), finding the prefix's races again,
 * which adds nothing the stack does not hold already. The statistics of PCSIM_DPOR_DEBUG count
 * from the resume.
 */
static void dpor_save(const struct pcsim__strategy *base, struct pcsim__ckpt_out *b)
{
	const struct dpor *d = (const struct dpor *)base;
	pcsim__ckpt_printf(b, "dpor %zu %zu %zu %zu %zu %d %d %d %d %u\n", d->nodes.n, d->keys.n,
			   d->words.n, d->sl.n, d->sfp.n, d->bsleep, d->sleep, d->impure,
			   d->bsleep_used, d->env);
	pcsim__ckpt_printf(b, "shape %d %a %a %a\n", d->shape.known, d->shape.d, d->shape.p,
			   d->shape.a);
	for (size_t i = 0; i < d->nodes.n; i++) {
		const struct node *nd = &d->nodes.v[i];
		pcsim__ckpt_printf(b,
				   "node %u %u %d %d %d %" PRIu32 " %" PRIu32 " %" PRIu32 " %" PRIu32
				   " %" PRIu32 "\n",
				   nd->n, nd->chosen, nd->cur + 1, nd->data, nd->blocked,
				   nd->pre_before, nd->nsl, nd->nsl_entry, nd->sfp_top, nd->nobj);
	}
	pcsim__ckpt_printf(b, "keys");
	for (size_t i = 0; i < d->keys.n; i++)
		pcsim__ckpt_printf(b, " %" PRIx32, d->keys.v[i]);
	pcsim__ckpt_printf(b, "\nwords");
	for (size_t i = 0; i < d->words.n; i++)
		pcsim__ckpt_printf(b, " %" PRIx64, d->words.v[i]);
	pcsim__ckpt_printf(b, "\nsleep");
	for (size_t i = 0; i < d->sl.n; i++)
		pcsim__ckpt_printf(b, " %" PRIx32 " %" PRIu32 " %" PRIu32 " %" PRIu32,
				   d->sl.v[i].agent, d->sl.v[i].fp, d->sl.v[i].nfp, d->sl.v[i].nobj);
	pcsim__ckpt_printf(b, "\nfootprints");
	for (size_t i = 0; i < d->sfp.n; i++)
		pcsim__ckpt_printf(b, " %" PRIu32 " %u", d->sfp.v[i].id, d->sfp.v[i].kind);
	pcsim__ckpt_printf(b, "\n");
}

/* The rest of a pool line: @n values (each "field" of @per numbers, bounded by @max[]). */
static bool load_values(struct pcsim__ckpt_in *in, const char *key, size_t n, unsigned per,
			const uint64_t *max, bool hex, uint64_t *scratch,
			void (*put)(struct dpor *, size_t, const uint64_t *), struct dpor *d)
{
	if (!pcsim__ckpt_line(in, key))
		return false;
	for (size_t i = 0; i < n; i++) {
		for (unsigned f = 0; f < per; f++) {
			bool ok = hex && f == 0 ? pcsim__ckpt_x64(in, &scratch[f])
						: pcsim__ckpt_u64(in, &scratch[f]);
			if (!ok)
				return false;
			if (scratch[f] > max[f])
				return pcsim__ckpt_fail(in, "%" PRIu64 " is out of range in a '%s' "
							"entry (at most %" PRIu64 ")",
							scratch[f], key, max[f]);
		}
		put(d, i, scratch);
	}
	return pcsim__ckpt_eol(in);
}

static void put_key(struct dpor *d, size_t i, const uint64_t *v)
{
	d->keys.v[i] = (uint32_t)v[0];
}

static void put_word(struct dpor *d, size_t i, const uint64_t *v)
{
	d->words.v[i] = v[0];
}

static void put_sleep(struct dpor *d, size_t i, const uint64_t *v)
{
	d->sl.v[i] = (struct sleepent){ (uint32_t)v[0], (uint32_t)v[1], (uint32_t)v[2],
					(uint32_t)v[3] };
}

static void put_fp(struct dpor *d, size_t i, const uint64_t *v)
{
	d->sfp.v[i] = (struct fpent){ (uint32_t)v[0], (uint8_t)v[1] };
}

static bool dpor_load(struct pcsim__strategy *base, struct pcsim__ckpt_in *in)
{
	struct dpor *d = (struct dpor *)base;
	uint64_t nn, nk, nw, ns, nf, bsleep, sleep, impure, used, env, known;
	if (!pcsim__ckpt_line(in, "dpor") || !pcsim__ckpt_uint(in, UINT32_MAX, &nn) ||
	    !pcsim__ckpt_uint(in, UINT32_MAX, &nk) || !pcsim__ckpt_uint(in, UINT32_MAX, &nw) ||
	    !pcsim__ckpt_uint(in, UINT32_MAX, &ns) || !pcsim__ckpt_uint(in, UINT32_MAX, &nf) ||
	    !pcsim__ckpt_uint(in, 1, &bsleep) || !pcsim__ckpt_uint(in, 1, &sleep) ||
	    !pcsim__ckpt_uint(in, 1, &impure) || !pcsim__ckpt_uint(in, 1, &used))
		return false;
	const char *at = in->cur;
	if (!pcsim__ckpt_uint(in, UINT32_MAX, &env))
		return false;
	if (env != d->env) {
		in->cur = at + 1;
		return pcsim__ckpt_fail(in, "the checkpoint is of a search with the PCSIM_DPOR_* "
					    "switches %#" PRIx64 "; this one has %#x (dpor.c, "
					    "DPOR_ENV_*)", env, d->env);
	}
	if (!pcsim__ckpt_eol(in))
		return false;
	/* the sleep sets are on without a bound; under one, the bounded ones, unless the
	 * search turned them off (an impure program) */
	if (sleep != (d->unbounded || bsleep) || (bsleep && !d->bsleep))
		return pcsim__ckpt_fail(in, "sleep sets this search does not have");
	if (!pcsim__ckpt_line(in, "shape") || !pcsim__ckpt_uint(in, 1, &known) ||
	    !pcsim__ckpt_f64(in, &d->shape.d) || !pcsim__ckpt_f64(in, &d->shape.p) ||
	    !pcsim__ckpt_f64(in, &d->shape.a) || !pcsim__ckpt_eol(in))
		return false;
	d->shape.known = known;
	/* what the text can hold (no allocation larger than the checkpoint asks for): a node
	 * line is at least 25 bytes, a key or word 2, a sleep entry 8, a footprint 4 */
	size_t rest = strlen(in->next);
	if (nn > rest / 25 || nk > rest / 2 || nw > rest / 2 || ns > rest / 8 || nf > rest / 4)
		return pcsim__ckpt_fail(in, "more decisions or entries than the checkpoint holds");
	if (!VGROW(d, d->nodes, nn) || !VGROW(d, d->keys, nk) || !VGROW(d, d->words, nw) ||
	    !VGROW(d, d->sl, ns) || !VGROW(d, d->sfp, nf))
		return pcsim__ckpt_fail(in, "out of memory");
	size_t keys = 0, bits = 0, sl = 0;
	for (size_t i = 0; i < nn; i++) {
		/* n chosen cur+1 data blocked pre_before nsl nsl_entry sfp_top nobj (its parts of
		 * the options, sets and sleep pools follow the previous decision's: pop_to()) */
		static const uint64_t max[10] = { PCSIM_MAX_OPTS, PCSIM_MAX_OPTS, PCSIM_MAX_OPTS,
						  1, 1, UINT32_MAX, UINT32_MAX, UINT32_MAX,
						  UINT32_MAX, UINT32_MAX };
		uint64_t v[10];
		if (!pcsim__ckpt_line(in, "node"))
			return false;
		for (unsigned f = 0; f < 10; f++)
			if (!pcsim__ckpt_uint(in, max[f], &v[f]))
				return false;
		if (!pcsim__ckpt_eol(in))
			return false;
		struct node *nd = &d->nodes.v[i];
		*nd = (struct node){
			.n = (uint16_t)v[0], .chosen = (uint16_t)v[1], .cur = (int16_t)((int)v[2] - 1),
			.data = v[3] != 0, .blocked = v[4] != 0, .pre_before = (uint32_t)v[5],
			.keys = (uint32_t)keys, .bits = (uint32_t)bits, .sl = (uint32_t)sl,
			.nsl = (uint32_t)v[6], .nsl_entry = (uint32_t)v[7],
			.sfp_top = (uint32_t)v[8], .nobj = (uint32_t)v[9], .step = -1,
		};
		/* what dropping the decisions below one leaves must be whole: footprint tops do
		 * not go down */
		if (nd->n < 1 || nd->chosen >= nd->n || nd->cur >= (int)nd->n ||
		    nd->nsl_entry > nd->nsl || nd->sfp_top > nf ||
		    (i && nd->sfp_top < d->nodes.v[i - 1].sfp_top))
			return pcsim__ckpt_fail(in, "not a decision of this search's stack");
		keys += nd->n;
		bits += 2 * ((nd->n + 63u) / 64u);
		sl += nd->nsl;
	}
	if (keys != nk || bits != nw || sl != ns)
		return pcsim__ckpt_fail(in, "the stack's options or sets do not add up");
	uint64_t scratch[4];
	static const uint64_t kmax[1] = { UINT32_MAX }, wmax[1] = { UINT64_MAX };
	static const uint64_t smax[4] = { UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX };
	static const uint64_t fmax[2] = { UINT32_MAX, UINT8_MAX };	/* kinds and flags */
	if (!load_values(in, "keys", nk, 1, kmax, true, scratch, put_key, d) ||
	    !load_values(in, "words", nw, 1, wmax, true, scratch, put_word, d) ||
	    !load_values(in, "sleep", ns, 4, smax, true, scratch, put_sleep, d) ||
	    !load_values(in, "footprints", nf, 2, fmax, false, scratch, put_fp, d))
		return false;
	/* a decision's sleep entries hold footprints below the next decision's (kept when the
	 * decisions below it go) */
	for (size_t i = 0; i < nn; i++) {
		const struct node *nd = &d->nodes.v[i];
		uint32_t top = i + 1 < nn ? d->nodes.v[i + 1].sfp_top : (uint32_t)nf;
		for (uint32_t e = nd->sl; e < nd->sl + nd->nsl; e++)
			if ((uint64_t)d->sl.v[e].fp + d->sl.v[e].nfp > top)
				return pcsim__ckpt_fail(in, "a sleep entry's footprint is not in "
							    "the checkpoint");
	}
	d->nodes.n = nn;
	d->keys.n = nk;
	d->words.n = nw;
	d->sl.n = ns;
	d->sfp.n = nf;
	d->bsleep = bsleep;
	d->sleep = sleep;
	d->impure = impure;
	d->bsleep_used = used;
	d->resume = -1;	/* the next execution records every step (above) */
	return true;
}

PCSIM_STRATEGY_CHOOSER(dpor_choose, dpor_pick)

const struct pcsim__strategy_ops pcsim__dpor_ops = {
	.name = "dpor",
	.size = sizeof(struct dpor),
	.init = dpor_init,
	.fini = dpor_fini,
	.begin = dpor_begin,
	.choose = dpor_choose,
	.end = dpor_end,
	.exhausted = dpor_exhausted,
	.might_be_last = dpor_might_be_last,
	.progress = dpor_progress,
	.save = dpor_save,
	.load = dpor_load,
};
