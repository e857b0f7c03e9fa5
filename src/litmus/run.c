// SPDX-License-Identifier: MIT
/*
 * run.c - a parsed litmus test as a pcsim program: one task per process, each pinned to its
 * own CPU, interpreting the process's statements; every primitive is the kernel-named one of
 * <pcsim/kernel/> (READ_ONCE, smp_store_release, xchg_acquire, atomic_fetch_add_release,
 * spin_lock, synchronize_rcu, ...), so it is a preemption point and goes through the world's
 * memory mode exactly as model code does. finish() records the observed registers and
 * locations with pcsim_outcome_record*() (<pcsim/outcome.h>) and evaluates the final
 * condition; pcsim_litmus_run() explores (DFS, unbounded, by default) and folds the histogram
 * into herd7's verdict.
 */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcsim/check.h>
#include <pcsim/explore.h>
#include <pcsim/kernel/atomic.h>
#include <pcsim/kernel/barrier.h>
#include <pcsim/kernel/cmpxchg.h>
#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/rcupdate.h>
#include <pcsim/kernel/spinlock.h>
#include <pcsim/kernel/srcu.h>
#include <pcsim/outcome.h>
#include <pcsim/sched.h>

#include "litmus_int.h"

struct lit_cell {
	pcsim_long w;		 /* int and pointer variables */
	atomic_t a;		 /* atomic_t variables */
	spinlock_t l;		 /* spinlock_t variables */
	struct srcu_struct srcu; /* srcu_struct variables */
};

/* What one exploration shares between its executions (the program's arg). */
struct lit_run {
	const struct pcsim_litmus *t;
	struct lit_tab {
		char *state;
		bool holds;
	} * tab;
	size_t ntab, captab;
	uint64_t pos, neg;
	uint64_t filtered; /* executions the `filter` clause left out */
	bool oom;
	struct lit_mem *mem; /* the execution under way (setup -> finish) */
};

/* One execution's memory and registers (arena). */
struct lit_mem {
	struct lit_run *run;
	struct lit_cell *cells;
	struct lit_task *tks;
	long long regs[LIT_MAX_PROCS][LIT_MAX_REGS];
};

/*
 * A process's place in its program, for the state cache (cache.c): the values its completed
 * steps (primitives, plain accesses) returned, in order. The interpreter is deterministic
 * given them, so they fix the statement it is in, its registers and the partial values of the
 * expression under way; the step in progress is the one they lead to. @opaque counts steps
 * under way whose primitive keeps a state of its own between two of its preemption points
 * that the engine's fields do not show (pcsim__lit_prim_opaque()).
 */
struct lit_task {
	struct lit_mem *m;
	unsigned proc;
	unsigned nsteps;
	unsigned opaque;
	long long hist[LIT_HIST_MAX];
};

static const struct pcsim_litmus *T(const struct lit_task *tk)
{
	return tk->m->run->t;
}

static struct lit_cell *cell(struct lit_task *tk, long long addr, const struct lit_expr *at)
{
	const struct pcsim_litmus *t = T(tk);
	if (addr < LIT_ADDR || addr >= LIT_ADDR + (long long)t->nlocs) {
		pcsim_fail("litmus-bad-pointer",
			   "%s:%d:%d: P%u dereferences %lld, which is not a shared variable",
			   t->file, at->line, at->col, tk->proc, addr);
		return &tk->m->cells[0]; /* not reached on sim */
	}
	return &tk->m->cells[addr - LIT_ADDR];
}

static enum lit_loc_kind kind(struct lit_task *tk, long long addr)
{
	return T(tk)->locs[addr - LIT_ADDR].kind;
}

static long long eval(struct lit_task *tk, const struct lit_expr *e);

/* The address a primitive's location argument names: `*x` (READ_ONCE style) or `x`. */
static long long loc_arg(struct lit_task *tk, const struct lit_expr *e)
{
	long long a = e->k == E_DEREF ? eval(tk, e->a[0]) : eval(tk, e);
	cell(tk, a, e);
	return a;
}

static long long plain_load(struct lit_task *tk, long long a, int mo)
{
	struct lit_cell *c = &tk->m->cells[a - LIT_ADDR];
	if (kind(tk, a) == LK_ATOMIC)
		return mo == PCSIM_MO_ACQUIRE ? atomic_read_acquire(&c->a) : atomic_read(&c->a);
	return mo == PCSIM_MO_ACQUIRE ? smp_load_acquire(&c->w) : READ_ONCE(c->w);
}

