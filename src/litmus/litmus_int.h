/* SPDX-License-Identifier: MIT */
/*
 * litmus_int.h - the litmus layer's private interface: the parsed test (locations, processes as
 * statement trees, the final condition) that parse.c builds and run.c interprets, and the table
 * of kernel primitives (tools/memory-model/linux-kernel.def names) both share.
 */
#ifndef PCSIM_LITMUS_INT_H
#define PCSIM_LITMUS_INT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcsim/litmus.h>

/* A value is a number or the address of location i, encoded as LIT_ADDR + i. */
#define LIT_ADDR (1ll << 40)
#define LIT_MAX_LOCS 64
#define LIT_MAX_PROCS 16
#define LIT_MAX_REGS 32
/* Steps (primitives, plain accesses) per process whose values the state cache keeps; a process
 * that takes more makes its states unknown to the cache (branched on, never cached). */
#define LIT_HIST_MAX 64

enum lit_loc_kind { LK_INT = 0, LK_LOCK, LK_ATOMIC, LK_SRCU };

struct lit_loc {
	char *name;
	enum lit_loc_kind kind;
	long long init;
};

/* What a primitive does; its ordering is in struct lit_prim.mo. */
enum lit_pk {
	PK_LOAD,     /* f(loc) */
	PK_STORE,    /* f(loc, v) */
	PK_STORE_MB, /* smp_store_mb(loc, v) */
	PK_FENCE,    /* f() */
	PK_NOP,	     /* barrier(), ... */
	PK_RCU_LOCK,
	PK_RCU_UNLOCK,
	PK_SYNC_RCU,
	PK_SYNC_RCU_EXP,
	PK_SRCU_LOCK,
	PK_SRCU_UNLOCK,
	PK_SYNC_SRCU,
	PK_SPIN_LOCK,
	PK_SPIN_UNLOCK,
	PK_SPIN_TRYLOCK,
	PK_SPIN_IS_LOCKED,
	PK_XCHG,    /* xchg(loc, v) on a plain int */
	PK_CMPXCHG, /* cmpxchg(loc, o, n) */
	PK_A_READ,
	PK_A_SET,	 /* atomic_read(v), atomic_set(v, i) */
	PK_A_OP,	 /* atomic_add(i, v): no return */
	PK_A_OP1,	 /* atomic_inc(v): no return, operand 1 */
	PK_A_FETCH,	 /* atomic_fetch_add(i, v) */
	PK_A_FETCH1,	 /* atomic_fetch_inc(v) */
	PK_A_RET,	 /* atomic_add_return(i, v) */
	PK_A_RET1,	 /* atomic_inc_return(v) */
	PK_A_XCHG,	 /* atomic_xchg(v, n) */
	PK_A_CMPXCHG,	 /* atomic_cmpxchg(v, o, n) */
	PK_A_TEST,	 /* atomic_dec_and_test(v), atomic_inc_and_test(v): 0 after */
	PK_A_SUB_TEST,	 /* atomic_sub_and_test(i, v) */
	PK_A_ADD_UNLESS, /* atomic_add_unless(v, a, u) */
	PK_A_INC_NOT_ZERO,
};

struct lit_prim {
	const char *name;
	enum lit_pk kind;
	unsigned nargs;
	int mo;	    /* enum pcsim_mo, or enum pcsim_fence for PK_FENCE */
	int op;	    /* enum pcsim_rmw_op for atomics; sign (-1) for sub/dec */
	bool value; /* returns a value */
};

const struct lit_prim *pcsim__lit_prim(const char *name);

/* Does @p keep a state of its own between two of its preemption points that neither the
 * engine's task fields nor memory show (a loop over values it read, a second access after a
 * first)? The state cache names no state while a process is inside one. */
bool pcsim__lit_prim_opaque(const struct lit_prim *p);

enum lit_ek { E_NUM, E_REG, E_LOC, E_DEREF, E_ADDR, E_UN, E_BIN, E_COND, E_CALL };

struct lit_expr {
	enum lit_ek k;
	int op;			     /* E_UN/E_BIN: the operator's first char, or a code below */
	long long num;		     /* E_NUM */
	int idx;		     /* E_REG: register; E_LOC: location */
	const struct lit_prim *prim; /* E_CALL */
	struct lit_expr *a[3];
	int line, col;
};

