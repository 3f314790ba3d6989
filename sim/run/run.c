/*
 * run_simulation(): one run end to end.  Everything a run needs is set up
 * here in dependency order and torn down again, so that one process can do
 * many runs (tests) and a child process does exactly one (compare, sweep).
 */
#include "sim/run/run.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/wallclock.h"
#include "analysis/hist.h"
#include "analysis/store.h"
#include "lib/xalloc.h"
#include "sim/oracle/oracle.h"
#include "sim/core/version.h"
#include "sim/locking/lockstat.h"
#include "sim/mm/mm.h"
#include "sim/run/knobs.h"
#include "sim/run/replay.h"
#include "sim/mm/rmap.h"
#include "schemes/registry.h"
#include "sim/run/sim.h"
#include "sim/core/task.h"
#include "sim/core/timeline.h"
#include "traces/gen.h"
#include "traces/import.h"
#include "sim/run/watchdog.h"

#define MAX_VIOLATIONS_KEPT 100

static void add_param(struct run_result *res, const char *key, const char *value)
{
	struct param_result *p = &res->params[res->nparams++];
	size_t n = strlen(key);

	if (n >= sizeof(p->key))
		n = sizeof(p->key) - 1;
	memcpy(p->key, key, n);
	p->key[n] = 0;
	snprintf(p->value, sizeof(p->value), "%s", value);
}

static void collect(struct run_result *res, struct replay *rp)
{
	int i, n;

	res->sim_ns = replay_end_time(rp) ? replay_end_time(rp) : sim_now();
	res->events = sim_engine.events_run;

	res->ops = xcalloc(MLT_NR_OPS, sizeof(*res->ops));
	for (i = 0; i < MLT_NR_OPS; i++) {
		const struct lat_hist *h = replay_op_hist(rp, i);
		struct op_result *o;

		if (!replay_op_count(rp, i))
			continue;
		o = &res->ops[res->nops++];
		snprintf(o->op, sizeof(o->op), "%s", mlt_op_name((unsigned)i));
		o->count = replay_op_count(rp, i);
		o->throughput_per_s = res->sim_ns ? (double)o->count * 1e9 / (double)res->sim_ns : 0;
		o->mean_ns = hist_mean(h);
		o->p50_ns = hist_percentile(h, 0.50);
		o->p99_ns = hist_percentile(h, 0.99);
		o->p999_ns = hist_percentile(h, 0.999);
		o->max_ns = h->max;
		hist_to_buckets(h, &o->buckets, &o->nbuckets);
	}

	n = lock_stat_count();
	res->locks = xcalloc((size_t)n, sizeof(*res->locks));
	for (i = 0; i < n; i++) {
		const struct lock_stat *s = lock_stat_at(i);
		struct lock_result *l;

		if (!s->acquisitions)
			continue;
		l = &res->locks[res->nlocks++];
		snprintf(l->lock, sizeof(l->lock), "%s", s->name);
		l->acquisitions = s->acquisitions;
		l->contended = s->contended;
		l->wait_ns = s->wait_ns;
		l->hold_ns = s->hold_ns;
		l->line_transfers = line_class_at(s->line_class)->transfers;
	}

	/* Counters, plus the line classes' transfers (which lines were hot). */
	n = counter_count() + line_nr_classes() + 4;
	res->counters = xcalloc((size_t)n, sizeof(*res->counters));
	for (i = 0; i < counter_count(); i++) {
		struct counter_result *c = &res->counters[res->ncounters++];

		snprintf(c->name, sizeof(c->name), "%s", counter_name(i));
		c->value = counter_value(i);
	}
	for (i = 0; i < line_nr_classes(); i++) {
		const struct line_class *k = line_class_at(i);
		struct counter_result *c;

		if (!k->transfers)
			continue;
		c = &res->counters[res->ncounters++];
		snprintf(c->name, sizeof(c->name), "line_transfers:%s", k->name);
		c->value = k->transfers;
	}
	snprintf(res->counters[res->ncounters].name, RESULT_NAME_LEN, "ops_in");
	res->counters[res->ncounters++].value = replay_ops_in(rp);
	snprintf(res->counters[res->ncounters].name, RESULT_NAME_LEN, "ops_replayed");
	res->counters[res->ncounters++].value = replay_ops_done(rp);
	snprintf(res->counters[res->ncounters].name, RESULT_NAME_LEN, "op_errors");
	res->counters[res->ncounters++].value = replay_op_errors(rp);

	res->violations_total = violations_total();
	n = violations_kept() < MAX_VIOLATIONS_KEPT ? violations_kept() : MAX_VIOLATIONS_KEPT;
	res->violations = xcalloc((size_t)n, sizeof(*res->violations));
	for (i = 0; i < n; i++) {
		const struct violation *v = violation_at(i);
		struct violation_result *o = &res->violations[res->nviolations++];

		o->t_ns = v->time;
		o->task = v->task;
		snprintf(o->kind, sizeof(o->kind), "%s", v->kind);
		o->addr = v->addr;
		snprintf(o->detail, sizeof(o->detail), "%s", v->detail);
	}
}