static void plain_store(struct lit_task *tk, long long a, long long v, int mo)
{
	struct lit_cell *c = &tk->m->cells[a - LIT_ADDR];
	if (kind(tk, a) == LK_ATOMIC) {
		if (mo == PCSIM_MO_RELEASE)
			atomic_set_release(&c->a, (int)v);
		else
			atomic_set(&c->a, (int)v);
	} else if (mo == PCSIM_MO_RELEASE) {
		smp_store_release(&c->w, v);
	} else {
		WRITE_ONCE(c->w, v);
	}
}

static long long do_xchg(pcsim_long *p, long long v, int mo)
{
	switch (mo) {
	case PCSIM_MO_ONCE:
		return xchg_relaxed(p, v);
	case PCSIM_MO_ACQUIRE:
		return xchg_acquire(p, v);
	case PCSIM_MO_RELEASE:
		return xchg_release(p, v);
	default:
		return xchg(p, v);
	}
}

static long long do_cmpxchg(pcsim_long *p, long long o, long long n, int mo)
{
	switch (mo) {
	case PCSIM_MO_ONCE:
		return cmpxchg_relaxed(p, o, n);
	case PCSIM_MO_ACQUIRE:
		return cmpxchg_acquire(p, o, n);
	case PCSIM_MO_RELEASE:
		return cmpxchg_release(p, o, n);
	default:
		return cmpxchg(p, o, n);
	}
}

/*
 * The atomic_t operations: the enum pcsim_rmw_op and ordering the prims.c row names, on the
 * atomic_t's counter (what every atomic_*() macro of <pcsim/kernel/atomic.h> expands to).
 * @op: a pcsim_rmw_op, or -1 (subtract: add the negation), -2 (andnot: and the complement).
 */
static int atomic_rmw(atomic_t *v, int op, int i, int mo)
{
	if (op == -1)
		return pcsim_rmw(&v->counter, PCSIM_RMW_ADD, -i, (enum pcsim_mo)mo);
	if (op == -2)
		return pcsim_rmw(&v->counter, PCSIM_RMW_AND, ~i, (enum pcsim_mo)mo);
	return pcsim_rmw(&v->counter, (enum pcsim_rmw_op)op, i, (enum pcsim_mo)mo);
}

/* The variable @a must be of @want's kind for @e's primitive (C would not compile it). */
static void need_kind(struct lit_task *tk, long long a, enum lit_loc_kind want,
		      const struct lit_expr *e)
{
	static const char *const names[] = {"int", "spinlock_t", "atomic_t", "srcu_struct"};
	enum lit_loc_kind k = kind(tk, a);
	if (k != want)
		pcsim_fail("litmus-type", "%s:%d:%d: %s() on %s, which is %s %s (wants %s)",
			   T(tk)->file, e->line, e->col, e->prim->name,
			   T(tk)->locs[a - LIT_ADDR].name, k == LK_INT ? "an" : "a", names[k],
			   names[want]);
}

/* A step of @tk is over and returned @v (see struct lit_task). */
static inline void step_done(struct lit_task *tk, long long v)
{
	if (tk->nsteps < LIT_HIST_MAX)
		tk->hist[tk->nsteps] = v;
	tk->nsteps++;
}

static long long call_prim(struct lit_task *tk, const struct lit_expr *e);

static long long call(struct lit_task *tk, const struct lit_expr *e)
{
	bool opaque = pcsim__lit_prim_opaque(e->prim);
	tk->opaque += opaque;
	long long v = call_prim(tk, e);
	tk->opaque -= opaque;
	step_done(tk, v);
	return v;
}

