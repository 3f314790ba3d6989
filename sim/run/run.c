/*
 * run_simulation(): one run end to end.  Everything a run needs is set up
 * here in dependency order and torn down again, so that one process can do
 * many runs (tests) and a child process does exactly one (compare, sweep).
 */
#include "sim/run/run.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/wallclock.h"
#include "analysis/hist.h"
#include "lib/xalloc.h"
#include "sim/oracle/oracle.h"
#include "sim/core/version.h"
#include "sim/locking/lockstat.h"
#include "sim/mm/mm.h"
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

static double think_scale = 1.0;
static sim_time_t livelock_window;	/* 0: WATCHDOG_WINDOW_NS */

/* "rwsem" or "spinlock", for anon_vma_lock= and i_mmap_lock=. */
static int rmap_lock_knob(const char *kv, const char *val, enum rmap_lock_kind *kind,
			  char *err, size_t errlen)
{
	if (!strcmp(val, "rwsem")) {
		*kind = RMAP_LOCK_RWSEM;
	} else if (!strcmp(val, "spinlock")) {
		*kind = RMAP_LOCK_SPINLOCK;
	} else {
		snprintf(err, errlen, "-p %s: expected rwsem or spinlock", kv);
		return -1;
	}
	return 1;
}

/* VAL, all of it, as a number from LO to HI (NaN and "" are not). */
static bool knob_number(const char *val, double lo, double hi, double *d)
{
	char *end;

	errno = 0;
	*d = strtod(val, &end);
	return !errno && end != val && !*end && *d >= lo && *d <= hi;
}

/* Knobs of the kernel model and the replay, settable with -p like scheme parameters. */
static int mm_knob(const char *kv, char *err, size_t errlen)
{
	const char *eq = strchr(kv, '='), *val;
	double d;

	if (!eq)
		return 0;
	val = eq + 1;
	if (!strncmp(kv, "file_miss=", 10)) {
		if (!knob_number(val, 0, 1, &d)) {
			snprintf(err, errlen, "-p %s: expected a fraction from 0 to 1", kv);
			return -1;
		}
		mm_params.file_miss = d;
		return 1;
	}
	if (!strncmp(kv, "anon_vma_lock=", 14))
		return rmap_lock_knob(kv, val, &mm_params.anon_vma_lock, err, errlen);
	if (!strncmp(kv, "i_mmap_lock=", 12))
		return rmap_lock_knob(kv, val, &mm_params.i_mmap_lock, err, errlen);
	if (!strncmp(kv, "rmap_walkers=", 13)) {
		if (!knob_number(val, 1, RMAP_MAX_WALKERS, &d) || d != (int)d) {
			snprintf(err, errlen, "-p %s: expected a number of walker tasks, 1 to %d", kv,
				 RMAP_MAX_WALKERS);
			return -1;
		}
		mm_params.rmap_walkers = (int)d;
		return 1;
	}
	if (!strncmp(kv, "rmap_walks=", 11)) {
		/* Up to one walk per 100 ns: more is no reclaim, only a livelock. */
		if (!knob_number(val, 0, 10000, &d)) {
			snprintf(err, errlen, "-p %s: expected rmap walks per ms, 0 to 10000", kv);
			return -1;
		}
		mm_params.rmap_walks = d;
		return 1;
	}
	if (!strncmp(kv, "think_scale=", 12)) {
		if (!knob_number(val, 0, 1000, &d)) {
			snprintf(err, errlen, "-p %s: expected a factor from 0 to 1000", kv);
			return -1;
		}
		think_scale = d;
		return 1;
	}
	if (!strncmp(kv, "livelock_ms=", 12)) {
		if (!knob_number(val, 1, 3600000, &d) || d != (int)d) {
			snprintf(err, errlen, "-p %s: expected a whole number of simulated ms, "
				 "1 to 3600000", kv);
			return -1;
		}
		livelock_window = (sim_time_t)d * 1000000;
		return 1;
	}
	if (!strncmp(kv, "fork_vma_lock=", 14)) {
		if (strcmp(val, "0") && strcmp(val, "1")) {
			snprintf(err, errlen, "-p %s: expected 1 (fork write-locks the parent's VMAs, "
				 "Linux 6.4.12 on) or 0 (6.4.0-6.4.11)", kv);
			return -1;
		}
		mm_params.fork_vma_lock = *val == '1';
		return 1;
	}
	{
		static const struct { const char *key; bool *knob; } onoff[] = {
			{ "zone_lock=", &mm_params.zone_lock },
			{ "lru_lock=", &mm_params.lru_lock },
			{ "memcg=", &mm_params.memcg },
			{ "mem_bw=", &mm_params.mem_bw },
		};
		size_t i;

		for (i = 0; i < sizeof(onoff) / sizeof(onoff[0]); i++) {
			if (strncmp(kv, onoff[i].key, strlen(onoff[i].key)))
				continue;
			if (strcmp(val, "0") && strcmp(val, "1")) {
				snprintf(err, errlen, "-p %s: expected 1 (modeled) or 0 (left out)", kv);
				return -1;
			}
			*onoff[i].knob = *val == '1';
			return 1;
		}
	}
	if (!strncmp(kv, "max_fault_retries=", 18)) {
		if (!knob_number(val, 1, 1000, &d) || d != (int)d) {
			snprintf(err, errlen, "-p %s: expected a whole number from 1 to 1000", kv);
			return -1;
		}
		mm_params.max_fault_retries = (int)d;
		return 1;
	}
	return 0;
}

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