/* Tasks that have not ended once the engine ran dry: nothing will wake them. */
static int nr_stuck_tasks(void)
{
	int i, n = 0;

	for (i = 0; i < sched_nr_tasks(); i++)
		n += sched_task(i)->state != TASK_DEAD;
	return n;
}

/* Each stuck task, with what it waits for and who holds it, as the
 * kernel's hung-task report names them. */
static void report_stuck_tasks(void)
{
	char what[160];
	int i;

	for (i = 0; i < sched_nr_tasks(); i++) {
		const struct task *t = sched_task(i);

		if (t->state == TASK_DEAD)
			continue;
		lock_describe_wait(t, what, sizeof(what));
		report_violation("deadlock", 0, "task %d (%s) never ended: %s", t->id, t->name,
				what);
	}
}

/* The rmap walker runs while the replay has ops left (and no error). */
static uint64_t replay_pending(void *arg)
{
	struct replay *rp = arg;

	if (replay_error(rp) || replay_ops_done(rp) >= replay_ops_in(rp))
		return 0;
	return replay_ops_in(rp) - replay_ops_done(rp);
}

/*
 * A workload name: generate its trace into a file without a name (O_TMPFILE
 * in $TMPDIR, or one unlinked the moment it exists), so that a run killed
 * at any point leaves nothing behind.
 */
static struct mlt_file *generate(const struct run_spec *spec, uint64_t ops, int ngen,
				 char **gen, char *err, size_t errlen)
{
	const char *dir = getenv("TMPDIR");
	struct mlt_file *f = NULL;
	char *path;
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		/* A file system without O_TMPFILE: a name, for an instant. */
		if (asprintf(&path, "%s/mmlocksim-gen-XXXXXX", dir) < 0)
			fatal("out of memory");
		fd = mkostemp(path, O_CLOEXEC);
		if (fd >= 0)
			unlink(path);
		free(path);
	}
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot create a temporary trace: %s", dir,
			 strerror(errno));
		return NULL;
	}
	if (!trace_gen_fd(spec->trace, spec->threads, ops, spec->seed, ngen, gen, fd,
			  spec->trace, err, errlen))
		f = mlt_open_fd(fd, spec->trace, err, errlen);
	close(fd);
	return f;
}

/* The -p of a run, sorted by whom they are for, and checked. */
struct sorted_params {
	struct scheme_args args;	/* the scheme's */
	struct run_knobs knobs;		/* the model's (defaults for the rest) */
	char *gen_kv[RUN_MAX_PARAMS];	/* the workload's */
	int ngen;
	uint64_t gen_ops;
};