static long long call_prim(struct lit_task *tk, const struct lit_expr *e)
{
	const struct lit_prim *pr = e->prim;
	long long a, v;
	struct lit_cell *c;
	if (pr->kind >= PK_SRCU_LOCK && pr->kind <= PK_SYNC_SRCU)
		need_kind(tk, loc_arg(tk, e->a[0]), LK_SRCU, e);
	else if (pr->kind >= PK_SPIN_LOCK && pr->kind <= PK_SPIN_IS_LOCKED)
		need_kind(tk, loc_arg(tk, e->a[0]), LK_LOCK, e);
	else if (pr->kind == PK_XCHG || pr->kind == PK_CMPXCHG || pr->kind == PK_STORE_MB)
		need_kind(tk, loc_arg(tk, e->a[0]), LK_INT, e);
	switch (pr->kind) {
	case PK_LOAD:
		a = loc_arg(tk, e->a[0]);
		return plain_load(tk, a, pr->mo);
	case PK_STORE:
		a = loc_arg(tk, e->a[0]);
		v = eval(tk, e->a[1]);
		plain_store(tk, a, v, pr->mo);
		return 0;
	case PK_STORE_MB:
		a = loc_arg(tk, e->a[0]);
		v = eval(tk, e->a[1]);
		smp_store_mb(tk->m->cells[a - LIT_ADDR].w, v);
		return 0;
	case PK_FENCE:
		switch (pr->mo) {
		case PCSIM_FENCE_MB:
			smp_mb();
			break;
		case PCSIM_FENCE_RMB:
			smp_rmb();
			break;
		case PCSIM_FENCE_WMB:
			smp_wmb();
			break;
		case PCSIM_FENCE_MB_BEFORE_ATOMIC:
			smp_mb__before_atomic();
			break;
		case PCSIM_FENCE_MB_AFTER_ATOMIC:
			smp_mb__after_atomic();
			break;
		case -1:
			smp_mb__after_spinlock();
			break;
		default:
			smp_mb__after_unlock_lock();
			break;
		}
		return 0;
	case PK_NOP:
		return 0;
	case PK_RCU_LOCK:
		rcu_read_lock();
		return 0;
	case PK_RCU_UNLOCK:
		rcu_read_unlock();
		return 0;
	case PK_SYNC_RCU:
		synchronize_rcu();
		return 0;
	case PK_SYNC_RCU_EXP:
		synchronize_rcu_expedited();
		return 0;
	case PK_SRCU_LOCK:
		return srcu_read_lock(&cell(tk, loc_arg(tk, e->a[0]), e)->srcu);
	case PK_SRCU_UNLOCK:
		c = cell(tk, loc_arg(tk, e->a[0]), e);
		srcu_read_unlock(&c->srcu, (int)eval(tk, e->a[1]));
		return 0;
	case PK_SYNC_SRCU:
		synchronize_srcu(&cell(tk, loc_arg(tk, e->a[0]), e)->srcu);
		return 0;
	case PK_SPIN_LOCK:
		spin_lock(&cell(tk, loc_arg(tk, e->a[0]), e)->l);
		return 0;
	case PK_SPIN_UNLOCK:
		spin_unlock(&cell(tk, loc_arg(tk, e->a[0]), e)->l);
		return 0;
	case PK_SPIN_TRYLOCK:
		return spin_trylock(&cell(tk, loc_arg(tk, e->a[0]), e)->l);
	case PK_SPIN_IS_LOCKED:
		return spin_is_locked(&cell(tk, loc_arg(tk, e->a[0]), e)->l);
	case PK_XCHG:
		c = cell(tk, loc_arg(tk, e->a[0]), e);
		return do_xchg(&c->w, eval(tk, e->a[1]), pr->mo);
	case PK_CMPXCHG: {
		c = cell(tk, loc_arg(tk, e->a[0]), e);
		long long o = eval(tk, e->a[1]);
		return do_cmpxchg(&c->w, o, eval(tk, e->a[2]), pr->mo);
	}
	default:
		break;
	}
	/* atomic_t: the location is the argument that is not the operand */
	int li = (pr->kind == PK_A_OP || pr->kind == PK_A_FETCH || pr->kind == PK_A_RET ||
		  pr->kind == PK_A_SUB_TEST)
			 ? 1
			 : 0;
	a = loc_arg(tk, e->a[li]);
	need_kind(tk, a, LK_ATOMIC, e);
	c = cell(tk, a, e);
	atomic_t *at = &c->a;
	int i = li == 1 ? (int)eval(tk, e->a[0]) : 0;
	switch (pr->kind) {
	case PK_A_READ:
		return pr->mo == PCSIM_MO_ACQUIRE ? atomic_read_acquire(at) : atomic_read(at);
	case PK_A_SET:
		v = eval(tk, e->a[1]);
		if (pr->mo == PCSIM_MO_RELEASE)
			atomic_set_release(at, (int)v);
		else
			atomic_set(at, (int)v);
		return 0;
	case PK_A_OP:
		(void)atomic_rmw(at, pr->op, i, PCSIM_MO_ONCE);
		return 0;
	case PK_A_OP1:
		if (pr->op > 0)
			atomic_inc(at);
		else
			atomic_dec(at);
		return 0;
	case PK_A_FETCH:
		return atomic_rmw(at, pr->op, i, pr->mo);
	case PK_A_FETCH1:
		return atomic_rmw(at, PCSIM_RMW_ADD, pr->op, pr->mo);
	case PK_A_RET:
		return atomic_rmw(at, pr->op == -1 ? -1 : PCSIM_RMW_ADD, i, pr->mo) +
		       (pr->op == -1 ? -i : i);
	case PK_A_RET1:
		return atomic_rmw(at, PCSIM_RMW_ADD, pr->op, pr->mo) + pr->op;
	case PK_A_XCHG:
		return atomic_rmw(at, PCSIM_RMW_XCHG, (int)eval(tk, e->a[1]), pr->mo);
	case PK_A_CMPXCHG: {
		int o = (int)eval(tk, e->a[1]), n = (int)eval(tk, e->a[2]);
		switch (pr->mo) {
		case PCSIM_MO_ONCE:
			return atomic_cmpxchg_relaxed(at, o, n);
		case PCSIM_MO_ACQUIRE:
			return atomic_cmpxchg_acquire(at, o, n);
		case PCSIM_MO_RELEASE:
			return atomic_cmpxchg_release(at, o, n);
		default:
			return atomic_cmpxchg(at, o, n);
		}
	}
	case PK_A_TEST:
		return pr->op > 0 ? atomic_inc_and_test(at) : atomic_dec_and_test(at);
	case PK_A_SUB_TEST:
		return atomic_sub_and_test(i, at);
	case PK_A_ADD_UNLESS:
		return atomic_add_unless(at, (int)eval(tk, e->a[1]), (int)eval(tk, e->a[2]));
	case PK_A_INC_NOT_ZERO:
		return atomic_inc_not_zero(at);
	default:
		pcsim_fail("litmus-internal", "primitive %s has no implementation", pr->name);
		return 0;
	}
}