/* Two-character operators in struct lit_expr.op. */
enum { OP_EQ = 256, OP_NE, OP_LE, OP_GE, OP_AND, OP_OR, OP_SHL, OP_SHR };

enum lit_sk { S_EXPR, S_ASSIGN, S_STORE, S_IF, S_BLOCK };

struct lit_stmt {
	enum lit_sk k;
	int reg;		     /* S_ASSIGN */
	struct lit_expr *lhs;	     /* S_STORE: the address */
	struct lit_expr *e;	     /* S_EXPR, S_ASSIGN, S_STORE value, S_IF condition */
	struct lit_stmt *then, *els; /* S_IF */
	struct lit_stmt **body;	     /* S_BLOCK */
	unsigned nbody;
	int line, col;
};

struct lit_proc {
	char *regs[LIT_MAX_REGS];
	long long reg_init[LIT_MAX_REGS];
	bool reg_ptr[LIT_MAX_REGS];
	unsigned nregs;
	struct lit_stmt *body;
};

/* The final condition: a tree of /\, \/, ~ over atoms. */
enum lit_ck { C_TRUE, C_FALSE, C_ATOM, C_NOT, C_AND, C_OR };

struct lit_cond {
	enum lit_ck k;
	struct lit_cond *a, *b;
	int proc; /* C_ATOM: -1 for a location */
	int idx;  /* register of proc, or location */
	bool ne;  /* `!=` */
	long long val;
};

enum lit_quant { Q_EXISTS, Q_NOT_EXISTS, Q_FORALL };

/* One observed item of the final state: a register (proc >= 0) or a location. */
struct lit_obs {
	int proc, idx;
};

struct pcsim_litmus {
	char *name;
	char *file;
	enum pcsim_litmus_verdict expected;
	struct lit_loc locs[LIT_MAX_LOCS];
	unsigned nlocs;
	struct lit_proc procs[LIT_MAX_PROCS];
	unsigned nprocs;
	enum lit_quant quant;
	struct lit_cond *cond;
	struct lit_cond *filter; /* `filter C`: executions failing C are left out, or NULL */
	struct lit_obs obs[LIT_MAX_LOCS + LIT_MAX_PROCS * 4];
	unsigned nobs;
	bool uses_rcu;
	/* every node, freed together */
	void **nodes;
	size_t nnodes, capnodes;
};

void *pcsim__lit_node(struct pcsim_litmus *t, size_t size);

/* ---- cache.c: the visited-state cache (a DFS of its own behind PCSIM_STRATEGY_CALLBACK) */
struct lit_crec;

struct lit_cache {
	/* set by the runner: the state at a decision as words, their number (more than @cap:
	 * call again with more room), or -1 for a state that cannot be named */
	int (*state)(void *arg, struct pcsim_world *w, uint64_t *out, size_t cap);
	void *arg;
	const volatile sig_atomic_t *user_stop; /* the caller's stop request, or NULL */
	volatile sig_atomic_t stop;		/* o.stop of the exploration: the DFS is over */
	/* the search */
	struct lit_crec *recs;
	size_t nrecs, caprecs, depth;
	bool pruning; /* this execution met a cached state: defaults from there on */
	bool done;    /* every branch explored */
	bool broken;  /* a replay did not meet the recorded decision (or no memory): incomplete */
	bool oom;
	/* the visited set: 128-bit keys, (0, 0) empty */
	uint64_t *keys;
	size_t cap, n;
	bool full; /* no memory to grow: new states are no longer remembered */
	uint64_t *words;
	size_t capwords;
	uint64_t executions, pruned, hashed;
};

unsigned pcsim__lit_cache_choose(const struct pcsim_decision *d, void *arg);
void pcsim__lit_cache_fini(struct lit_cache *c);

/*
 * sim/mem.c: the engine's part of the state at a decision, as normalised words (no address,
 * no absolute timestamp), for a program whose shared objects all lie in [@base, @base + @len);
 * -1 when the state is one it cannot describe. The definition there carries the contract and
 * repeats this declaration (the litmus layer cannot include the engine's private headers).
 */
int pcsim__mm_state_words(struct pcsim_world *w, const void *base, size_t len, uint64_t *out,
			  size_t cap);

#endif /* PCSIM_LITMUS_INT_H */