/*
 * Sort and check the -p of spec into sp: scheme parameters (checked by
 * scheme_args_parse()), then the model's knobs (knobs.c), then for a
 * workload its own (trace_gen() checks them).  Nothing outside sp is
 * set.  res, if not NULL, gets every KEY=VAL.  0, or -1 with one line in
 * err.
 */
/* -p KV taken by nothing of the run: what it is not, and a scheme that has it. */
static void unknown_param(const char *kv, const char *key, const struct scheme_ops *ops,
			  const char *workload, char *err, size_t errlen)
{
	char names[512] = "";
	int k;

	for (k = 0; k < scheme_count() && !scheme_has_param(scheme_at(k), key); k++)
		;
	if (workload)
		gen_param_names(workload, names, sizeof(names));
	snprintf(err, errlen, "-p %s: '%s' is not a parameter of scheme '%s' (see mmlocksim list "
		 "schemes),%s of the model (%s)%s%s%s%s%s%s%s", kv, key, ops->name,
		 workload ? "" : " nor", knob_names(), workload ? " nor of workload " : "",
		 workload ? workload : "", workload ? " (" : "", names,
		 workload ? ", ops)" : "",
		 k < scheme_count() ? "; scheme " : "", k < scheme_count() ? scheme_at(k)->name : "");
	if (k < scheme_count())
		snprintf(err + strlen(err), errlen - strlen(err), " has it");
}

static int sort_params(const struct run_spec *spec, const struct scheme_ops *ops, int workload,
		       struct run_result *res, struct sorted_params *sp, char *err, size_t errlen)
{
	const char *scheme_kv[RUN_MAX_PARAMS];
	int i, nscheme = 0;

	memset(sp, 0, sizeof(*sp));
	knobs_defaults(&sp->knobs);
	if (spec->nparams < 0 || spec->nparams > RUN_MAX_PARAMS) {
		snprintf(err, errlen, "-p: expected at most %d parameters", RUN_MAX_PARAMS);
		return -1;
	}
	for (i = 0; i < spec->nparams; i++) {
		const char *kv = spec->params[i], *eq = strchr(kv, '=');
		char key[64];
		int rc;

		if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof(key)) {
			snprintf(err, errlen, "-p %s: expected KEY=VALUE", kv);
			return -1;
		}
		memcpy(key, kv, (size_t)(eq - kv));
		key[eq - kv] = 0;
		if (res)
			add_param(res, key, eq + 1);
		if (scheme_has_param(ops, key)) {
			scheme_kv[nscheme++] = kv;
			continue;
		}
		rc = knob_set(&sp->knobs, kv, err, errlen);
		if (rc < 0)
			return -1;
		/* A fact of the kernel both see, as the base page size: the
		 * workload's pages are the kernel's. */
		if (rc && workload && gen_has_param(spec->trace, key))
			sp->gen_kv[sp->ngen++] = (char *)kv;
		if (rc)
			continue;
		if (workload && !strcmp(key, "ops")) {
			char *end;

			errno = 0;
			sp->gen_ops = strtoull(eq + 1, &end, 10);
			/* strtoull takes "-1" as 2^64 - 1: a sign is not a count. */
			if (errno || *end || !eq[1] || eq[1] == '-' || eq[1] == '+') {
				snprintf(err, errlen, "-p %s: expected a whole number of ops", kv);
				return -1;
			}
			continue;
		}
		if (workload && gen_takes_param(spec->trace, key)) {
			sp->gen_kv[sp->ngen++] = (char *)kv;
			continue;
		}
		unknown_param(kv, key, ops, workload ? spec->trace : NULL, err, errlen);
		return -1;
	}
	return scheme_args_parse(ops, nscheme, scheme_kv, &sp->args, err, errlen);
}