static long long eval(struct lit_task *tk, const struct lit_expr *e)
{
	long long x, y;
	switch (e->k) {
	case E_NUM:
		return e->num;
	case E_REG:
		return tk->m->regs[tk->proc][e->idx];
	case E_LOC:
		return LIT_ADDR + e->idx;
	case E_ADDR:
		return eval(tk, e->a[0]);
	case E_DEREF:
		/* a plain C access: LKMM's plain accesses are weaker; pcsim runs them as once */
		x = eval(tk, e->a[0]);
		cell(tk, x, e);
		x = plain_load(tk, x, PCSIM_MO_ONCE);
		step_done(tk, x);
		return x;
	case E_CALL:
		return call(tk, e);
	case E_COND:
		return eval(tk, e->a[0]) ? eval(tk, e->a[1]) : eval(tk, e->a[2]);
	case E_UN:
		x = eval(tk, e->a[0]);
		switch (e->op) {
		case '!':
			return !x;
		case '~':
			return ~x;
		default:
			return -x;
		}
	case E_BIN:
		x = eval(tk, e->a[0]);
		if (e->op == OP_AND && !x)
			return 0;
		if (e->op == OP_OR && x)
			return 1;
		y = eval(tk, e->a[1]);
		switch (e->op) {
		case OP_AND:
		case OP_OR:
			return y != 0;
		case OP_EQ:
			return x == y;
		case OP_NE:
			return x != y;
		case OP_LE:
			return x <= y;
		case OP_GE:
			return x >= y;
		case OP_SHL:
			return (long long)((unsigned long long)x << (y & 63));
		case OP_SHR:
			return x >> (y & 63);
		case '<':
			return x < y;
		case '>':
			return x > y;
		case '|':
			return x | y;
		case '^':
			return x ^ y;
		case '&':
			return x & y;
		case '+':
			return x + y;
		case '-':
			return x - y;
		case '*':
			return x * y;
		case '/':
		case '%':
			if (y == 0) {
				pcsim_fail("litmus-div-zero", "%s:%d:%d: P%u divides by zero",
					   T(tk)->file, e->line, e->col, tk->proc);
				return 0;
			}
			return e->op == '/' ? x / y : x % y;
		}
		break;
	}
	return 0;
}

static void exec(struct lit_task *tk, const struct lit_stmt *s)
{
	if (!s)
		return;
	switch (s->k) {
	case S_EXPR:
		(void)eval(tk, s->e);
		break;
	case S_ASSIGN:
		tk->m->regs[tk->proc][s->reg] = eval(tk, s->e);
		break;
	case S_STORE: {
		long long a = eval(tk, s->lhs);
		cell(tk, a, s->lhs);
		plain_store(tk, a, eval(tk, s->e), PCSIM_MO_ONCE);
		step_done(tk, 0);
		break;
	}
	case S_IF:
		if (eval(tk, s->e))
			exec(tk, s->then);
		else
			exec(tk, s->els);
		break;
	case S_BLOCK:
		for (unsigned i = 0; i < s->nbody; i++)
			exec(tk, s->body[i]);
		break;
	}
}

static void proc_fn(void *arg)
{
	struct lit_task *tk = arg;
	exec(tk, T(tk)->procs[tk->proc].body);
}

