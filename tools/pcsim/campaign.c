// SPDX-License-Identifier: MIT
/*
 * campaign.c - campaigns across cores and machines, and the machine-readable results of a run
 * (docs/campaigns.md): `--shard I/N` parsing, `--jobs N` (forked workers, each a deterministic
 * slice of the search, results merged by the parent), `pcsim merge` of the --json results of
 * shards, and the --junit and --ktap outputs. Models no kernel function.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <pcsim/pcsim.h>
#include <pcsim_support/cmdline.h>

#include "cli.h"

int pcsim_cli_parse_shard(const char *v, unsigned *index, unsigned *count)
{
	char *end = NULL;
	unsigned long i, n;
	if (!v || *v < '0' || *v > '9')
		goto bad;
	errno = 0;
	i = strtoul(v, &end, 10);
	if (errno || *end != '/' || end[1] < '0' || end[1] > '9')
		goto bad;
	n = strtoul(end + 1, &end, 10);
	if (errno || *end || n < 1 || n > 1000000 || i >= n)
		goto bad;
	*index = (unsigned)i;
	*count = (unsigned)n;
	return 0;
bad:
	return pcsim_cmdline_usage_error("--shard: '%s' is not I/N with 0 <= I < N <= 1000000",
					 v ? v : "");
}

/* ---------------------------------------------------------------------------------------------
 * --jobs: forked workers. Each runs one slice and sends its report back through a pipe; they
 * share (MAP_SHARED) the failure bound, the stop flag and their progress counters.
 */
struct shared {
	uint64_t bound;			/* smallest failing order found (explore.h slice_bound) */
	uint64_t claim;			/* DFS subtrees claimed (explore.h slice_claim) */
	volatile sig_atomic_t stop;	/* the parent was asked to stop */
	struct {
		uint64_t executions, steps, failed;
		uint64_t explored;	/* the slice's fraction explored in 1e-9, plus 1; 0: none */
	} w[];
};