/* A workload name: generate its trace into a temporary file, opened and unlinked. */
static struct mlt_file *generate(const struct run_spec *spec, uint64_t ops, int ngen,
				 char **gen, char *err, size_t errlen)
{
	char path[] = "/tmp/mmlocksim-gen-XXXXXX";
	struct mlt_file *f;
	int fd = mkstemp(path);

	if (fd < 0) {
		snprintf(err, errlen, "cannot create a temporary trace: %s", strerror(errno));
		return NULL;
	}
	close(fd);
	if (trace_gen(spec->trace, spec->threads, ops, spec->seed, ngen, gen, path, err, errlen)) {
		unlink(path);
		return NULL;
	}
	f = mlt_open(path, err, errlen);
	unlink(path);
	return f;
}

/* The defaults of the model's knobs, before a run's -p. */
static void reset_knobs(void)
{
	mm_params.file_miss = 0;
	mm_params.max_fault_retries = 8;
	mm_params.anon_vma_lock = RMAP_LOCK_RWSEM;
	mm_params.i_mmap_lock = RMAP_LOCK_RWSEM;
	mm_params.rmap_walks = 0;
	mm_params.rmap_walkers = 1;
	mm_params.fork_vma_lock = true;
	mm_params.zone_lock = mm_params.lru_lock = mm_params.memcg = mm_params.mem_bw = true;
	think_scale = 1.0;
	livelock_window = 0;
}

/* The -p of a run, sorted by whom they are for. */
struct sorted_params {
	const char *scheme_kv[RUN_MAX_PARAMS];
	char *gen_kv[RUN_MAX_PARAMS];
	int nscheme, ngen;
	uint64_t gen_ops;
};

/*
 * Sort and check the -p of spec: scheme parameters (the scheme checks
 * them in scheme_set_params()), then the kernel model's knobs (set here),
 * then for a workload its own (trace_gen() checks them).  res, if not
 * NULL, gets every KEY=VAL.  0, or -1 with one line in err.
 */
static int sort_params(const struct run_spec *spec, const struct scheme_ops *ops, int workload,
		       struct run_result *res, struct sorted_params *sp, char *err, size_t errlen)
{
	int i;

	memset(sp, 0, sizeof(*sp));
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
			sp->scheme_kv[sp->nscheme++] = kv;
			continue;
		}
		rc = mm_knob(kv, err, errlen);
		if (rc < 0)
			return -1;
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
		if (workload) {
			sp->gen_kv[sp->ngen++] = (char *)kv;
			continue;
		}
		snprintf(err, errlen, "-p %s: not a parameter of scheme '%s' (see mmlocksim list "
			 "schemes) nor of the model (file_miss, max_fault_retries, think_scale, "
			 "anon_vma_lock, i_mmap_lock, rmap_walks, rmap_walkers, fork_vma_lock, "
			 "zone_lock, lru_lock, memcg, mem_bw, livelock_ms)", kv, ops->name);
		return -1;
	}
	return 0;
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
	int rc;

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
	rc = sort_params(spec, ops, names_workload(spec->trace), NULL, &sp, err, errlen);
	reset_knobs();
	if (rc || scheme_set_params(ops, sp.nscheme, sp.scheme_kv, err, errlen))
		return -1;
	scheme_set_params(ops, 0, NULL, err, errlen);
	if (names_workload(spec->trace))
		return trace_gen_check(spec->trace, spec->threads, sp.ngen, sp.gen_kv, err, errlen);
	return 0;
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