static void lit_setup(struct pcsim_world *w, void *arg)
{
	struct lit_run *run = arg;
	const struct pcsim_litmus *t = run->t;
	struct lit_mem *m = pcsim_alloc(w, sizeof(*m));
	struct lit_cell *cells = m ? pcsim_alloc(w, t->nlocs * sizeof(*cells) + 1) : NULL;
	struct lit_task *tks = cells ? pcsim_alloc(w, t->nprocs * sizeof(*tks)) : NULL;
	run->mem = NULL;
	if (!tks)
		return; /* out of memory: the execution is over */
	m->run = run;
	m->cells = cells;
	m->tks = tks;
	for (unsigned i = 0; i < t->nlocs; i++) {
		struct lit_cell *c = &cells[i];
		pcsim_obj_name(c, "%s", t->locs[i].name);
		if (t->locs[i].kind == LK_LOCK)
			pcsim_spin_lock_init(&c->l, t->locs[i].name);
		else if (t->locs[i].kind == LK_SRCU)
			init_srcu_struct(&c->srcu);
		else if (t->locs[i].kind == LK_ATOMIC)
			PCSIM_SETUP_SET(c->a.counter, (int)t->locs[i].init);
		else
			PCSIM_SETUP_SET(c->w, t->locs[i].init);
	}
	for (unsigned p = 0; p < t->nprocs; p++) {
		for (unsigned r = 0; r < t->procs[p].nregs; r++)
			m->regs[p][r] = t->procs[p].reg_init[r];
		tks[p] = (struct lit_task){.m = m, .proc = p};
		char name[16];
		snprintf(name, sizeof(name), "P%u", p);
		pcsim_task_create(w, name, proc_fn, &tks[p], (int)p);
	}
	run->mem = m;
}

static void value_text(const struct pcsim_litmus *t, long long v, char *buf, size_t len)
{
	if (v >= LIT_ADDR && v < LIT_ADDR + (long long)t->nlocs)
		snprintf(buf, len, "%s", t->locs[v - LIT_ADDR].name);
	else
		snprintf(buf, len, "%lld", v);
}

static long long obs_value(const struct pcsim_litmus *t, struct lit_mem *m, int proc, int idx)
{
	if (proc >= 0)
		return m->regs[proc][idx];
	struct lit_cell *c = &m->cells[idx];
	switch (t->locs[idx].kind) {
	case LK_ATOMIC:
		return PCSIM_SETUP_GET(c->a.counter);
	case LK_LOCK:
		return PCSIM_SETUP_GET(c->l.locked) != 0;
	case LK_SRCU:
		return PCSIM_SETUP_GET(c->srcu.readers);
	default:
		return PCSIM_SETUP_GET(c->w);
	}
}

static bool cond_eval(const struct pcsim_litmus *t, struct lit_mem *m, const struct lit_cond *c)
{
	switch (c->k) {
	case C_TRUE:
		return true;
	case C_FALSE:
		return false;
	case C_NOT:
		return !cond_eval(t, m, c->a);
	case C_AND:
		return cond_eval(t, m, c->a) && cond_eval(t, m, c->b);
	case C_OR:
		return cond_eval(t, m, c->a) || cond_eval(t, m, c->b);
	case C_ATOM: {
		bool eq = obs_value(t, m, c->proc, c->idx) == c->val;
		return c->ne ? !eq : eq;
	}
	}
	return false;
}

static void lit_finish(struct pcsim_world *w, void *arg)
{
	struct lit_run *run = arg;
	const struct pcsim_litmus *t = run->t;
	struct lit_mem *m = run->mem;
	if (!m)
		return;
	if (t->filter && !cond_eval(t, m, t->filter)) {
		run->filtered++; /* herd7: not an execution of the test */
		return;
	}
	char state[PCSIM_OUTCOME_STATE_MAX];
	size_t len = 0;
	state[0] = '\0';
	for (unsigned i = 0; i < t->nobs; i++) {
		const struct lit_obs *o = &t->obs[i];
		char name[160], val[96];
		if (o->proc >= 0)
			snprintf(name, sizeof(name), "%d:%s", o->proc,
				 t->procs[o->proc].regs[o->idx]);
		else
			snprintf(name, sizeof(name), "%s", t->locs[o->idx].name);
		value_text(t, obs_value(t, m, o->proc, o->idx), val, sizeof(val));
		pcsim_outcome_record_text(w, name, val);
		if (len < sizeof(state))
			len += (size_t)snprintf(state + len, sizeof(state) - len, "%s%s=%s;",
						len ? " " : "", name, val);
	}
	bool holds = cond_eval(t, m, t->cond);
	if (holds)
		run->pos++;
	else
		run->neg++;
	for (size_t i = 0; i < run->ntab; i++)
		if (strcmp(run->tab[i].state, state) == 0)
			return;
	if (run->ntab == run->captab) {
		size_t ncap = run->captab ? run->captab * 2 : 16;
		struct lit_tab *nt = realloc(run->tab, ncap * sizeof(*nt));
		if (!nt) {
			run->oom = true;
			return;
		}
		run->tab = nt;
		run->captab = ncap;
	}
	char *s = strdup(state);
	if (!s) {
		run->oom = true;
		return;
	}
	run->tab[run->ntab++] = (struct lit_tab){s, holds};
}