static void worker_progress(const struct pcsim_progress *p, void *arg)
{
	uint64_t *c = arg;	/* the worker's executions, steps, failed, explored */
	__atomic_store_n(&c[0], p->executions, __ATOMIC_RELAXED);
	__atomic_store_n(&c[1], p->steps, __ATOMIC_RELAXED);
	__atomic_store_n(&c[3], p->explored >= 0 ? (uint64_t)(p->explored * 1e9) + 1 : 0,
			 __ATOMIC_RELAXED);
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t k = write(fd, c, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

static int put_str(int fd, const char *s)
{
	uint64_t n = s ? strlen(s) : UINT64_MAX;
	if (write_all(fd, &n, sizeof(n)) < 0)
		return -1;
	return s ? write_all(fd, s, (size_t)n) : 0;
}

/* The report as bytes: the structure (pointers cleared), then its four strings. */
static int send_report(int fd, int rc, const struct pcsim_report *r)
{
	struct pcsim_report c = *r;
	c.message = c.schedule = c.trace = c.replay_cmd = NULL;
	if (write_all(fd, &rc, sizeof(rc)) < 0 || write_all(fd, &c, sizeof(c)) < 0)
		return -1;
	if (put_str(fd, r->message) < 0 || put_str(fd, r->schedule) < 0 ||
	    put_str(fd, r->trace) < 0 || put_str(fd, r->replay_cmd) < 0)
		return -1;
	return 0;
}

struct inbuf {
	char *p;
	size_t n, cap;
	bool eof;
};

static char *get_str(const char **p, const char *e, bool *ok)
{
	uint64_t n;
	if ((size_t)(e - *p) < sizeof(n)) {
		*ok = false;
		return NULL;
	}
	memcpy(&n, *p, sizeof(n));
	*p += sizeof(n);
	if (n == UINT64_MAX)
		return NULL;
	if (n > (uint64_t)(e - *p)) {
		*ok = false;
		return NULL;
	}
	char *s = malloc((size_t)n + 1);
	if (!s) {
		*ok = false;
		return NULL;
	}
	memcpy(s, *p, (size_t)n);
	s[n] = 0;
	*p += n;
	return s;
}

static bool recv_report(const struct inbuf *b, int *rc, struct pcsim_report *r)
{
	const char *p = b->p, *e = b->p + b->n;
	bool ok = true;
	memset(r, 0, sizeof(*r));
	if (b->n < sizeof(*rc) + sizeof(*r))
		return false;
	memcpy(rc, p, sizeof(*rc));
	p += sizeof(*rc);
	memcpy(r, p, sizeof(*r));
	p += sizeof(*r);
	r->message = get_str(&p, e, &ok);
	r->schedule = get_str(&p, e, &ok);
	r->trace = get_str(&p, e, &ok);
	r->replay_cmd = get_str(&p, e, &ok);
	if (!ok)
		pcsim_report_free(r);
	return ok;
}

double pcsim_cli_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

double pcsim_cli_progress_interval(void)
{
	static double every = -1;
	if (every < 0) {
		const char *v = getenv("PCSIM_PROGRESS_INTERVAL");
		char *end;
		every = 0.25;
		if (v && *v) {
			double x = strtod(v, &end);
			if (*end || !(x >= 0 && x <= 3600))
				fprintf(stderr, "%s: PCSIM_PROGRESS_INTERVAL=%s: not a number of seconds "
						"from 0 to 3600; using 0.25\n",
					pcsim_cmdline_prog, v);
			else
				every = x;
		}
	}
	return every;
}

void pcsim_cli_keep_others(const char *path, struct pcsim_report *others, unsigned n,
			   bool quiet)
{
	for (unsigned k = 0; k < n; k++) {
		char p2[4200];
		size_t l = path ? strlen(path) : 0;
		if (l > 9 && others[k].schedule) {
			snprintf(p2, sizeof(p2), "%.*s.also-%u.schedule", (int)(l - 9), path, k + 1);
			if (pcsim_cmdline_write_file(p2, others[k].schedule) == 0 && !quiet)
				fprintf(stderr, "%s: another worker found %s (%s): %s\n",
					pcsim_cmdline_prog, pcsim_outcome_name(others[k].outcome),
					others[k].what, p2);
		}
		pcsim_report_free(&others[k]);
	}
	free(others);
}

static void progress_line(uint64_t executions, uint64_t steps, uint64_t violations,
			  double elapsed, double explored, bool rough, uint64_t base_execs,
			  uint64_t base_steps, double base_explored);

void pcsim_cli_progress_cb(const struct pcsim_progress *p, void *arg)
{
	struct pcsim_cli_progress *pr = arg;
	if (p->last)
		return;
	/* a search resumed from a checkpoint: the fraction it started from is its first */
	if (pr->base_explored < 0)
		pr->base_explored = p->explored >= 0 ? p->explored : 0;
	double t = pcsim_cli_now();
	if (t - pr->last < pcsim_cli_progress_interval())
		return;
	pr->last = t;
	progress_line(p->executions, p->steps, 0, t - pr->start, p->explored, p->rough,
		      pr->base_execs, pr->base_steps, pr->base_explored);
}

const char *pcsim_cli_duration(double s, char *buf, size_t len)
{
	if (!(s == s) || s < 0 || s - s != 0)
		snprintf(buf, len, "?");
	else if (s < 120)
		snprintf(buf, len, "%.0f s", s);
	else if (s < 7200)
		snprintf(buf, len, "%.1f min", s / 60);
	else if (s < 2 * 86400)
		snprintf(buf, len, "%.1f h", s / 3600);
	else if (s < 2 * 365.25 * 86400)
		snprintf(buf, len, "%.1f days", s / 86400);
	else
		snprintf(buf, len, "%.3g years", s / (365.25 * 86400));
	return buf;
}

void pcsim_cli_progress_line(uint64_t executions, uint64_t steps, uint64_t violations,
			     double elapsed, double explored, bool rough)
{
	progress_line(executions, steps, violations, elapsed, explored, rough, 0, 0, 0);
}

/* The counts and the fraction explored go on from @base_* (a resumed search): the rates and
 * the ETA are of this process's part. */
static void progress_line(uint64_t executions, uint64_t steps, uint64_t violations,
			  double elapsed, double explored, bool rough, uint64_t base_execs,
			  uint64_t base_steps, double base_explored)
{
	double d = elapsed > 1e-3 ? elapsed : 1e-3;
	char eta[96] = "";
	if (explored >= 0) {
		/* the ETA is the time so far scaled by what is left: as good as the fraction */
		char t[32];
		if (explored > base_explored)
			pcsim_cli_duration(elapsed * (1 - explored) / (explored - base_explored), t,
					   sizeof(t));
		else
			snprintf(t, sizeof(t), "?");
		snprintf(eta, sizeof(eta), ", %s%.3g%% explored, ETA %s%s", rough ? "~" : "",
			 100 * explored, t, rough ? " (rough)" : "");
	}
	fprintf(stderr,
		"\r  %" PRIu64 " schedules (%.0f/s), %" PRIu64 " steps (%.3g/s), %" PRIu64
		" violation%s, %.0fs%s   ",
		executions, (double)(executions - base_execs) / d, steps,
		(double)(steps - base_steps) / d, violations,
		violations == 1 ? "" : "s", elapsed, eta);
	fflush(stderr);
}

int pcsim_cli_jobs(const struct pcsim_program *prog, const struct pcsim_config *cfg,
		   const struct pcsim_explore_opts *ex, unsigned jobs, bool progress,
		   struct pcsim_report *r, struct pcsim_report **others, unsigned *nothers)
{
	unsigned base = ex->slice_count > 1 ? ex->slice_index : 0;
	unsigned count = ex->slice_count > 1 ? ex->slice_count : 1;
	/*
	 * A complete DFS search: the workers claim the subtrees of the slice as they go
	 * (struct pcsim_explore_opts.slice_claim), so none waits on the one that drew the largest.
	 * Budgeted searches and index strategies keep fixed slices, whose counts each worker
	 * reproduces alone.
	 */
	bool claim = ex->strategy == PCSIM_STRATEGY_DFS && ex->max_executions == 0;
	size_t shsize = sizeof(struct shared) + jobs * sizeof(((struct shared *)0)->w[0]);
	int ret = 0;
	memset(r, 0, sizeof(*r));
	*others = NULL;
	*nothers = 0;
	struct shared *sh = mmap(NULL, shsize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				 -1, 0);
	if (sh == MAP_FAILED) {
		r->message = strdup("--jobs: cannot map shared memory");
		return -ENOMEM;
	}
	memset(sh, 0, shsize);
	sh->bound = UINT64_MAX;
	pid_t *pid = calloc(jobs, sizeof(*pid));
	struct pollfd *pfd = calloc(jobs, sizeof(*pfd));
	struct inbuf *in = calloc(jobs, sizeof(*in));
	struct pcsim_report *rep = calloc(jobs, sizeof(*rep));
	int *rcs = calloc(jobs, sizeof(*rcs));
	if (!pid || !pfd || !in || !rep || !rcs) {
		r->message = strdup("--jobs: out of memory");
		ret = -ENOMEM;
		goto out;
	}
	fflush(stdout);
	fflush(stderr);
	unsigned started = 0;
	for (unsigned j = 0; j < jobs; j++) {
		int fds[2];
		if (pipe(fds) < 0) {
			r->message = strdup("--jobs: cannot create a pipe");
			ret = -EAGAIN;
			break;
		}
		pid[j] = fork();
		if (pid[j] < 0) {
			close(fds[0]);
			close(fds[1]);
			r->message = strdup("--jobs: cannot fork a worker");
			ret = -EAGAIN;
			break;
		}
		if (pid[j] == 0) {
			/* The worker: the parent alone takes the signals and passes them on
			 * through sh->stop; a worker dies with its parent. */
			struct pcsim_explore_opts o = *ex;
			struct pcsim_report wr;
			signal(SIGINT, SIG_IGN);
			signal(SIGTERM, SIG_IGN);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(fds[0]);
			for (unsigned k = 0; k < j; k++)
				close(pfd[k].fd);
			if (claim) {
				o.slice_claim = &sh->claim;	/* the shard's subtrees, claimed */
			} else {
				o.slice_index = base + count * j;
				o.slice_count = count * jobs;
			}
			o.slice_bound = &sh->bound;
			o.stop = &sh->stop;
			o.progress = NULL;
			o.progress_ex = worker_progress;
			o.progress_arg = &sh->w[j].executions;
			int rc = pcsim_explore(prog, cfg, &o, &wr);
			if (wr.outcome != PCSIM_OUTCOME_OK)
				__atomic_store_n(&sh->w[j].failed, 1, __ATOMIC_RELAXED);
			int st = send_report(fds[1], rc, &wr) < 0 ? 3 : 0;
			close(fds[1]);
			_exit(st);
		}
		close(fds[1]);
		pfd[j].fd = fds[0];
		pfd[j].events = POLLIN;
		started++;
	}
	/* Collect: read every pipe to its end (the reports), with the progress line meanwhile. */
	double t0 = pcsim_cli_now(), last = 0, every = pcsim_cli_progress_interval();
	int wait_ms = every < 0.01 ? 10 : every < 0.25 ? (int)(every * 1000) : 250;
	unsigned open_pipes = started;
	while (open_pipes) {
		if (ex->stop && *ex->stop)
			sh->stop = 1;
		if (ret < 0)
			sh->stop = 1;
		int k = poll(pfd, started, progress ? wait_ms : 250);
		if (k < 0 && errno != EINTR)
			break;
		for (unsigned j = 0; k > 0 && j < started; j++) {
			if (in[j].eof || !(pfd[j].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (in[j].n == in[j].cap) {
				size_t nc = in[j].cap ? 2 * in[j].cap : 65536;
				char *np = realloc(in[j].p, nc);
				if (!np) {
					in[j].eof = true;
					close(pfd[j].fd);
					pfd[j].fd = -1;
					open_pipes--;
					continue;
				}
				in[j].p = np;
				in[j].cap = nc;
			}
			ssize_t got = read(pfd[j].fd, in[j].p + in[j].n, in[j].cap - in[j].n);
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0) {
				in[j].eof = true;
				close(pfd[j].fd);
				pfd[j].fd = -1;	/* poll ignores it from now on */
				open_pipes--;
			} else {
				in[j].n += (size_t)got;
			}
		}
		double t = pcsim_cli_now();
		if (progress && t - last >= every) {
			uint64_t e = 0, s = 0, v = 0;
			double xmin = 1;
			unsigned nx = 0;
			for (unsigned j = 0; j < started; j++) {
				e += __atomic_load_n(&sh->w[j].executions, __ATOMIC_RELAXED);
				s += __atomic_load_n(&sh->w[j].steps, __ATOMIC_RELAXED);
				v += __atomic_load_n(&sh->w[j].failed, __ATOMIC_RELAXED);
				uint64_t x = __atomic_load_n(&sh->w[j].explored, __ATOMIC_RELAXED);
				if (x) {
					double f = (double)(x - 1) * 1e-9;
					xmin = f < xmin ? f : xmin;
					nx++;
				}
			}
			/*
			 * A tree search's workers each walk the whole tree, skipping the others'
			 * subtrees, and the campaign ends with the last of them: its fraction and
			 * ETA are those of the worker furthest behind (by the estimates' weights a
			 * worker that skips a heavy subtree looks far ahead of one that walks it).
			 */
			pcsim_cli_progress_line(e, s, v, t - t0, nx && nx == started ? xmin : -1,
						true);
			last = t;
		}
	}
	/* Merge: sums, exhausted only if every worker's slice was, the failure that comes first
	 * in the single run's order (the smallest failing_order). */
	r->exhausted = true;
	r->failing_order = UINT64_MAX;
	r->explored = -1;	/* the workers' fractions are not merged (yet) */
	int winner = -1;
	for (unsigned j = 0; j < started; j++) {
		int status = 0;
		while (waitpid(pid[j], &status, 0) < 0 && errno == EINTR)
			;
		if (!recv_report(&in[j], &rcs[j], &rep[j]) ||
		    !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
			char buf[160];
			snprintf(buf, sizeof(buf), "--jobs: worker %u (slice %u/%u) %s", j,
				 claim ? base : base + count * j, claim ? count : count * jobs,
				 WIFSIGNALED(status) ? "was killed by a signal" : "sent no report");
			if (ret == 0) {
				free(r->message);
				r->message = strdup(buf);
				ret = -EIO;
			}
			continue;
		}
		if (rcs[j] < 0) {
			if (ret == 0) {
				free(r->message);
				r->message = rep[j].message;
				rep[j].message = NULL;
				ret = rcs[j];
			}
			continue;
		}
		r->executions += rep[j].executions;
		r->steps += rep[j].steps;
		r->digest += rep[j].digest;
		r->failures += rep[j].failures;
		r->restored += rep[j].restored;
		r->exhausted &= rep[j].exhausted;
		if (rep[j].outcome != PCSIM_OUTCOME_OK &&
		    (winner < 0 || rep[j].failing_order < rep[winner].failing_order))
			winner = (int)j;
	}
	if (ret < 0)
		goto out;
	if (winner >= 0) {
		struct pcsim_report m = *r;
		*r = rep[winner];
		r->executions = m.executions;
		r->steps = m.steps;
		r->digest = m.digest;
		r->failures = m.failures;
		r->restored = m.restored;
		r->exhausted = m.exhausted;
		memset(&rep[winner], 0, sizeof(rep[winner]));
		ret = 1;
	}
	/* The other workers' failures are findings too: handed back for their schedule files. */
	for (unsigned j = 0; j < started; j++) {
		if (rep[j].outcome == PCSIM_OUTCOME_OK || (int)j == winner)
			continue;
		struct pcsim_report *no = realloc(*others, (*nothers + 1) * sizeof(*no));
		if (!no)
			break;
		*others = no;
		no[(*nothers)++] = rep[j];
		memset(&rep[j], 0, sizeof(rep[j]));
	}
out:
	for (unsigned j = 0; rep && j < jobs; j++)
		pcsim_report_free(&rep[j]);
	for (unsigned j = 0; in && j < jobs; j++)
		free(in[j].p);
	free(pid);
	free(pfd);
	free(in);
	free(rep);
	free(rcs);
	munmap(sh, shsize);
	return ret;
}

/* ---------------------------------------------------------------------------------------------
 * JUnit XML and KTAP.
 */
static void xml_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '&')
			fputs("&amp;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if (c < 0x20 && c != '\n' && c != '\t')
			fputc('?', f);	/* not allowed in XML 1.0 */
		else
			fputc(c, f);
	}
}

static bool is_error(const struct pcsim_report *r)
{
	return r->outcome == PCSIM_OUTCOME_INTERNAL || r->outcome == PCSIM_OUTCOME_DIVERGED;
}

/* A case passes: a scenario by its verdict, anything else by its outcome. */
static bool case_ok(const struct pcsim_cli_case *c)
{
	if (is_error(c->r))
		return false;
	return c->judged >= 0 ? c->judged == 1 : c->r->outcome == PCSIM_OUTCOME_OK;
}

int pcsim_cli_write_junit(const char *path, const char *suite,
			  const struct pcsim_cli_case *cases, unsigned n)
{
	unsigned failures = 0, errors = 0;
	double total = 0;
	for (unsigned i = 0; i < n; i++) {
		failures += !case_ok(&cases[i]) && !is_error(cases[i].r);
		errors += is_error(cases[i].r);
		total += cases[i].seconds;
	}
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "pcsim: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites name=\"pcsim\" tests=\"%u\" failures=\"%u\" errors=\"%u\" "
		   "time=\"%.3f\">\n", n, failures, errors, total);
	fprintf(f, "  <testsuite name=\"");
	xml_text(f, suite);
	fprintf(f, "\" tests=\"%u\" failures=\"%u\" errors=\"%u\" skipped=\"0\" time=\"%.3f\">\n",
		n, failures, errors, total);
	for (unsigned i = 0; i < n; i++) {
		const struct pcsim_cli_case *c = &cases[i];
		const struct pcsim_report *r = c->r;
		fprintf(f, "    <testcase classname=\"pcsim.");
		xml_text(f, suite);
		fprintf(f, "\" name=\"");
		xml_text(f, c->name);
		fprintf(f, "\" time=\"%.3f\">\n", c->seconds);
		fprintf(f, "      <system-out>%" PRIu64 " executions, %" PRIu64 " steps%s"
			   "</system-out>\n",
			r->executions, r->steps, r->exhausted ? ", exhausted" : "");
		if (!case_ok(c)) {
			const char *tag = is_error(r) ? "error" : "failure";
			fprintf(f, "      <%s type=\"%s\" message=\"", tag,
				c->judged == 0 && !is_error(r) ? "missed"
							       : pcsim_outcome_name(r->outcome));
			if (c->judged == 0 && !is_error(r)) {
				/* a scenario that missed its expectation: the verdict says it */
				xml_text(f, c->why);
				fprintf(f, "\">");
			} else {
				xml_text(f, pcsim_outcome_name(r->outcome));
				fprintf(f, " (");
				xml_text(f, r->what);
				fprintf(f, ") in execution %" PRIu64 "\">", r->failing_execution);
			}
			xml_text(f, r->message);
			if (c->schedule_path) {
				fprintf(f, "\nschedule: ");
				xml_text(f, c->schedule_path);
				fprintf(f, "\nreplay: pcsim replay ");
				xml_text(f, c->name);
				fputc(' ', f);
				xml_text(f, c->schedule_path);
			}
			fprintf(f, "</%s>\n", tag);
		}
		fprintf(f, "    </testcase>\n");
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	if (fclose(f) != 0) {
		fprintf(stderr, "pcsim: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* A KTAP description or diagnostic: one line, no '#' (which would start a directive). */
static void ktap_text(FILE *f, const char *s)
{
	for (; s && *s; s++)
		fputc(*s == '\n' || *s == '#' ? ' ' : *s, f);
}

void pcsim_cli_print_ktap(FILE *f, const struct pcsim_cli_case *cases, unsigned n)
{
	fprintf(f, "KTAP version 1\n1..%u\n", n);
	for (unsigned i = 0; i < n; i++) {
		const struct pcsim_cli_case *c = &cases[i];
		const struct pcsim_report *r = c->r;
		fprintf(f, "# %s: %" PRIu64 " executions, %" PRIu64 " steps%s\n", c->name,
			r->executions, r->steps, r->exhausted ? ", exhausted" : "");
		if (c->why) {
			fprintf(f, "# ");
			ktap_text(f, c->why);
			fputc('\n', f);
		}
		if (case_ok(c)) {
			fprintf(f, "ok %u ", i + 1);
			ktap_text(f, c->name);
			fputc('\n', f);
			continue;
		}
		if (r->message && *r->message) {
			fprintf(f, "# ");
			ktap_text(f, r->message);
			fputc('\n', f);
		}
		if (c->schedule_path) {
			fprintf(f, "# replay: pcsim replay ");
			ktap_text(f, c->name);
			fputc(' ', f);
			ktap_text(f, c->schedule_path);
			fputc('\n', f);
		}
		fprintf(f, "not ok %u ", i + 1);
		ktap_text(f, c->name);
		if (c->judged == 0 && !is_error(r)) {
			fprintf(f, " # MISSED: ");
			ktap_text(f, c->why);
		} else {
			fprintf(f, " # %s ", pcsim_outcome_name(r->outcome));
			ktap_text(f, r->what);
		}
		fputc('\n', f);
	}
}

/* ---------------------------------------------------------------------------------------------
 * `pcsim merge RESULT.json...`: the --json results of the shards of one campaign, combined.
 * Each file holds one JSON object as `pcsim explore --json` prints it; only its top-level
 * members are read (strings, numbers, booleans, null; nested values are skipped).
 */
struct shard_result {
	char *path;
	char program[1024], strategy[32], outcome[32], what[64], slice[64], digest[32];
	char schedule[4096], message[512];
	char scenario[1024], kernel[16];	/* a scenario file's shard: what merge judges */
	char search[1024];	/* pcsim_cli_print_search(); empty in results of older versions */
	uint64_t seed, executions, steps, failing_execution, failing_order;
	bool exhausted, interrupted, has_digest, has_order;
	unsigned index, count;
};

struct jp {
	const char *p, *e;
	char err[160];
};

static void jp_ws(struct jp *j)
{
	while (j->p < j->e && (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r'))
		j->p++;
}

/* A JSON string into @out (truncated to @len); the escapes pcsim writes and \uXXXX below 0x80. */
static bool jp_string(struct jp *j, char *out, size_t len)
{
	size_t o = 0;
	if (j->p >= j->e || *j->p != '"')
		return false;
	j->p++;
	while (j->p < j->e && *j->p != '"') {
		char c = *j->p++;
		if (c == '\\') {
			if (j->p >= j->e)
				return false;
			c = *j->p++;
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u': {
				unsigned v = 0;
				for (int k = 0; k < 4; k++) {
					if (j->p >= j->e)
						return false;
					char h = *j->p++;
					v = v * 16 + (unsigned)(h >= '0' && h <= '9' ? h - '0'
								: h >= 'a' && h <= 'f' ? h - 'a' + 10
								: h >= 'A' && h <= 'F' ? h - 'A' + 10
											: 0);
				}
				c = v < 0x80 ? (char)v : '?';
				break;
			}
			default:
				break;	/* \" \\ \/ */
			}
		}
		if (out && o + 1 < len)
			out[o++] = c;
	}
	if (j->p >= j->e)
		return false;
	j->p++;
	if (out && len)
		out[o] = 0;
	return true;
}

/* Skip one value (any JSON value, nested ones included). */
static bool jp_skip(struct jp *j)
{
	jp_ws(j);
	if (j->p >= j->e)
		return false;
	if (*j->p == '"')
		return jp_string(j, NULL, 0);
	if (*j->p == '{' || *j->p == '[') {
		int depth = 0;
		while (j->p < j->e) {
			if (*j->p == '"') {
				if (!jp_string(j, NULL, 0))
					return false;
				continue;
			}
			if (*j->p == '{' || *j->p == '[')
				depth++;
			else if (*j->p == '}' || *j->p == ']')
				depth--;
			j->p++;
			if (depth == 0)
				return true;
		}
		return false;
	}
	const char *s = j->p;
	while (j->p < j->e && *j->p != ',' && *j->p != '}' && *j->p != ']' && *j->p != ' ' &&
	       *j->p != '\n')
		j->p++;
	return j->p > s;
}

static bool jp_u64(struct jp *j, uint64_t *v)
{
	jp_ws(j);
	char *end;
	if (j->p >= j->e || *j->p < '0' || *j->p > '9')
		return false;
	errno = 0;
	*v = strtoull(j->p, &end, 10);
	if (errno || end > j->e)
		return false;
	j->p = end;
	return true;
}

static bool jp_bool(struct jp *j, bool *v)
{
	jp_ws(j);
	if ((size_t)(j->e - j->p) >= 4 && strncmp(j->p, "true", 4) == 0) {
		*v = true;
		j->p += 4;
		return true;
	}
	if ((size_t)(j->e - j->p) >= 5 && strncmp(j->p, "false", 5) == 0) {
		*v = false;
		j->p += 5;
		return true;
	}
	return false;
}

/* A string member, or null (which leaves @out empty). */
static bool jp_str_or_null(struct jp *j, char *out, size_t len)
{
	jp_ws(j);
	if ((size_t)(j->e - j->p) >= 4 && strncmp(j->p, "null", 4) == 0) {
		j->p += 4;
		out[0] = 0;
		return true;
	}
	return jp_string(j, out, len);
}

static int parse_result(const char *text, size_t n, struct shard_result *s, char *err,
			size_t errlen)
{
	struct jp j = { text, text + n, "" };
	char key[64];
	bool have_slice = false, have_exec = false;
	jp_ws(&j);
	if (j.p >= j.e || *j.p != '{') {
		snprintf(err, errlen, "not a JSON object (the output of 'pcsim explore --json')");
		return -1;
	}
	j.p++;
	for (;;) {
		jp_ws(&j);
		if (j.p < j.e && *j.p == '}')
			break;
		if (!jp_string(&j, key, sizeof(key)))
			goto bad;
		jp_ws(&j);
		if (j.p >= j.e || *j.p != ':')
			goto bad;
		j.p++;
		jp_ws(&j);
		bool ok = true;
		char tmp[64];
		if (!strcmp(key, "program"))
			ok = jp_string(&j, s->program, sizeof(s->program));
		else if (!strcmp(key, "strategy"))
			ok = jp_string(&j, s->strategy, sizeof(s->strategy));
		else if (!strcmp(key, "outcome"))
			ok = jp_string(&j, s->outcome, sizeof(s->outcome));
		else if (!strcmp(key, "what"))
			ok = jp_str_or_null(&j, s->what, sizeof(s->what));
		else if (!strcmp(key, "message"))
			ok = jp_str_or_null(&j, s->message, sizeof(s->message));
		else if (!strcmp(key, "schedule_file"))
			ok = jp_str_or_null(&j, s->schedule, sizeof(s->schedule));
		else if (!strcmp(key, "slice"))
			ok = have_slice = jp_string(&j, s->slice, sizeof(s->slice));
		else if (!strcmp(key, "scenario"))
			ok = jp_string(&j, s->scenario, sizeof(s->scenario));
		else if (!strcmp(key, "kernel"))
			ok = jp_string(&j, s->kernel, sizeof(s->kernel));
		else if (!strcmp(key, "search"))
			ok = jp_string(&j, s->search, sizeof(s->search));
		else if (!strcmp(key, "digest"))
			ok = s->has_digest = jp_string(&j, s->digest, sizeof(s->digest));
		else if (!strcmp(key, "seed"))
			ok = jp_u64(&j, &s->seed);
		else if (!strcmp(key, "executions"))
			ok = have_exec = jp_u64(&j, &s->executions);
		else if (!strcmp(key, "steps"))
			ok = jp_u64(&j, &s->steps);
		else if (!strcmp(key, "failing_execution"))
			ok = jp_u64(&j, &s->failing_execution);
		else if (!strcmp(key, "failing_order")) {
			jp_ws(&j);
			if (j.p < j.e && *j.p == 'n')
				ok = jp_str_or_null(&j, tmp, sizeof(tmp));
			else
				ok = s->has_order = jp_u64(&j, &s->failing_order);
		} else if (!strcmp(key, "exhausted"))
			ok = jp_bool(&j, &s->exhausted);
		else if (!strcmp(key, "interrupted"))
			ok = jp_bool(&j, &s->interrupted);
		else
			ok = jp_skip(&j);
		if (!ok) {
			snprintf(err, errlen, "bad value for \"%s\"", key);
			return -1;
		}
		jp_ws(&j);
		if (j.p < j.e && *j.p == ',') {
			j.p++;
			continue;
		}
		if (j.p < j.e && *j.p == '}')
			break;
		goto bad;
	}
	if (!have_exec || !s->program[0] || !s->strategy[0] || !s->outcome[0]) {
		snprintf(err, errlen, "not the output of 'pcsim explore --json' (no program, "
				      "strategy, outcome or executions)");
		return -1;
	}
	s->index = 0;
	s->count = 1;
	if (have_slice) {
		char *end;
		unsigned long i = strtoul(s->slice, &end, 10), c;
		if (*end != '/' || (c = strtoul(end + 1, &end, 10)) < 1 || *end || i >= c) {
			snprintf(err, errlen, "bad slice \"%s\"", s->slice);
			return -1;
		}
		s->index = (unsigned)i;
		s->count = (unsigned)c;
	}
	return 0;
bad:
	snprintf(err, errlen, "malformed JSON near byte %zu", (size_t)(j.p - text) + 1);
	return -1;
}

static char *read_small_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0;
	char *b = malloc(cap);
	while (b) {
		size_t k = fread(b + len, 1, cap - 1 - len, f);
		len += k;
		if (len < cap - 1) {
			b[len] = 0;	/* the number parser reads up to a NUL */
			break;
		}
		if (cap >= (16u << 20)) {
			free(b);
			b = NULL;
			errno = EFBIG;
			break;
		}
		char *nb = realloc(b, cap * 2);
		if (!nb) {
			free(b);
			b = NULL;
			break;
		}
		b = nb;
		cap *= 2;
	}
	fclose(f);
	if (b)
		*n = len;
	return b;
}

/* Whether shard @index is among the @n results. */
static bool merged_has(const struct shard_result *res, unsigned n, unsigned index)
{
	for (unsigned k = 0; k < n; k++)
		if (res[k].index == index)
			return true;
	return false;
}

/* The first word (`key=value`) in which the different searches @x and @y differ, into @a and
 * @b; "(nothing)" for the side that has ended. */
static void search_diff(const char *x, const char *y, char *a, char *b, size_t len)
{
	size_t nx, ny;
	for (;;) {
		nx = strcspn(x, " ");
		ny = strcspn(y, " ");
		if (nx != ny || strncmp(x, y, nx))
			break;
		x += nx + (x[nx] != 0);	/* the same word: on to the next (or to the end) */
		y += ny + (y[ny] != 0);
	}
	snprintf(a, len, "%.*s", nx ? (int)nx : 9, nx ? x : "(nothing)");
	snprintf(b, len, "%.*s", ny ? (int)ny : 9, ny ? y : "(nothing)");
}

void pcsim_cli_print_search(FILE *f, const struct pcsim_config *cfg,
			    const struct pcsim_explore_opts *ex)
{
	char conf[768], buf[1024];
	int n = snprintf(buf, sizeof(buf), "schedules=%" PRIu64, ex->max_executions);
	if (ex->strategy == PCSIM_STRATEGY_DFS || ex->strategy == PCSIM_STRATEGY_DPOR) {
		bool none = ex->preemption_bound == PCSIM_PREEMPTION_UNBOUNDED ||
			    (ex->strategy == PCSIM_STRATEGY_DPOR &&
			     ex->preemption_bound >= PCSIM_DPOR_UNBOUNDED);
		if (none)
			n += snprintf(buf + n, sizeof(buf) - n, " bound=none");
		else
			n += snprintf(buf + n, sizeof(buf) - n, " bound=%u", ex->preemption_bound);
	} else if (ex->strategy == PCSIM_STRATEGY_PCT) {
		n += snprintf(buf + n, sizeof(buf) - n, " depth=%u", ex->pct_depth);
	}
	pcsim_config_format(cfg, conf, sizeof(conf));
	snprintf(buf + n, sizeof(buf) - n, " %s", conf);
	fputs(",\"search\":", f);
	pcsim_cmdline_json_str(f, buf);
}

int pcsim_cli_merge(int argc, char **argv)
{
	bool json = false;
	unsigned n = 0;
	struct shard_result *res = calloc((size_t)argc + 1, sizeof(*res));
	int status = 2;
	if (!res) {
		fprintf(stderr, "pcsim: merge: out of memory\n");
		return 3;
	}
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1]) {
			status = pcsim_cmdline_usage_error("merge: unknown option '%s'", argv[i]);
			goto out;
		}
		size_t len = 0;
		char err[256];
		char *text = read_small_file(argv[i], &len);
		if (!text) {
			fprintf(stderr, "pcsim: merge: cannot read %s: %s\n", argv[i],
				strerror(errno));
			goto out;
		}
		int rc = parse_result(text, len, &res[n], err, sizeof(err));
		free(text);
		if (rc < 0) {
			fprintf(stderr, "pcsim: merge: %s: %s\n", argv[i], err);
			goto out;
		}
		res[n++].path = argv[i];
	}
	if (!n) {
		status = pcsim_cmdline_usage_error("merge needs RESULT.json files (the --json "
						   "output of 'pcsim explore --shard I/N')");
		goto out;
	}
	/* One campaign: the same program, strategy, seed and number of shards, each shard once,
	 * and the same search where the results say (older versions' results do not). */
	unsigned count = res[0].count, sref = 0;
	while (sref + 1 < n && !res[sref].search[0])
		sref++;
	for (unsigned i = 1; i < n; i++) {
		const char *why = NULL;
		if (strcmp(res[i].program, res[0].program))
			why = "program";
		else if (strcmp(res[i].strategy, res[0].strategy))
			why = "strategy";
		else if (res[i].seed != res[0].seed)
			why = "seed";
		else if (res[i].count != count)
			why = "number of shards";
		else if (strcmp(res[i].scenario, res[0].scenario) ||
			 strcmp(res[i].kernel, res[0].kernel))
			why = "scenario or kernel profile";
		else if (res[i].search[0] && res[sref].search[0] &&
			 strcmp(res[i].search, res[sref].search)) {
			char a[128], b[128];
			search_diff(res[sref].search, res[i].search, a, b, sizeof(a));
			fprintf(stderr, "pcsim: merge: %s and %s are not shards of one campaign (%s "
					"against %s)\n", res[sref].path, res[i].path, a, b);
			goto out;
		}
		if (why) {
			fprintf(stderr, "pcsim: merge: %s and %s are not shards of one campaign (their "
					"%s differs)\n", res[0].path, res[i].path, why);
			goto out;
		}
		for (unsigned k = 0; k < i; k++)
			if (res[k].index == res[i].index) {
				fprintf(stderr, "pcsim: merge: %s and %s are the same shard %u/%u\n",
					res[k].path, res[i].path, res[i].index, count);
				goto out;
			}
	}
	uint64_t execs = 0, steps = 0, digest = 0, nfail = 0;
	bool exhausted = n == count, interrupted = false, all_digest = true;
	int first = -1;
	for (unsigned i = 0; i < n; i++) {
		execs += res[i].executions;
		steps += res[i].steps;
		exhausted &= res[i].exhausted;
		interrupted |= res[i].interrupted;
		all_digest &= res[i].has_digest;
		if (res[i].has_digest)
			digest += strtoull(res[i].digest, NULL, 16);
		if (strcmp(res[i].outcome, "ok") != 0) {
			nfail++;
			if (first < 0 || (res[i].has_order && (!res[first].has_order ||
							       res[i].failing_order <
								       res[first].failing_order)))
				first = (int)i;
		}
	}
	/*
	 * A scenario's campaign is judged by its expectation, as its single run would be: the
	 * single run's first failure is the merged one that comes first; with shards missing a
	 * failure may be in them, so there is no verdict.
	 */
	int judged = -3;	/* not a scenario */
	char why[1200] = "";
	if (res[0].scenario[0]) {
		if (n < count)
			snprintf(why, sizeof(why), "not judged: %u of %u shards merged", n, count);
		else
			judged = pcsim_cli_scenario_judge_merged(
				res[0].scenario, res[0].kernel[0] ? res[0].kernel : "5.10",
				first >= 0 ? res[first].outcome : "ok",
				first >= 0 ? res[first].what : "", why, sizeof(why));
		if (judged == -2) {
			fprintf(stderr, "pcsim: merge: %s: cannot judge the campaign: %s\n",
				res[0].scenario, why);
			goto out;
		}
	}
	if (json) {
		printf("{\"command\":\"merge\",\"program\":");
		pcsim_cmdline_json_str(stdout, res[0].program);
		printf(",\"strategy\":");
		pcsim_cmdline_json_str(stdout, res[0].strategy);
		printf(",\"seed\":%" PRIu64 ",\"shards\":%u,\"shards_merged\":%u", res[0].seed, count,
		       n);
		printf(",\"outcome\":");
		pcsim_cmdline_json_str(stdout, first >= 0 ? res[first].outcome : "ok");
		printf(",\"executions\":%" PRIu64 ",\"steps\":%" PRIu64 ",\"exhausted\":%s"
		       ",\"interrupted\":%s",
		       execs, steps, exhausted ? "true" : "false", interrupted ? "true" : "false");
		if (all_digest)
			printf(",\"digest\":\"%016" PRIx64 "\"", digest);
		if (res[0].scenario[0]) {
			printf(",\"scenario\":");
			pcsim_cmdline_json_str(stdout, res[0].scenario);
			printf(",\"kernel\":");
			pcsim_cmdline_json_str(stdout, res[0].kernel);
			printf(",\"judged\":%s,\"met\":%s,\"verdict\":", judged >= 0 ? "true" : "false",
			       judged == 1 ? "true" : "false");
			pcsim_cmdline_json_str(stdout, why);
		}
		printf(",\"failures\":[");
		for (unsigned i = 0, k = 0; i < n; i++) {
			if (!strcmp(res[i].outcome, "ok"))
				continue;
			printf("%s{\"shard\":", k++ ? "," : "");
			pcsim_cmdline_json_str(stdout, res[i].slice[0] ? res[i].slice : "0/1");
			printf(",\"result\":");
			pcsim_cmdline_json_str(stdout, res[i].path);
			printf(",\"outcome\":");
			pcsim_cmdline_json_str(stdout, res[i].outcome);
			printf(",\"what\":");
			pcsim_cmdline_json_str(stdout, res[i].what);
			printf(",\"failing_execution\":%" PRIu64 ",\"message\":",
			       res[i].failing_execution);
			pcsim_cmdline_json_str(stdout, res[i].message);
			printf(",\"schedule_file\":");
			if (res[i].schedule[0])
				pcsim_cmdline_json_str(stdout, res[i].schedule);
			else
				printf("null");
			printf(",\"first\":%s}", (int)i == first ? "true" : "false");
		}
		printf("]}\n");
	} else {
		printf("%s: %u of %u shard(s) merged (strategy %s, seed %" PRIu64 "): %" PRIu64
		       " executions, %" PRIu64 " steps, %" PRIu64 " failure(s)%s%s\n",
		       res[0].program, n, count, res[0].strategy, res[0].seed, execs, steps, nfail,
		       exhausted ? "; the bounded space was explored completely" : "",
		       interrupted ? "; some shard was interrupted" : "");
		if (n < count) {
			/* runs of missing shards as ranges: a campaign of 128 slices with a few done
			 * would otherwise print a hundred numbers */
			printf("missing shards (%u of %u):", count - n, count);
			for (unsigned i = 0; i < count;) {
				unsigned j = i;
				while (j < count && !merged_has(res, n, j))
					j++;
				if (j == i) {
					i++;
					continue;
				}
				if (j - i == 1)
					printf(" %u", i);
				else
					printf(" %u-%u", i, j - 1);
				i = j;
			}
			printf("\n");
		}
		for (unsigned i = 0; i < n; i++) {
			if (!strcmp(res[i].outcome, "ok"))
				continue;
			printf("%s shard %s: %s (%s) in execution %" PRIu64 "\n",
			       (int)i == first ? "*" : " ", res[i].slice[0] ? res[i].slice : "0/1",
			       res[i].outcome, res[i].what, res[i].failing_execution);
			if (res[i].schedule[0])
				printf("    schedule: %s\n    replay:   pcsim replay %s %s\n",
				       res[i].schedule, res[i].program, res[i].schedule);
		}
		if (first >= 0)
			printf("(* the failure the single run finds first)\n");
		if (res[0].scenario[0])
			printf("%s: %s: %s\n", res[0].scenario, why,
			       judged == 1 ? "met" : judged == 0 ? "MISSED" : "not judged");
	}
	/* a scenario: its verdict (1 missed); else whether any shard failed */
	status = judged >= 0 ? (judged == 1 ? 0 : 1) : first >= 0 ? 1 : 0;
out:
	free(res);
	return status;
}
