/*
 * The pool of forked runs (see runpool.h).  Shard databases per child
 * would also work, but then every child opens SQLite after fork and the
 * parent merges at the end; one writer is simpler, keeps results visible
 * as runs finish, and lets the parent record a run that died (RUNNING is
 * written before the fork, the outcome or ERROR after).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/wallclock.h"
#include "lib/xalloc.h"
#include "sim/run/runpool.h"

/* ---- the run_result over a pipe --------------------------------------
 * The child and the parent are the same binary, so the structs go as raw
 * bytes: the struct, then each array it points to.  The parent checks the
 * lengths, so a child that dies half-way is detected, not misread. */

#define WIRE_MAGIC 0x4d4c5252u	/* "MLRR" */

static int put(FILE *f, const void *p, size_t n)
{
	return n && fwrite(p, 1, n, f) != n ? -1 : 0;
}

static int serialize(FILE *f, const struct run_result *r)
{
	uint32_t magic = WIRE_MAGIC;
	int i, rc;

	rc = put(f, &magic, sizeof(magic)) | put(f, r, sizeof(*r)) |
	     put(f, r->params, (size_t)r->nparams * sizeof(*r->params)) |
	     put(f, r->ops, (size_t)r->nops * sizeof(*r->ops));
	for (i = 0; i < r->nops; i++)
		rc |= put(f, r->ops[i].buckets, (size_t)r->ops[i].nbuckets * sizeof(struct lat_bucket));
	rc |= put(f, r->locks, (size_t)r->nlocks * sizeof(*r->locks)) |
	      put(f, r->counters, (size_t)r->ncounters * sizeof(*r->counters)) |
	      put(f, r->violations, (size_t)r->nviolations * sizeof(*r->violations));
	return rc;
}

struct reader {
	const char *buf;
	size_t len, pos;
};

/* A malloc'ed copy of the next n * size bytes; *ok = 0 if they are not there. */
static void *take(struct reader *rd, int n, size_t size, int *ok)
{
	size_t bytes;
	void *p;

	if (n < 0 || n > 1 << 24) {
		*ok = 0;
		return NULL;
	}
	bytes = (size_t)n * size;
	if (!*ok || bytes > rd->len - rd->pos) {
		*ok = 0;
		return NULL;
	}
	p = xmalloc(bytes);
	memcpy(p, rd->buf + rd->pos, bytes);
	rd->pos += bytes;
	return p;
}

static int deserialize(const char *buf, size_t len, struct run_result *r)
{
	struct reader rd = { buf, len, 0 };
	uint32_t magic;
	int i, ok = 1;

	memset(r, 0, sizeof(*r));
	if (len < sizeof(magic) + sizeof(*r))
		return -1;
	memcpy(&magic, buf, sizeof(magic));
	if (magic != WIRE_MAGIC)
		return -1;
	memcpy(r, buf + sizeof(magic), sizeof(*r));
	rd.pos = sizeof(magic) + sizeof(*r);
	r->params = NULL;
	r->ops = NULL;
	r->locks = NULL;
	r->counters = NULL;
	r->violations = NULL;
	r->params = take(&rd, r->nparams, sizeof(*r->params), &ok);
	r->ops = take(&rd, r->nops, sizeof(*r->ops), &ok);
	if (!r->ops)
		r->nops = 0;	/* so that run_result_free() below is safe */
	for (i = 0; i < r->nops; i++)
		r->ops[i].buckets = NULL;
	for (i = 0; i < r->nops; i++)
		r->ops[i].buckets = take(&rd, r->ops[i].nbuckets, sizeof(struct lat_bucket), &ok);
	r->locks = take(&rd, r->nlocks, sizeof(*r->locks), &ok);
	r->counters = take(&rd, r->ncounters, sizeof(*r->counters), &ok);
	r->violations = take(&rd, r->nviolations, sizeof(*r->violations), &ok);
	if (!ok || rd.pos != len) {
		run_result_free(r);
		return -1;
	}
	r->status[sizeof(r->status) - 1] = 0;
	r->error[sizeof(r->error) - 1] = 0;
	return 0;
}

/* ---- the pool ------------------------------------------------------------ */

struct slot {
	pid_t pid;
	int fd;
	int64_t run_id;
	const struct runpool_job *job;
	char *buf;
	size_t len, cap;
};