/*
 * The state at a decision for the cache (cache.c): per process its completed steps' values
 * (struct lit_task), the shared variables by kind, then the engine's part
 * (pcsim__mm_state_words(), whose region is the variables' cells).
 */
static int lit_state_words(void *arg, struct pcsim_world *w, uint64_t *out, size_t cap)
{
	struct lit_run *run = arg;
	const struct pcsim_litmus *t = run->t;
	struct lit_mem *m = run->mem;
	size_t n = 0;
	if (!m)
		return -1;
#define PUT(v)                                  \
	do {                                    \
		if (n < cap)                    \
			out[n] = (uint64_t)(v); \
		n++;                            \
	} while (0)
	for (unsigned p = 0; p < t->nprocs; p++) {
		const struct lit_task *tk = &m->tks[p];
		if (tk->opaque || tk->nsteps > LIT_HIST_MAX)
			return -1;
		PUT(tk->nsteps);
		for (unsigned i = 0; i < tk->nsteps; i++)
			PUT(tk->hist[i]);
	}
	for (unsigned i = 0; i < t->nlocs; i++) {
		const struct lit_cell *c = &m->cells[i];
		switch (t->locs[i].kind) {
		case LK_ATOMIC:
			PUT(PCSIM_SETUP_GET(c->a.counter));
			break;
		case LK_LOCK:
			PUT(PCSIM_SETUP_GET(c->l.locked));
			PUT(c->l.owner);
			break;
		case LK_SRCU:
			PUT(PCSIM_SETUP_GET(c->srcu.readers));
			break;
		default:
			PUT(PCSIM_SETUP_GET(c->w));
			break;
		}
	}
#undef PUT
	int k = pcsim__mm_state_words(w, m->cells, t->nlocs * sizeof(*m->cells),
				      n < cap ? out + n : out, n < cap ? cap - n : 0);
	if (k < 0 || n + (size_t)k > INT32_MAX)
		return -1;
	return (int)(n + (size_t)k);
}

/* Can the state cache run the search @o asks for? DFS without a preemption bound, one slice. */
static bool cache_fits(const struct pcsim_explore_opts *o)
{
	return !o || (o->strategy == PCSIM_STRATEGY_DFS &&
		      o->preemption_bound == PCSIM_PREEMPTION_UNBOUNDED && o->slice_count <= 1);
}