/* The scheme of spec: registered by name, or loaded from spec->plugin. */
static const struct scheme_ops *resolve_scheme(const struct run_spec *spec, char *err,
					       size_t errlen)
{
	const struct scheme_ops *ops;

	schemes_init();
	if (spec->plugin) {
		ops = scheme_load_plugin(spec->plugin, err, errlen);
		if (ops && spec->scheme && strcmp(spec->scheme, ops->name)) {
			snprintf(err, errlen, "%s: provides scheme '%s', not '%s'", spec->plugin,
				 ops->name, spec->scheme);
			return NULL;
		}
		return ops;
	}
	return scheme_find(spec->scheme ? spec->scheme : "", err, errlen);
}

/* The machine of spec (a preset, or an .ini file read into custom), with its CPU count checked. */
static const struct machine *resolve_machine(const struct run_spec *spec, struct machine *custom,
					     char *err, size_t errlen)
{
	const struct machine *m;
	int i;

	if (spec->machine && strchr(spec->machine, '.')) {
		if (machine_load_ini(spec->machine, custom, err, errlen))
			return NULL;
		m = custom;
	} else {
		m = machine_find(spec->machine ? spec->machine : "xeon-8176-2s", NULL);
		if (!m) {
			size_t off = (size_t)snprintf(err, errlen, "unknown machine '%s'; valid:",
						      spec->machine);

			for (i = 0; i < machine_nr_presets() && off < errlen; i++)
				off += (size_t)snprintf(err + off, errlen - off, " %s",
							machine_preset(i)->name);
			return NULL;
		}
	}
	if (spec->cpus < 0 || spec->cpus > m->ncpus) {
		snprintf(err, errlen, "--cpus %d: expected 1 to %d (machine %s)", spec->cpus,
			 m->ncpus, m->name);
		return NULL;
	}
	return m;
}

/* A workload name, and no file of that name (a file wins). */
static int names_workload(const char *trace)
{
	return trace && gen_is_workload(trace) && access(trace, F_OK);
}

int run_check(const struct run_spec *spec, char *err, size_t errlen)
{
	static struct machine custom;
	const struct scheme_ops *ops;
	struct sorted_params sp;

	ops = resolve_scheme(spec, err, errlen);
	if (!ops || !resolve_machine(spec, &custom, err, errlen))
		return -1;
	if (!spec->trace) {
		snprintf(err, errlen, "expected a trace or a workload name");
		return -1;
	}
	if (spec->threads < 0 || spec->threads > REPLAY_MAX_TASKS) {
		snprintf(err, errlen, "--threads %d: expected 0 (as recorded) to %d", spec->threads,
			 REPLAY_MAX_TASKS);
		return -1;
	}
	if (sort_params(spec, ops, names_workload(spec->trace), NULL, &sp, err, errlen))
		return -1;
	if (names_workload(spec->trace))
		return trace_gen_check(spec->trace, spec->threads, sp.gen_ops, sp.ngen, sp.gen_kv,
				       err, errlen);
	return 0;
}

void run_args(const struct run_spec *spec, char *all, char *scheme_args, char *model_args,
	      size_t len)
{
	const char *mine[RUN_MAX_PARAMS], *rest[RUN_MAX_PARAMS];
	const struct scheme_ops *ops;
	int i, n = spec->nparams < RUN_MAX_PARAMS ? spec->nparams : RUN_MAX_PARAMS, nm = 0, nr = 0;
	char err[512];

	ops = resolve_scheme(spec, err, sizeof(err));
	for (i = 0; i < n; i++) {
		const char *eq = strchr(spec->params[i], '=');
		char key[64];
		size_t k = eq ? (size_t)(eq - spec->params[i]) : 0;

		snprintf(key, sizeof(key), "%.*s", (int)k, spec->params[i]);
		if (ops && eq && k < sizeof(key) && scheme_has_param(ops, key))
			mine[nm++] = spec->params[i];
		else
			rest[nr++] = spec->params[i];
	}
	store_args(spec->params, n, all, len);
	store_args(mine, nm, scheme_args, len);
	store_args(rest, nr, model_args, len);
}