int run_simulation(const struct run_spec *spec, struct run_result *res,
		   char *err, size_t errlen)
{
	const struct machine *m;
	static struct machine custom;
	const struct scheme_ops *ops;
	struct sorted_params sp;
	int i, workload;
	struct mlt_file *f;
	struct replay *rp;
	struct sim_config cfg;
	double t0 = wall_seconds();
	const char *why;

	memset(res, 0, sizeof(*res));
	snprintf(res->status, sizeof(res->status), RUN_ERROR);
	snprintf(res->version, sizeof(res->version), "%s", MMLOCKSIM_VERSION);
	res->seed = spec->seed;
	snprintf(res->scheme, sizeof(res->scheme), "%s", spec->scheme ? spec->scheme : "");
	snprintf(res->source, sizeof(res->source), "%s", spec->trace ? spec->trace : "");

	ops = resolve_scheme(spec, err, errlen);
	if (!ops)
		goto fail;
	snprintf(res->scheme, sizeof(res->scheme), "%s", ops->name);
	m = resolve_machine(spec, &custom, err, errlen);
	if (!m)
		goto fail;
	snprintf(res->machine, sizeof(res->machine), "%s", m->name);
	res->cpus = spec->cpus ? spec->cpus : m->ncpus;

	/* -p: scheme parameters, then the kernel model's knobs, then the workload's. */
	reset_knobs();
	workload = names_workload(spec->trace);
	res->params = xcalloc(RUN_MAX_PARAMS + 8, sizeof(*res->params));
	if (sort_params(spec, ops, workload, res, &sp, err, errlen))
		goto fail;
	if (scheme_set_params(ops, sp.nscheme, sp.scheme_kv, err, errlen))
		goto fail;

	if (!spec->trace) {
		snprintf(err, errlen, "expected a trace or a workload name");
		goto fail;
	}
	if (workload) {
		f = generate(spec, sp.gen_ops, sp.ngen, sp.gen_kv, err, errlen);
		res->threads = spec->threads;
	} else if (access(spec->trace, R_OK) != 0) {
		snprintf(err, errlen, "%s: %s; expected a readable trace or a workload name "
			 "(mmlocksim list workloads)", spec->trace, strerror(errno));
		f = NULL;
	} else {
		f = trace_open_any(spec->trace, NULL, NULL, err, errlen);
	}
	if (!f)
		goto fail;
	if (watchdog_interrupted()) {
		/* A signal while the trace was read or generated: do not start. */
		mlt_close(f);
		goto interrupted;
	}

	cfg.machine = m;
	cfg.ncpus = res->cpus;
	cfg.seed = spec->seed;
	cfg.stack_size = 0;
	sim_begin(&cfg);
	oracle_setup();
	rp = replay_setup(f, ops, workload ? 0 : spec->threads, think_scale, err, errlen);
	if (!rp) {
		sim_end();
		mlt_close(f);
		goto fail;
	}
	res->threads = replay_nr_tasks(rp);
	rmap_walker_start(replay_pending, rp);
	if (spec->timeline) {
		if (timeline_open(spec->timeline, err, errlen)) {
			replay_free(rp);
			mm_teardown_all();
			sim_end();
			mlt_close(f);
			goto fail;
		}
		for (i = 0; i < res->cpus; i++) {
			char name[32];

			snprintf(name, sizeof(name), "CPU %d", i);
			timeline_name(TL_CPU, i, name);
		}
		for (i = 0; i < sched_nr_tasks(); i++) {
			char name[64];

			snprintf(name, sizeof(name), "%s/%d", sched_task(i)->name, i);
			timeline_name(TL_TASK, i, name);
		}
	}
	watchdog_start(livelock_window);
	sim_run(UINT64_MAX);
	oracle_run_end();
	why = replay_error(rp);
	if (!why && !watchdog_fired() && watchdog_interrupted() &&
	    replay_ops_done(rp) != replay_ops_in(rp)) {
		/* Stopped by a signal (SIGINT, SIGTERM): no outcome, nothing written. */
		if (spec->timeline)
			timeline_abort();
		replay_free(rp);
		mm_teardown_all();
		sim_end();
		mlt_close(f);
		goto interrupted;
	}
	if (why) {
		snprintf(err, errlen, "%s", why);
	} else if (watchdog_fired()) {
		/* The watchdog's violation says which tasks and where. */
		snprintf(err, errlen, "%s: stopped by the progress watchdog (%s) after %llu of "
			 "%llu ops", spec->trace, watchdog_fired(),
			 (unsigned long long)replay_ops_done(rp),
			 (unsigned long long)replay_ops_in(rp));
	} else if (replay_ops_done(rp) != replay_ops_in(rp) || nr_stuck_tasks()) {
		snprintf(err, errlen, "%s: replayed %llu of %llu ops (a task got stuck: "
			 "scheme '%s' deadlocked?)", spec->trace,
			 (unsigned long long)replay_ops_done(rp),
			 (unsigned long long)replay_ops_in(rp), ops->name);
		report_violation("deadlock", 0, "%llu ops never completed, %d tasks never ended",
				(unsigned long long)(replay_ops_in(rp) - replay_ops_done(rp)),
				nr_stuck_tasks());
		report_stuck_tasks();
		why = NULL;
	}
	collect(res, rp);
	res->wall_s = wall_seconds() - t0;
	if (spec->timeline && timeline_close(err, errlen) && !why)
		why = err;
	replay_free(rp);
	mm_teardown_all();
	sim_end();
	mlt_close(f);
	if (why)
		goto fail;
	snprintf(res->status, sizeof(res->status), "%s",
		 res->violations_total ? RUN_FAILED : RUN_COMPLETE);
	return 0;
fail:
	snprintf(res->status, sizeof(res->status), RUN_ERROR);
	snprintf(res->error, sizeof(res->error), "%s", err);
	res->wall_s = wall_seconds() - t0;
	return -1;
interrupted:
	snprintf(err, errlen, "interrupted by signal %d (%s)", watchdog_interrupted(),
		 strsignal(watchdog_interrupted()));
	snprintf(res->status, sizeof(res->status), RUN_INTERRUPTED);
	snprintf(res->error, sizeof(res->error), "%s", err);
	res->wall_s = wall_seconds() - t0;
	return -1;
}