static int litmus_run(const struct pcsim_litmus *t, const struct pcsim_config *cfg_in,
		      const struct pcsim_explore_opts *o_in, struct pcsim_litmus_result *res,
		      bool use_cache)
{
	if (!res)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	if (!t)
		return -EINVAL;
	struct pcsim_config cfg;
	struct pcsim_explore_opts o;
	if (cfg_in) {
		cfg = *cfg_in;
	} else {
		pcsim_config_init(&cfg);
		cfg.trace = false;
	}
	cfg.ncpus = t->nprocs;
	if (o_in) {
		o = *o_in;
	} else {
		pcsim_explore_opts_init(&o);
		o.strategy = PCSIM_STRATEGY_DFS;
		o.preemption_bound = PCSIM_PREEMPTION_UNBOUNDED;
		o.max_executions = 0;
	}
	o.stop_on_violation = false;
	o.confirm = false;
	struct lit_run run = {.t = t};
	struct pcsim_program prog = {t->name, lit_setup, lit_finish, &run};
	struct lit_cache cache = {.state = lit_state_words, .arg = &run};
	bool cached = use_cache && cache_fits(&o) && cfg.backend == PCSIM_BACKEND_SIM;
	if (cached) {
		cache.user_stop = o.stop;
		o.strategy = PCSIM_STRATEGY_CALLBACK;
		o.choose = pcsim__lit_cache_choose;
		o.choose_arg = &cache;
		o.stop = &cache.stop;
		o.keep_trace = false;
		o.shrink = false;
	}
	int rc = pcsim_explore(&prog, &cfg, &o, &res->report);
	if (cached) {
		res->cached = 1;
		res->pruned = cache.pruned;
		res->cache_states = cache.n;
		res->report.exhausted = cache.done && !cache.broken;
		if (cache.broken && !res->report.message)
			res->report.message = strdup(cache.oom ? "state cache: out of memory; the "
								 "search stopped"
							       : "state cache: a replay did not "
								 "meet its recorded decision (the "
								 "program is not deterministic); "
								 "the search stopped");
		pcsim__lit_cache_fini(&cache);
	}
	if (rc < 0) {
		for (size_t i = 0; i < run.ntab; i++)
			free(run.tab[i].state);
		free(run.tab);
		return rc;
	}
	res->positive = run.pos;
	res->negative = run.neg;
	res->filtered = run.filtered;
	if (res->report.nstates) {
		res->holds = calloc(res->report.nstates, 1);
		if (!res->holds)
			run.oom = true;
	}
	for (size_t i = 0; res->holds && i < res->report.nstates; i++)
		for (size_t j = 0; j < run.ntab; j++)
			if (strcmp(run.tab[j].state, res->report.states[i].state) == 0)
				res->holds[i] = run.tab[j].holds;
	for (size_t i = 0; i < run.ntab; i++)
		free(run.tab[i].state);
	free(run.tab);
	if (run.oom)
		return -ENOMEM;
	if (!run.pos)
		res->observed = PCSIM_LITMUS_NEVER;
	else if (!run.neg)
		res->observed = PCSIM_LITMUS_ALWAYS;
	else
		res->observed = PCSIM_LITMUS_SOMETIMES;
	switch (t->quant) {
	case Q_EXISTS:
		res->ok = run.pos > 0;
		break;
	case Q_NOT_EXISTS:
		res->ok = run.pos == 0;
		break;
	case Q_FORALL:
		res->ok = run.neg == 0;
		break;
	}
	/* LKMM allows a satisfying execution unless Never, a falsifying one unless Always. */
	enum pcsim_litmus_verdict ex = t->expected;
	if (ex == PCSIM_LITMUS_UNKNOWN) {
		res->agreement = PCSIM_LITMUS_NO_EXPECTATION;
	} else {
		bool allow_pos = ex != PCSIM_LITMUS_NEVER, allow_neg = ex != PCSIM_LITMUS_ALWAYS;
		/* executions that failed recorded no state: the verdict covers the others */
		bool complete = (cached || o.strategy == PCSIM_STRATEGY_DFS) &&
				res->report.exhausted &&
				o.preemption_bound == PCSIM_PREEMPTION_UNBOUNDED &&
				res->report.unrecorded == run.filtered;
		if ((run.pos && !allow_pos) || (run.neg && !allow_neg))
			res->agreement = PCSIM_LITMUS_WEAKER;
		else if (!complete)
			res->agreement = PCSIM_LITMUS_INCOMPLETE;
		else if (res->observed == ex)
			res->agreement = PCSIM_LITMUS_CONSISTENT;
		else
			res->agreement = PCSIM_LITMUS_STRONGER;
	}
	return 0;
}

int pcsim_litmus_run(const struct pcsim_litmus *t, const struct pcsim_config *cfg,
		     const struct pcsim_explore_opts *o, struct pcsim_litmus_result *res)
{
	return litmus_run(t, cfg, o, res, false);
}

int pcsim_litmus_run_cached(const struct pcsim_litmus *t, const struct pcsim_config *cfg,
			    const struct pcsim_explore_opts *o, struct pcsim_litmus_result *res)
{
	return litmus_run(t, cfg, o, res, true);
}

void pcsim_litmus_result_free(struct pcsim_litmus_result *res)
{
	if (!res)
		return;
	pcsim_report_free(&res->report);
	free(res->holds);
	memset(res, 0, sizeof(*res));
}

const char *pcsim_litmus_verdict_name(enum pcsim_litmus_verdict v)
{
	switch (v) {
	case PCSIM_LITMUS_NEVER:
		return "Never";
	case PCSIM_LITMUS_SOMETIMES:
		return "Sometimes";
	case PCSIM_LITMUS_ALWAYS:
		return "Always";
	default:
		return "Unknown";
	}
}

const char *pcsim_litmus_agreement_name(enum pcsim_litmus_agreement a)
{
	switch (a) {
	case PCSIM_LITMUS_CONSISTENT:
		return "consistent";
	case PCSIM_LITMUS_STRONGER:
		return "stronger";
	case PCSIM_LITMUS_WEAKER:
		return "WEAKER";
	case PCSIM_LITMUS_INCOMPLETE:
		return "incomplete";
	default:
		return "-";
	}
}