int run_check_trace(const char *trace, const int *threads, int n, char *err, size_t errlen)
{
	struct mlt_file *f;
	int i;

	if (names_workload(trace))
		return 0;
	if (access(trace, R_OK) != 0) {
		snprintf(err, errlen, "%s: %s; expected a readable trace or a workload name "
			 "(mmlocksim list workloads)", trace, strerror(errno));
		return -1;
	}
	f = trace_open_any(trace, NULL, NULL, err, errlen);
	if (!f)
		return -1;
	for (i = 0; i < (n ? n : 1); i++) {
		if (replay_check_threads(f, n ? threads[i] : 0, err, errlen)) {
			mlt_close(f);
			return -1;
		}
	}
	mlt_close(f);
	return 0;
}

/* What run_simulation() holds, released at its end in reverse order. */
struct run_state {
	const struct scheme_ops *ops;
	const struct machine *m;
	int workload;
	struct sorted_params sp;	/* the run's parameters: mms point at sp.args */
	struct mlt_file *f;
	bool begun;			/* sim_begin() done */
	struct replay *rp;
};

/* res as an ERROR row naming what spec asked for, until the run says more. */
static void result_init(struct run_result *res, const struct run_spec *spec)
{
	memset(res, 0, sizeof(*res));
	snprintf(res->status, sizeof(res->status), RUN_ERROR);
	snprintf(res->version, sizeof(res->version), "%s", MMLOCKSIM_VERSION);
	res->seed = spec->seed;
	snprintf(res->scheme, sizeof(res->scheme), "%s", spec->scheme ? spec->scheme : "");
	snprintf(res->source, sizeof(res->source), "%s", spec->trace ? spec->trace : "");
}

/* The trace of spec: a workload's generated, or the file opened (imported if text). */
static struct mlt_file *open_source(const struct run_spec *spec, struct run_state *st,
				    char *err, size_t errlen)
{
	if (!spec->trace) {
		snprintf(err, errlen, "expected a trace or a workload name");
		return NULL;
	}
	if (st->workload)
		return generate(spec, st->sp.gen_ops, st->sp.ngen, st->sp.gen_kv, err, errlen);
	if (access(spec->trace, R_OK) != 0) {
		snprintf(err, errlen, "%s: %s; expected a readable trace or a workload name "
			 "(mmlocksim list workloads)", spec->trace, strerror(errno));
		return NULL;
	}
	return trace_open_any(spec->trace, NULL, NULL, err, errlen);
}

/* Open the timeline and name its CPU and task tracks. */
static int open_timeline(const char *path, int ncpus, char *err, size_t errlen)
{
	char name[64];
	int i;

	if (timeline_open(path, err, errlen))
		return -1;
	for (i = 0; i < ncpus; i++) {
		snprintf(name, sizeof(name), "CPU %d", i);
		timeline_name(TL_CPU, i, name);
	}
	for (i = 0; i < sched_nr_tasks(); i++) {
		snprintf(name, sizeof(name), "%s/%d", sched_task(i)->name, i);
		timeline_name(TL_TASK, i, name);
	}
	return 0;
}

/*
 * Once the engine ran dry: the replay's error (a bad record) in err, or
 * NULL.  Ops left undone or tasks left asleep are a deadlock: violations
 * of a run that did run (FAILED), not an error.
 */
static const char *judge_end(const struct run_state *st, char *err, size_t errlen)
{
	const struct replay *rp = st->rp;
	const char *why = replay_error(rp);

	if (why) {
		snprintf(err, errlen, "%s", why);
		return err;
	}
	/* Stopped by the watchdog: its violation says which tasks and where. */
	if (watchdog_fired())
		return NULL;
	if (replay_ops_done(rp) == replay_ops_in(rp) && !nr_stuck_tasks())
		return NULL;
	report_violation("deadlock", 0, "%llu ops never completed, %d tasks never ended",
			(unsigned long long)(replay_ops_in(rp) - replay_ops_done(rp)),
			nr_stuck_tasks());
	report_stuck_tasks();
	return NULL;
}