struct pool {
	struct store *db;
	const struct runpool_opts *o;
	struct runpool_tally *ty;
	/* What the finished runs resolved, for the runs that died before (ERROR). */
	char machine[RESULT_NAME_LEN];
	int threads;
	int64_t *error_ids;
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

static void progress(const struct pool *p, int total, double t0)
{
	double el = wall_seconds() - t0, eta = p->ty->done ? el / p->ty->done * (total - p->ty->done) : 0;
	int bad = p->ty->failed + p->ty->errors;

	fprintf(stderr, "\r\033[K%s: %d/%d runs%s%.0d%s, elapsed %d:%02d", p->o->what,
		p->ty->done, total, bad ? ", " : "", bad, bad ? " not COMPLETE" : "",
		(int)el / 60, (int)el % 60);
	if (p->ty->done)
		fprintf(stderr, ", ETA %d:%02d", (int)eta / 60, (int)eta % 60);
}

/* In the child: one run, its result down the pipe, never back to the caller. */
static void child(const struct runpool_job *job, int fd, pid_t parent)
{
	struct run_result res;
	char err[1024];
	FILE *f;
	const char *crash = getenv("MMLOCKSIM_CRASH_SEED");

	/*
	 * The terminal's ^C goes to the whole process group: the pool alone
	 * decides what an interrupted run is (it kills us with SIGTERM and
	 * marks the run), so a run dying of the same ^C is not an ERROR.
	 * Should the pool itself be killed (SIGKILL), die too rather than
	 * run on as an orphan nobody reads.
	 */
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(4);
	/* Fault injection for the tests: the run of that seed dies as a crash would. */
	if (crash && strtoull(crash, NULL, 10) == job->spec.seed)
		raise(SIGSEGV);
	run_simulation(&job->spec, &res, err, sizeof(err));
	f = fdopen(fd, "w");
	if (!f || serialize(f, &res) < 0 || fclose(f) != 0)
		_exit(3);
	_exit(0);
}

/* A run without a result from its child: an ERROR row that says why. */
static void error_result(struct run_result *r, const struct runpool_job *job, int status)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->scheme, sizeof(r->scheme), "%s", job->key.scheme);
	snprintf(r->source, sizeof(r->source), "%s", job->key.source);
	snprintf(r->status, sizeof(r->status), RUN_ERROR);
	r->cpus = job->key.cpus;
	r->seed = job->key.seed;
	/* A plugin is code we did not write: its crash is its failure, named. */
	if (job->plugin && WIFSIGNALED(status))
		snprintf(r->error, sizeof(r->error), "plugin %s (scheme '%s') crashed: the run's "
			 "process was killed by signal %d (%s)", job->plugin, job->key.scheme,
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (job->plugin)
		snprintf(r->error, sizeof(r->error), "plugin %s (scheme '%s') failed: the run's "
			 "process exited with status %d without a complete result", job->plugin,
			 job->key.scheme, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	else if (WIFSIGNALED(status))
		snprintf(r->error, sizeof(r->error), "the run's process was killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(r->error, sizeof(r->error), "the run's process exited with status %d "
			 "without a complete result", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* Stopped by the pool's signal, not failed on its own: INTERRUPTED. */
static int killed_by_interrupt(int status)
{
	return interrupted && WIFSIGNALED(status) &&
	       (WTERMSIG(status) == SIGTERM || WTERMSIG(status) == SIGINT ||
		WTERMSIG(status) == SIGHUP);
}

/* The child of s has closed its pipe: reap it and store what it sent. */
static void finish_slot(struct pool *p, struct slot *s)
{
	struct runpool_tally *ty = p->ty;
	struct run_result r;
	char err[1024];
	int status = 0;

	while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (killed_by_interrupt(status)) {
		/* A signal to the whole process group reached the child first. */
		snprintf(err, sizeof(err), "%s was interrupted by a signal", p->o->what);
		store_run_mark(p->db, s->run_id, RUN_INTERRUPTED, err);
		free(s->buf);
		memset(s, 0, sizeof(*s));
		s->fd = -1;
		return;
	}
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
	    deserialize(s->buf, s->len, &r) < 0)
		error_result(&r, s->job, status);
	if (store_run_finish(p->db, s->run_id, &r, err, sizeof(err)) < 0) {
		fprintf(stderr, "\nmmlocksim %s: %s\n", p->o->what, err);
		store_run_mark(p->db, s->run_id, RUN_ERROR, err);
		ty->store_errors++;
	}
	ty->done++;
	if (!p->machine[0] && r.machine[0] && r.threads) {
		snprintf(p->machine, sizeof(p->machine), "%s", r.machine);
		p->threads = r.threads;
	}
	if (!strcmp(r.status, RUN_COMPLETE)) {
		ty->complete++;
	} else if (!strcmp(r.status, RUN_FAILED)) {
		ty->failed++;
	} else {
		p->error_ids[ty->errors++] = s->run_id;
		if (!ty->first_error[0])
			snprintf(ty->first_error, sizeof(ty->first_error), "%s", r.error);
	}
	run_result_free(&r);
	free(s->buf);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

/* Fork the child of job into slot s; -1 if it could not start. */
static int start_slot(struct pool *p, struct slot *s, const struct runpool_job *job)
{
	char err[1024];
	pid_t parent = getpid();
	int fds[2];

	s->run_id = store_run_begin(p->db, &job->key, err, sizeof(err));
	if (s->run_id < 0) {
		fprintf(stderr, "\nmmlocksim %s: %s\n", p->o->what, err);
		return -1;
	}
	if (pipe(fds) < 0) {
		store_run_mark(p->db, s->run_id, RUN_ERROR, strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	s->pid = fork();
	if (s->pid < 0) {
		store_run_mark(p->db, s->run_id, RUN_ERROR, strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (s->pid == 0) {
		close(fds[0]);
		child(job, fds[1], parent);
	}
	close(fds[1]);
	s->fd = fds[0];
	s->job = job;
	s->len = 0;
	return 0;
}

/* Read what is there from s's pipe; 1 at end of file. */
static int drain(struct slot *s)
{
	ssize_t n;

	if (s->cap - s->len < 65536) {
		s->buf = xrealloc(s->buf, s->cap = s->cap * 2 + 65536);
	}
	n = read(s->fd, s->buf + s->len, s->cap - s->len);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : 1;
	if (n == 0)
		return 1;
	s->len += (size_t)n;
	return 0;
}

static int run_all(struct pool *p, const struct runpool_job *tasks, int ntasks)
{
	struct slot slots[RUNPOOL_MAX_JOBS];
	struct pollfd pfd[RUNPOOL_MAX_JOBS];
	int jobs = p->o->jobs, next = 0, running = 0, i, n, tty = isatty(2), stop = 0;
	double t0 = wall_seconds(), last = 0;

	/* A default of "every online CPU" may be 0 (unknown) or more than we take. */
	if (jobs < 1)
		jobs = 1;
	if (jobs > RUNPOOL_MAX_JOBS)
		jobs = RUNPOOL_MAX_JOBS;
	for (i = 0; i < jobs; i++) {
		memset(&slots[i], 0, sizeof(slots[i]));
		slots[i].fd = -1;
	}
	while (((next < ntasks && !stop) || running) && !interrupted) {
		for (i = 0; i < jobs && next < ntasks && !stop; i++) {
			if (slots[i].pid)
				continue;
			if (start_slot(p, &slots[i], &tasks[next]) < 0) {
				stop = 1;	/* the database or the system is failing */
				break;
			}
			next++;
			running++;
		}
		for (i = n = 0; i < jobs; i++) {
			if (!slots[i].pid)
				continue;
			pfd[n].fd = slots[i].fd;
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			n++;
		}
		if (tty && wall_seconds() - last > 0.2) {
			progress(p, ntasks, t0);
			last = wall_seconds();
		}
		if (poll(pfd, (nfds_t)n, 1000) < 0)
			continue;	/* EINTR: the loop condition sees a signal */
		for (i = n = 0; i < jobs; i++) {
			if (!slots[i].pid)
				continue;
			if (pfd[n++].revents && drain(&slots[i])) {
				close(slots[i].fd);
				finish_slot(p, &slots[i]);
				running--;
			}
		}
	}
	if (interrupted) {
		/* Stop the runs in flight; they are INTERRUPTED, never COMPLETE. */
		for (i = 0; i < jobs; i++) {
			char why[64];

			if (!slots[i].pid)
				continue;
			kill(slots[i].pid, SIGTERM);
			close(slots[i].fd);
			while (waitpid(slots[i].pid, NULL, 0) < 0 && errno == EINTR)
				;
			snprintf(why, sizeof(why), "%s was interrupted by a signal", p->o->what);
			store_run_mark(p->db, slots[i].run_id, RUN_INTERRUPTED, why);
			free(slots[i].buf);
		}
	}
	if (tty) {
		progress(p, ntasks, t0);
		fputc('\n', stderr);
	}
	/* Runs that died early count with their siblings in the report. */
	for (i = 0; p->o->resolve_from_siblings && i < p->ty->errors && p->machine[0]; i++)
		store_run_resolve(p->db, p->error_ids[i], p->machine, p->threads);
	return stop ? -1 : 0;
}

int runpool_run(struct store *db, const struct runpool_job *jobs, int njobs,
		const struct runpool_opts *opts, struct runpool_tally *ty)
{
	struct pool p = { .db = db, .o = opts, .ty = ty };
	struct sigaction sa, old_int, old_term, old_hup;
	int ret;

	memset(ty, 0, sizeof(*ty));
	p.error_ids = xcalloc((size_t)njobs + 1, sizeof(*p.error_ids));

	interrupted = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll() must return */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	ret = run_all(&p, jobs, njobs);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	ty->interrupted = interrupted;
	free(p.error_ids);
	return ret;
}