/* ---- herd7-style text */
/* The states as litmus7 prints them: the count, `*>` where the condition holds, else `:>`. */
struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void __attribute__((format(printf, 2, 3))) sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t ncap = (b->cap + (size_t)n + 1) * 2;
		char *ns = realloc(b->s, ncap);
		if (!ns) {
			b->oom = true;
			return;
		}
		b->s = ns;
		b->cap = ncap;
	}
}

static void cond_text(struct sbuf *b, const struct pcsim_litmus *t, const struct lit_cond *c)
{
	char v[96];
	switch (c->k) {
	case C_TRUE:
		sb_printf(b, "true");
		break;
	case C_FALSE:
		sb_printf(b, "false");
		break;
	case C_NOT:
		sb_printf(b, "~");
		cond_text(b, t, c->a);
		break;
	case C_AND:
	case C_OR:
		/* a chain of one operator needs no inner parentheses: (a /\\ b /\\ c) */
		for (int i = 0; i < 2; i++) {
			const struct lit_cond *k = i ? c->b : c->a;
			bool paren = (k->k == C_AND || k->k == C_OR) && k->k != c->k;
			if (i)
				sb_printf(b, c->k == C_AND ? " /\\ " : " \\/ ");
			sb_printf(b, paren ? "(" : "");
			cond_text(b, t, k);
			sb_printf(b, paren ? ")" : "");
		}
		break;
	case C_ATOM:
		value_text(t, c->val, v, sizeof(v));
		if (c->proc >= 0)
			sb_printf(b, "%d:%s%s%s", c->proc, t->procs[c->proc].regs[c->idx],
				  c->ne ? "!=" : "=", v);
		else
			sb_printf(b, "%s%s%s", t->locs[c->idx].name, c->ne ? "!=" : "=", v);
		break;
	}
}

char *pcsim_litmus_format(const struct pcsim_litmus *t, const struct pcsim_litmus_result *res,
			  const char *mode)
{
	struct sbuf b = {0};
	const struct pcsim_report *r = &res->report;
	static const char *const qn[] = {"exists", "~exists", "forall"};
	static const char *const kind[] = {"Allowed", "Forbidden", "Required"};
	sb_printf(&b, "Test %s %s\n", t->name, kind[t->quant]);
	sb_printf(&b, "States %zu\n", r->nstates);
	for (size_t i = 0; i < r->nstates; i++)
		sb_printf(&b, "%-8" PRIu64 "%s %s\n", r->states[i].count,
			  res->holds && res->holds[i] ? "*>" : ":>", r->states[i].state);
	sb_printf(&b, "%s\n", res->ok ? "Ok" : "No");
	sb_printf(&b, "Witnesses\nPositive: %" PRIu64 " Negative: %" PRIu64 "\n", res->positive,
		  res->negative);
	sb_printf(&b, "Condition %s (", qn[t->quant]);
	cond_text(&b, t, t->cond);
	sb_printf(&b, ")");
	sb_printf(&b, "\nObservation %s %s %" PRIu64 " %" PRIu64 "\n", t->name,
		  pcsim_litmus_verdict_name(res->observed), res->positive, res->negative);
	sb_printf(&b, "Mode %s: %" PRIu64 " executions%s", mode ? mode : "?", r->executions,
		  r->exhausted ? ", exhaustive" : ", NOT exhaustive");
	if (res->cached)
		sb_printf(&b, ", state cache: %" PRIu64 " states, %" PRIu64 " cut short",
			  res->cache_states, res->pruned);
	if (res->filtered)
		sb_printf(&b, ", %" PRIu64 " left out by the filter", res->filtered);
	if (r->unrecorded > res->filtered)
		sb_printf(&b, ", %" PRIu64 " ended without a final state (first: %s%s%s)",
			  r->unrecorded - res->filtered, pcsim_outcome_name(r->outcome),
			  r->what[0] ? " " : "", r->what);
	sb_printf(&b, "\n");
	if (r->unrecorded > res->filtered && r->message)
		sb_printf(&b, "First failure: %s\n", r->message);
	if (t->expected != PCSIM_LITMUS_UNKNOWN)
		sb_printf(&b, "Expected %s (LKMM), observed %s: %s\n",
			  pcsim_litmus_verdict_name(t->expected),
			  pcsim_litmus_verdict_name(res->observed),
			  pcsim_litmus_agreement_name(res->agreement));
	else
		sb_printf(&b, "Expected: the test states no result\n");
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}