int run_simulation(const struct run_spec *spec, struct run_result *res,
		   char *err, size_t errlen)
{
	static struct machine custom;
	struct run_state *st = xzalloc(sizeof(*st));
	struct sim_config cfg = { 0 };
	double t0 = wall_seconds();
	char late[256];
	int ret = -1;

	/* What runs: the scheme, the machine, the parameters, the trace. */
	result_init(res, spec);
	st->ops = resolve_scheme(spec, err, errlen);
	if (!st->ops)
		goto out;
	snprintf(res->scheme, sizeof(res->scheme), "%s", st->ops->name);
	st->m = resolve_machine(spec, &custom, err, errlen);
	if (!st->m)
		goto out;
	snprintf(res->machine, sizeof(res->machine), "%s", st->m->name);
	res->cpus = spec->cpus ? spec->cpus : st->m->ncpus;
	st->workload = names_workload(spec->trace);
	res->params = xcalloc(RUN_MAX_PARAMS + 8, sizeof(*res->params));
	if (sort_params(spec, st->ops, st->workload, res, &st->sp, err, errlen))
		goto out;
	if (st->workload)
		res->threads = spec->threads;
	st->f = open_source(spec, st, err, errlen);
	if (!st->f)
		goto out;
	if (watchdog_interrupted())
		goto interrupted;	/* a signal while the trace was read or generated */

	/* The machine, the model with this run's knobs, the tasks. */
	knobs_apply(&st->sp.knobs);
	cfg.machine = st->m;
	cfg.ncpus = res->cpus;
	cfg.seed = spec->seed;
	cfg.adjacent_line_prefetch_off = !st->sp.knobs.adjacent_line_prefetch;
	sim_begin(&cfg);
	st->begun = true;
	oracle_setup();
	st->rp = replay_setup(st->f, st->ops, &st->sp.args, st->workload ? 0 : spec->threads,
			      st->sp.knobs.think_scale, err, errlen);
	if (!st->rp)
		goto out;
	res->threads = replay_nr_tasks(st->rp);
	rmap_walker_start(replay_pending, st->rp);
	if (spec->timeline && open_timeline(spec->timeline, res->cpus, err, errlen))
		goto out;

	/* Run, judge, collect. */
	watchdog_start((sim_time_t)st->sp.knobs.livelock_ms * 1000000);
	sim_run(UINT64_MAX);
	watchdog_stop();
	oracle_run_end();
	if (!watchdog_fired() && watchdog_interrupted() && !replay_error(st->rp) &&
	    replay_ops_done(st->rp) != replay_ops_in(st->rp))
		goto interrupted;	/* stopped by SIGINT/SIGTERM: no outcome */
	ret = judge_end(st, err, errlen) ? -1 : 0;
	collect(res, st->rp);
	/* A timeline that cannot be written fails the run; a first error stays in err. */
	if (spec->timeline && timeline_close(ret ? late : err, ret ? sizeof(late) : errlen))
		ret = -1;
	if (!ret)
		snprintf(res->status, sizeof(res->status), "%s",
			 res->violations_total ? RUN_FAILED : RUN_COMPLETE);
	goto out;
interrupted:
	snprintf(err, errlen, "interrupted by signal %d (%s)", watchdog_interrupted(),
		 strsignal(watchdog_interrupted()));
	snprintf(res->status, sizeof(res->status), RUN_INTERRUPTED);
	ret = -2;
out:
	timeline_abort();
	replay_free(st->rp);
	if (st->begun) {
		mm_teardown_all();
		sim_end();
	}
	if (st->f)
		mlt_close(st->f);
	free(st);
	if (ret) {
		if (ret != -2)
			snprintf(res->status, sizeof(res->status), RUN_ERROR);
		snprintf(res->error, sizeof(res->error), "%s", err);
	}
	res->wall_s = wall_seconds() - t0;
	return ret ? -1 : 0;
}
