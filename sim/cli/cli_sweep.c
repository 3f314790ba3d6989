/*
 * `mmlocksim sweep EXPERIMENT.ini`: the cross product of sources x
 * machines x threads x CPU counts x seeds x schemes x parameter values
 * that an experiment file names, run in parallel (runpool.c) into one
 * database, resumable, and sliceable into shards for other machines.
 *
 * The file (README, "Sweeps"; analysis/example-sweep.ini):
 *
 *   [experiment]   name, sources (traces or workloads; also spelt traces
 *                  and workloads), schemes, machines, cpus, threads, seeds,
 *                  plugin (scheme .so files, as --plugin; their schemes
 *                  can then be named in schemes)
 *   [params]       KEY = V1, V2...  for every run (model knobs, workload
 *                  parameters), each value list crossed with the others
 *   [scheme NAME]  KEY = V1, V2...  scheme parameters, crossed, for NAME
 *   [source NAME]  KEY = V1, V2...  parameters for the runs of that source
 *                  (workload parameters such as size), crossed
 *
 * The expansion order is fixed by the file alone (outermost first: source,
 * machine, threads, cpus, seed, scheme, [params] values, [source] values,
 * [scheme] values, each in the order written), so `--shard I/N` (the runs whose index is I
 * mod N) names the same runs on every host.  A run's identity is its run
 * row key (scheme, source, machine, cpus, threads, seed, args); a run
 * whose key is COMPLETE or FAILED in the database is not run again.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/store.h"
#include "lib/xalloc.h"
#include "sim/cli/cli.h"
#include "sim/core/version.h"
#include "sim/cli/climsg.h"
#include "sim/core/ini.h"
#include "sim/core/machine.h"
#include "sim/run/run.h"
#include "sim/run/runpool.h"
#include "sim/cli/cliargs.h"
#include "sim/run/replay.h"
#include "schemes/registry.h"
#include "traces/gen.h"

#define MAX_VALUES 64		/* values of one key */
#define MAX_KEYS 10		/* keys of one section: 3 sections fit RUN_MAX_PARAMS */
#define MAX_SECTIONS 64
#define MAX_RUNS 1000000

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mmlocksim sweep EXPERIMENT.ini --db OUT.db [--jobs J] [--shard I/N] [--dry-run]\n"
		"  run every combination the experiment file names (README, Sweeps;\n"
		"  analysis/example-sweep.ini) into OUT.db, created if missing.  Runs already\n"
		"  COMPLETE or FAILED in OUT.db are skipped, so re-running resumes.\n"
		"  --jobs J     runs at a time (default: the number of online CPUs)\n"
		"  --shard I/N  only the runs whose index in the expansion is I mod N (0 <= I < N),\n"
		"               the same slice on every host; combine with mmlocksim merge\n"
		"  --dry-run    list the runs of the slice, one a line, and run none\n"
		"exit status: 0 every run COMPLETE, 1 some run FAILED or ERROR, 2 bad input,\n"
		"130 interrupted (runs in flight marked INTERRUPTED; re-run to resume).\n");
}

/* The values of one key, and where they were given. */
struct list {
	int n, line;
	char *v[MAX_VALUES];
	int at[MAX_VALUES];	/* the line of each value */
};

struct keyed {
	char *key;
	struct list vals;
};

enum { SEC_PARAMS, SEC_SCHEME, SEC_SOURCE };

/* [params], a [scheme NAME] or a [source NAME]. */
struct section {
	int kind;
	char *name;		/* the scheme's registered name, or the source; NULL for [params] */
	int line, nkeys;
	struct keyed keys[MAX_KEYS];
};

struct experiment {
	struct ini_file *in;
	char *name;
	struct list sources, schemes, machines, cpus, threads, seeds, plugins;
	/* The scheme each plugin registered, to name the plugin when its run dies. */
	const char *plugin_scheme[MAX_VALUES];
	uint64_t seed_lo, seed_hi;
	struct section params;
	int nsecs;
	struct section secs[MAX_SECTIONS];
	/* Resolved: per machine its name and CPU count. */
	char mname[MAX_VALUES][RESULT_NAME_LEN];
	int mcpus[MAX_VALUES];
};

static void free_list(struct list *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	l->n = 0;
}

static void free_section(struct section *s)
{
	int i;

	for (i = 0; i < s->nkeys; i++) {
		free(s->keys[i].key);
		free_list(&s->keys[i].vals);
	}
	s->nkeys = 0;
	free(s->name);
}

static void free_experiment(struct experiment *e)
{
	int i;

	free(e->name);
	free_list(&e->sources);
	free_list(&e->schemes);
	free_list(&e->machines);
	free_list(&e->cpus);
	free_list(&e->threads);
	free_list(&e->seeds);
	free_list(&e->plugins);
	free_section(&e->params);
	for (i = 0; i < e->nsecs; i++)
		free_section(&e->secs[i]);
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = 0;
	return s;
}

/* "a, b ,c" appended to l; 1, or 0 after ini_error(). */
static int add_values(struct ini_file *in, struct list *l, const char *key, const char *value)
{
	char *copy = xstrdup(value), *tok, *next, *v;
	int i;

	if (!l->line)
		l->line = in->lineno;
	/* Not strtok_r(): it would step over the empty value of "1,,2" or "1,". */
	for (tok = copy; tok; tok = next) {
		next = strchr(tok, ',');
		if (next)
			*next++ = 0;
		v = trim(tok);
		if (!*v) {
			free(copy);
			return ini_error(in, "expected a comma-separated list of values for %s, "
					 "without empty ones", key);
		}
		if (l->n == MAX_VALUES) {
			free(copy);
			return ini_error(in, "expected at most %d values for %s", MAX_VALUES, key);
		}
		/* '=' would read as a -p KEY=VAL; a schemes value may carry them after ':'. */
		if ((strchr(v, '=') && (strcmp(key, "schemes") || !strchr(v, ':') ||
					strchr(v, '=') < strchr(v, ':'))) || strchr(v, ' ')) {
			/* The message first: v points into copy. */
			ini_error(in, "expected values without spaces or '=' for %s, got '%s'",
				  key, v);
			free(copy);
			return 0;
		}
		for (i = 0; i < l->n && strcmp(l->v[i], v); i++)
			;
		if (i < l->n) {
			/* The same run twice would count twice in every mean. */
			ini_error(in, "expected each value once for %s, got '%s' again", key, v);
			free(copy);
			return 0;
		}
		l->v[l->n] = xstrdup(v);
		l->at[l->n++] = in->lineno;
	}
	free(copy);
	return 1;
}

/* The commands' number parser (cliargs.c): digits only, within [min, max >= 0]. */
static int parse_long(const char *s, long min, long max, long *v)
{
	uint64_t u;

	if (cli_number(s, (uint64_t)min, (uint64_t)max, &u))
		return -1;
	*v = (long)u;
	return 0;
}

/* Each value of l a whole number in [min, max]; 1, or 0 after ini_error(). */
static int check_numbers(struct ini_file *in, const struct list *l, const char *key, long min,
			 long max)
{
	long v;
	int i;

	for (i = 0; i < l->n; i++)
		if (parse_long(l->v[i], min, max, &v) < 0)
			return ini_error(in, "expected whole numbers %ld to %ld for %s, got '%s'",
					 min, max, key, l->v[i]);
	return 1;
}

/* seeds = K (seeds 1..K) or A-B. */
static int parse_seeds(struct experiment *e, const char *value)
{
	unsigned long long a, b;
	char *end;

	errno = 0;
	a = strtoull(value, &end, 10);
	if (*end == '-' && end != value) {
		const char *p = end + 1;

		b = strtoull(p, &end, 10);
		if (!errno && !*end && end != p && a >= 1 && b >= a && b - a < 100000) {
			e->seed_lo = a;
			e->seed_hi = b;
			return 1;
		}
	} else if (!errno && !*end && end != value && a >= 1 && a <= 100000) {
		e->seed_lo = 1;
		e->seed_hi = a;
		return 1;
	}
	return ini_error(e->in, "expected seeds = K (seeds 1 to K, K <= 100000) or A-B, got '%s'",
			 value);
}

/*
 * A schemes value is NAME or NAME:KEY=VAL[:KEY=VAL...], a variant of the
 * scheme with parameters of its own.  Its scheme, or NULL.
 */
static const struct scheme_ops *item_scheme(const char *item)
{
	char name[128];

	snprintf(name, sizeof(name), "%.*s", (int)strcspn(item, ":"), item);
	return scheme_find(name, NULL, 0);
}

/* The KEY=VAL of a schemes value, appended to kv from n (allocated); the new n. */
static int add_item_params(const char *item, char **kv, int n)
{
	const char *c = strchr(item, ':');

	while (c && n < RUN_MAX_PARAMS) {
		size_t len = strcspn(c + 1, ":");

		if (asprintf(&kv[n++], "%.*s", (int)len, c + 1) < 0)
			fatal("out of memory");
		c = strchr(c + 1, ':');
	}
	return n;
}

/* The KEY=VAL of a schemes value, checked against its scheme; 0, or -1 (err). */
static int check_item(const char *item, char *err, size_t errlen)
{
	const struct scheme_ops *ops = item_scheme(item);
	char *kv[RUN_MAX_PARAMS] = { 0 };
	struct scheme_args args;
	int i, n, rc;

	if (!ops) {
		snprintf(err, errlen, "expected a scheme name (mmlocksim list schemes), got '%s'",
			 item);
		return -1;
	}
	n = add_item_params(item, kv, 0);
	rc = strchr(item, ':') && !n ? -1 : 0;
	for (i = 0; i < n && !rc; i++) {
		if (!strchr(kv[i], '=') || kv[i][0] == '=') {
			snprintf(err, errlen, "expected NAME:KEY=VAL[:KEY=VAL...], got '%s'", item);
			rc = -1;
		}
	}
	if (!rc && scheme_args_parse(ops, n, (const char *const *)kv, &args, err, errlen))
		rc = -1;
	for (i = 0; i < n; i++)
		free(kv[i]);
	return rc;
}

static int experiment_key(struct experiment *e, const char *name, const char *value)
{
	struct ini_file *in = e->in;
	struct list *l = NULL;
	char err[512];
	int i, first;

	if (!strcmp(name, "name")) {
		if (e->name)
			return ini_error(in, "expected name once in [experiment]");
		e->name = xstrdup(value);
		return 1;
	}
	if (!strcmp(name, "seeds")) {
		if (e->seed_hi)
			return ini_error(in, "expected seeds once in [experiment]");
		return parse_seeds(e, value);
	}
	if (!strcmp(name, "plugin") || !strcmp(name, "plugins"))
		return 1;	/* loaded by the first pass, plugin_pass() */
	if (!strcmp(name, "sources") || !strcmp(name, "traces") || !strcmp(name, "workloads"))
		l = &e->sources;	/* one list: the three spellings add up */
	else if (!strcmp(name, "schemes"))
		l = &e->schemes;
	else if (!strcmp(name, "machines") || !strcmp(name, "machine"))
		l = &e->machines;
	else if (!strcmp(name, "cpus"))
		l = &e->cpus;
	else if (!strcmp(name, "threads"))
		l = &e->threads;
	if (!l)
		return ini_error(in, "expected name, sources (or traces, workloads), schemes, "
				 "machines, cpus, threads, seeds or plugin in [experiment], got '%s'",
				 name);
	if (l->n && l != &e->sources)
		return ini_error(in, "expected %s once in [experiment] (first at line %d)", name,
				 l->line);
	first = l->n;
	if (!add_values(in, l, name, value))
		return 0;
	/* Checked here, so the message names this line. */
	for (i = first; i < l->n; i++) {
		const char *v = l->v[i];

		if (l == &e->sources && !gen_is_workload(v) && access(v, R_OK) != 0)
			return ini_error(in, "expected a readable trace or a workload name "
					 "(mmlocksim list workloads), got '%s': %s", v, strerror(errno));
		if (l == &e->schemes && check_item(v, err, sizeof(err)))
			return ini_error(in, "%s", err);
		if (l == &e->machines) {
			e->mcpus[i] = machine_lookup(v, e->mname[i], sizeof(e->mname[i]), err,
						     sizeof(err));
			if (e->mcpus[i] < 0)
				return ini_error(in, "expected a machine: %s", err);
		}
	}
	if (l == &e->cpus)
		return check_numbers(in, l, name, 1, MAX_CPUS);
	if (l == &e->threads)
		return check_numbers(in, l, name, 0, REPLAY_MAX_TASKS);
	return 1;
}

static int section_key(struct experiment *e, struct section *s, const char *name,
		       const char *value)
{
	struct ini_file *in = e->in;
	struct keyed *k;
	struct scheme_args args;
	char kv[256], err[512];
	int i;

	if (!s->line)
		s->line = in->lineno;
	for (i = 0; i < s->nkeys; i++)
		if (!strcmp(s->keys[i].key, name))
			return ini_error(in, "expected %s once in its section (first at line %d)",
					 name, s->keys[i].vals.line);
	if (s->nkeys == MAX_KEYS)
		return ini_error(in, "expected at most %d keys in a section", MAX_KEYS);
	k = &s->keys[s->nkeys];
	k->key = xstrdup(name);
	s->nkeys++;
	if (!add_values(in, &k->vals, name, value))
		return 0;
	if (s->kind != SEC_SCHEME)
		return 1;
	/* Scheme parameters are checked against the scheme now, not in every run. */
	for (i = 0; i < k->vals.n; i++) {
		const struct scheme_ops *ops = scheme_find(s->name, NULL, 0);
		const char *p = kv;

		snprintf(kv, sizeof(kv), "%s=%s", name, k->vals.v[i]);
		if (scheme_args_parse(ops, 1, &p, &args, err, sizeof(err)) < 0)
			return ini_error(in, "%s", err);
	}
	return 1;
}

/* The [scheme NAME] or [source NAME] section of that name, made on first sight. */
static struct section *named_section(struct experiment *e, int kind, const char *name)
{
	int i;

	for (i = 0; i < e->nsecs; i++)
		if (e->secs[i].kind == kind && !strcmp(e->secs[i].name, name))
			return &e->secs[i];
	if (e->nsecs == MAX_SECTIONS) {
		ini_error(e->in, "expected at most %d [scheme] and [source] sections", MAX_SECTIONS);
		return NULL;
	}
	e->secs[e->nsecs].kind = kind;
	e->secs[e->nsecs].name = xstrdup(name);
	return &e->secs[e->nsecs++];
}

static int sweep_ini_handler(void *user, const char *section, const char *name,
			     const char *value)
{
	struct experiment *e = user;
	const struct scheme_ops *ops;
	struct section *s;
	char sname[256], *n;

	if (!strcmp(section, "experiment"))
		return experiment_key(e, name, value);
	if (!strcmp(section, "params"))
		return section_key(e, &e->params, name, value);
	snprintf(sname, sizeof(sname), "%s", section);
	if (!strncmp(sname, "scheme ", 7)) {
		ops = scheme_find(n = trim(sname + 7), NULL, 0);
		if (!ops)
			return ini_error(e->in, "expected [scheme NAME] with a scheme name "
					 "(mmlocksim list schemes), got [%s]", section);
		s = named_section(e, SEC_SCHEME, ops->name);
	} else if (!strncmp(sname, "source ", 7)) {
		s = named_section(e, SEC_SOURCE, trim(sname + 7));
	} else {
		return ini_error(e->in, "expected [experiment], [params], [scheme NAME] or "
				 "[source NAME], got [%s]", section);
	}
	return s ? section_key(e, s, name, value) : 0;
}

/* Checks that need the whole file; 0, or -1 with "PATH:LINE: ..." in err. */
static int experiment_finish(struct experiment *e, const char *path, char *err, size_t errlen)
{
	char msg[512];
	long v = 0;
	int i, j, line = 0, zero = 0;

	msg[0] = 0;
	if (!e->sources.n)
		snprintf(msg, sizeof(msg), "expected sources (traces or workloads) in [experiment]");
	else if (!e->cpus.n)
		snprintf(msg, sizeof(msg), "expected cpus in [experiment]");
	if (msg[0]) {
		snprintf(err, errlen, "%s: %s", path, msg);
		return -1;
	}
	/* No schemes list: the [scheme NAME] sections are the schemes. */
	for (i = 0; !e->schemes.line && i < e->nsecs; i++) {
		if (e->secs[i].kind != SEC_SCHEME || e->schemes.n == MAX_VALUES)
			continue;
		e->schemes.v[e->schemes.n++] = xstrdup(e->secs[i].name);
	}
	if (!e->schemes.n) {
		snprintf(err, errlen, "%s: expected schemes in [experiment], or [scheme NAME] "
			 "sections", path);
		return -1;
	}
	for (i = 0; i < e->nsecs; i++) {
		const struct section *s = &e->secs[i];
		const struct list *l = s->kind == SEC_SCHEME ? &e->schemes : &e->sources;

		for (j = 0; j < l->n && strcmp(s->kind == SEC_SCHEME ?
					       item_scheme(l->v[j])->name : l->v[j], s->name); j++)
			;
		if (j == l->n) {
			snprintf(err, errlen, "%s:%d: expected [%s %s] to name one of the %s (line %d)",
				 path, s->line, s->kind == SEC_SCHEME ? "scheme" : "source", s->name,
				 s->kind == SEC_SCHEME ? "schemes" : "sources", l->line);
			return -1;
		}
	}
	if (!e->machines.n) {
		e->machines.v[0] = xstrdup("xeon-8176-2s");
		e->machines.n = 1;
		e->mcpus[0] = machine_lookup(NULL, e->mname[0], sizeof(e->mname[0]), err, errlen);
	}
	for (i = 0; i < e->cpus.n; i++) {
		parse_long(e->cpus.v[i], 1, MAX_CPUS, &v);
		for (j = 0; j < e->machines.n; j++) {
			if (v > e->mcpus[j]) {
				snprintf(err, errlen, "%s:%d: expected cpus of at most %d (machine %s), "
					 "got %ld", path, e->cpus.line, e->mcpus[j], e->mname[j], v);
				return -1;
			}
		}
	}
	/*
	 * threads 0 (as recorded) resolves to the trace's thread count only
	 * when the run ends, so resume matches it against any thread count:
	 * mixed with explicit counts, the runs could not be told apart.
	 */
	for (i = 0; i < e->threads.n; i++) {
		parse_long(e->threads.v[i], 0, REPLAY_MAX_TASKS, &v);
		zero |= v == 0;
		line = e->threads.line;
	}
	if (zero && e->threads.n > 1) {
		snprintf(err, errlen, "%s:%d: expected threads 0 (as recorded) alone, or only "
			 "explicit thread counts", path, line);
		return -1;
	}
	if (!e->seed_hi)
		e->seed_lo = e->seed_hi = 1;
	return 0;
}

/*
 * The first pass over the file: load the plugins of [experiment], so that
 * their schemes can be named anywhere in the file, before or after.
 */
static int plugin_pass(void *user, const char *section, const char *name, const char *value)
{
	struct experiment *e = user;
	char err[1024];
	int i, first = e->plugins.n;

	if (strcmp(section, "experiment") || (strcmp(name, "plugin") && strcmp(name, "plugins")))
		return 1;
	if (!add_values(e->in, &e->plugins, name, value))
		return 0;
	for (i = first; i < e->plugins.n; i++) {
		const struct scheme_ops *ops = scheme_load_plugin(e->plugins.v[i], err, sizeof(err));

		if (!ops)
			return ini_error(e->in, "expected a scheme plugin: %s", err);
		e->plugin_scheme[i] = ops->name;
	}
	return 1;
}

static int load_experiment(const char *path, struct experiment *e, char *err, size_t errlen)
{
	struct ini_file in;

	memset(e, 0, sizeof(*e));
	e->in = &in;
	if (ini_load(path, plugin_pass, e, &in, err, errlen) < 0)
		return -1;
	if (ini_load(path, sweep_ini_handler, e, &in, err, errlen) < 0)
		return -1;
	e->in = NULL;
	return experiment_finish(e, path, err, errlen);
}

/* ---- the expansion ------------------------------------------------------ */

/* Combinations of the value lists of s (1 for no keys). */
static long combos(const struct section *s)
{
	long n = 1;
	int i;

	for (i = 0; i < s->nkeys; i++)
		n *= s->keys[i].vals.n;
	return n;
}

/* The KEY=VAL strings of combination c of s, appended to kv (the last key varies fastest). */
static int add_combo(const struct section *s, long c, char **kv, int n)
{
	int i;

	for (i = s->nkeys - 1; i >= 0; i--) {
		const struct keyed *k = &s->keys[i];

		if (asprintf(&kv[n + i], "%s=%s", k->key, k->vals.v[c % k->vals.n]) < 0)
			fatal("out of memory");
		c /= k->vals.n;
	}
	return n + s->nkeys;
}

/* The section of that scheme or source; an empty one if there is none. */
static const struct section *section_of(const struct experiment *e, int kind, const char *name)
{
	static const struct section none;
	int i;

	if (kind == SEC_SCHEME)
		name = item_scheme(name)->name;
	for (i = 0; i < e->nsecs; i++)
		if (e->secs[i].kind == kind && !strcmp(e->secs[i].name, name))
			return &e->secs[i];
	return &none;
}

/* Strings the jobs point to, freed together. */
struct plan {
	struct runpool_job *jobs;
	char **strings;
	long njobs, nstrings, cap;
};

static char *keep(struct plan *p, char *s)
{
	if (p->nstrings == p->cap) {
		p->cap = p->cap * 2 + 256;
		p->strings = xreallocarray(p->strings, (size_t)p->cap, sizeof(*p->strings));
	}
	return p->strings[p->nstrings++] = s;
}

static void free_plan(struct plan *p)
{
	long i;

	for (i = 0; i < p->nstrings; i++)
		free(p->strings[i]);
	free(p->strings);
	free(p->jobs);
	memset(p, 0, sizeof(*p));
}

/* The total number of runs of e, or -1 past MAX_RUNS. */
static long count_runs(const struct experiment *e)
{
	double per_scheme = 0, per_source = 0, n;
	int i;

	for (i = 0; i < e->schemes.n; i++)
		per_scheme += (double)combos(section_of(e, SEC_SCHEME, e->schemes.v[i]));
	for (i = 0; i < e->sources.n; i++)
		per_source += (double)combos(section_of(e, SEC_SOURCE, e->sources.v[i]));
	n = per_source * per_scheme * (double)combos(&e->params) * e->machines.n *
	    (e->threads.n ? e->threads.n : 1) * e->cpus.n * (double)(e->seed_hi - e->seed_lo + 1);
	return n > MAX_RUNS ? -1 : (long)n;
}

/*
 * The runs of slice shard/nshards, in expansion order.  Every run of the
 * full expansion gets its index; only those of the slice are kept.
 */
static void expand(const struct experiment *e, int shard, int nshards, struct plan *p)
{
	int src, mach, thr, cpu, sch, nthreads = e->threads.n ? e->threads.n : 1;
	long idx = 0, total = count_runs(e), pc, uc, sc;
	uint64_t seed;

	p->jobs = xcalloc((size_t)(total / nshards + 1), sizeof(*p->jobs));
	for (src = 0; src < e->sources.n; src++)
	for (mach = 0; mach < e->machines.n; mach++)
	for (thr = 0; thr < nthreads; thr++)
	for (cpu = 0; cpu < e->cpus.n; cpu++)
	for (seed = e->seed_lo; seed <= e->seed_hi; seed++)
	for (sch = 0; sch < e->schemes.n; sch++) {
		const struct section *ss = section_of(e, SEC_SCHEME, e->schemes.v[sch]);
		const struct section *us = section_of(e, SEC_SOURCE, e->sources.v[src]);

		for (pc = 0; pc < combos(&e->params); pc++)
		for (uc = 0; uc < combos(us); uc++)
		for (sc = 0; sc < combos(ss); sc++, idx++) {
			struct runpool_job *j;
			char *kv[RUN_MAX_PARAMS] = { 0 }, args[1024], scheme_args[1024];
			char model_args[1024];
			int n, i;

			if (idx % nshards != shard)
				continue;
			j = &p->jobs[p->njobs++];
			n = add_combo(&e->params, pc, kv, 0);
			n = add_combo(us, uc, kv, n);
			n = add_combo(ss, sc, kv, n);
			n = add_item_params(e->schemes.v[sch], kv, n);
			j->spec.trace = e->sources.v[src];
			j->spec.scheme = item_scheme(e->schemes.v[sch])->name;
			j->spec.machine = e->machines.v[mach];
			j->spec.cpus = atoi(e->cpus.v[cpu]);
			j->spec.threads = e->threads.n ? atoi(e->threads.v[thr]) : 0;
			j->spec.seed = seed;
			j->spec.nparams = n;
			for (i = 0; i < e->plugins.n; i++)
				if (!strcmp(e->plugin_scheme[i], j->spec.scheme))
					j->plugin = e->plugins.v[i];
			for (i = 0; i < n; i++)
				j->spec.params[i] = keep(p, kv[i]);
			run_args(&j->spec, args, scheme_args, model_args, sizeof(args));
			j->key = (struct store_key){
				.scheme = j->spec.scheme,
				.source = j->spec.trace, .machine = e->mname[mach],
				.cpus = j->spec.cpus, .threads = j->spec.threads, .seed = seed,
				.args = keep(p, xstrdup(args)), .version = MMLOCKSIM_VERSION,
				.scheme_args = keep(p, xstrdup(scheme_args)),
				.model_args = keep(p, xstrdup(model_args)),
			};
		}
	}
}

/* ---- the plan, checked before anything runs ------------------------------ */

/*
 * run_check() of one run, with the default machine (the machines and
 * CPU counts are checked already) and the KEY=VAL strings kv.
 */
static int check_run(const char *source, int threads, const char *scheme, char *const *kv,
		     int n, char *err, size_t errlen)
{
	struct run_spec spec = { .trace = source, .scheme = item_scheme(scheme)->name,
				 .threads = threads, .seed = 1 };
	char *own[RUN_MAX_PARAMS] = { 0 };
	int i, nown, rc;

	for (i = 0; i < n && i < RUN_MAX_PARAMS; i++)
		spec.params[spec.nparams++] = kv[i];
	nown = add_item_params(scheme, own, 0);
	for (i = 0; i < nown && spec.nparams < RUN_MAX_PARAMS; i++)
		spec.params[spec.nparams++] = own[i];
	rc = run_check(&spec, err, errlen);
	for (i = 0; i < nown; i++)
		free(own[i]);
	return rc;
}

static int threads_at(const struct experiment *e, int i)
{
	return e->threads.n ? atoi(e->threads.v[i]) : 0;
}

/* A [params] or [source] key, each value alone, for every source and scheme it is given to. */
static int check_key(const struct experiment *e, const struct section *s, const struct keyed *k,
		     const char *path, char *err, size_t errlen)
{
	char kv[512], *p = kv, msg[512];
	int v, src, sch;

	for (v = 0; v < k->vals.n; v++) {
		snprintf(kv, sizeof(kv), "%s=%s", k->key, k->vals.v[v]);
		for (src = 0; src < e->sources.n; src++) {
			if (s->kind == SEC_SOURCE && strcmp(s->name, e->sources.v[src]))
				continue;
			for (sch = 0; sch < e->schemes.n; sch++) {
				if (!check_run(e->sources.v[src], 0, e->schemes.v[sch], &p, 1,
					       msg, sizeof(msg)))
					continue;
				snprintf(err, errlen, "%s:%d: %s", path, k->vals.at[v], msg);
				return -1;
			}
		}
	}
	return 0;
}

/*
 * Every run the sweep would make must be able to start: a run that could
 * only end as ERROR is refused here, at the line that makes it, rather
 * than after the whole sweep has run.  First each value where it is
 * written (sources, threads, each [params] and [source] value alone),
 * then every combination the expansion makes of them (not the machines,
 * CPU counts and seeds, checked already, which change nothing here).
 * 0, or -1 with "PATH:LINE: ..." in err.
 */
static int check_plan(const struct experiment *e, const char *path, char *err, size_t errlen)
{
	int threads[MAX_VALUES], src, thr, sch, i, n, nthreads = e->threads.n ? e->threads.n : 1;
	char msg[512];
	long pc, uc, sc;

	for (i = 0; i < e->threads.n; i++)
		threads[i] = threads_at(e, i);
	for (src = 0; src < e->sources.n; src++) {
		if (run_check_trace(e->sources.v[src], threads, e->threads.n, msg, sizeof(msg))) {
			snprintf(err, errlen, "%s:%d: %s", path, e->sources.at[src], msg);
			return -1;
		}
	}
	for (thr = 0; thr < e->threads.n; thr++)
		for (src = 0; src < e->sources.n; src++)
			for (sch = 0; sch < e->schemes.n; sch++)
				if (check_run(e->sources.v[src], threads[thr], e->schemes.v[sch],
					      NULL, 0, msg, sizeof(msg))) {
					snprintf(err, errlen, "%s:%d: %s", path, e->threads.at[thr], msg);
					return -1;
				}
	for (i = 0; i < e->params.nkeys; i++)
		if (check_key(e, &e->params, &e->params.keys[i], path, err, errlen))
			return -1;
	for (n = 0; n < e->nsecs; n++)
		for (i = 0; e->secs[n].kind == SEC_SOURCE && i < e->secs[n].nkeys; i++)
			if (check_key(e, &e->secs[n], &e->secs[n].keys[i], path, err, errlen))
				return -1;

	for (src = 0; src < e->sources.n; src++)
	for (thr = 0; thr < nthreads; thr++)
	for (sch = 0; sch < e->schemes.n; sch++) {
		const struct section *ss = section_of(e, SEC_SCHEME, e->schemes.v[sch]);
		const struct section *us = section_of(e, SEC_SOURCE, e->sources.v[src]);

		for (pc = 0; pc < combos(&e->params); pc++)
		for (uc = 0; uc < combos(us); uc++)
		for (sc = 0; sc < combos(ss); sc++) {
			char *kv[RUN_MAX_PARAMS] = { 0 }, args[256];
			int rc;

			n = add_combo(&e->params, pc, kv, 0);
			n = add_combo(us, uc, kv, n);
			n = add_combo(ss, sc, kv, n);
			for (i = 0; i < n && kv[i]; i++)
				;
			rc = i < n ? -1 : check_run(e->sources.v[src], threads_at(e, thr),
						    e->schemes.v[sch], kv, n, msg, sizeof(msg));
			if (rc && i < n)
				snprintf(msg, sizeof(msg), "out of memory");
			store_args((const char *const *)kv, n, args, sizeof(args));
			for (i = 0; i < n; i++)
				free(kv[i]);
			if (!rc)
				continue;
			/* The combination is at fault, not one line: name it, at its source. */
			snprintf(err, errlen, "%s:%d: the runs of %s, %s%s%.0d%s%s: %s", path,
				 us->line ? us->line : e->sources.at[src], e->sources.v[src],
				 e->schemes.v[sch], e->threads.n ? ", threads " : "",
				 threads_at(e, thr), args[0] ? ", " : "", args, msg);
			return -1;
		}
	}
	return 0;
}

int sweep_check(const char *path, long *nruns, char *err, size_t errlen)
{
	struct experiment e;
	long total = 0;
	int rc;

	schemes_init();
	rc = load_experiment(path, &e, err, errlen);
	if (!rc) {
		total = count_runs(&e);
		if (total < 0) {
			snprintf(err, errlen, "%s: expected at most %d runs", path, MAX_RUNS);
			rc = -1;
		} else {
			rc = check_plan(&e, path, err, errlen);
		}
	}
	free_experiment(&e);
	if (nruns)
		*nruns = rc ? 0 : total;
	return rc;
}

/* ---- the command ------------------------------------------------------- */

static int parse_shard(const char *s, int *shard, int *nshards)
{
	long i, n;
	char buf[64], *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (!slash)
		return -1;
	*slash = 0;
	if (parse_long(slash + 1, 1, 1 << 20, &n) < 0 || parse_long(buf, 0, n - 1, &i) < 0)
		return -1;
	*shard = (int)i;
	*nshards = (int)n;
	return 0;
}

static void print_job(const struct runpool_job *j)
{
	printf("%s %s %s cpus=%d threads=%d seed=%llu%s%s\n", j->key.scheme, j->key.source,
	       j->key.machine, j->key.cpus, j->key.threads, (unsigned long long)j->key.seed,
	       j->key.args[0] ? " " : "", j->key.args);
}

int cli_sweep(int argc, char **argv)
{
	const char *path = NULL, *dbpath = NULL, *shard_arg = NULL;
	int jobs = (int)sysconf(_SC_NPROCESSORS_ONLN), shard = 0, nshards = 1, dry = 0, i;
	int ret = EXIT_BAD_INPUT, npos;
	struct experiment e = { 0 };
	struct plan p = { 0 };
	struct runpool_opts po = { .what = "sweep" };
	struct runpool_tally ty = { 0 };
	struct store *db = NULL;
	long total, todo, done = 0;
	char err[1024];
	struct cli_opt opts[] = {
		CLI_OPT_STRING("--db", &dbpath),
		CLI_OPT_INT("--jobs", &jobs, 1, RUNPOOL_MAX_JOBS, "jobs"),
		CLI_OPT_STRING("--shard", &shard_arg),
		CLI_OPT_FLAG("--dry-run", &dry),
		CLI_OPT_END,
	};

	i = cli_parse("sweep", argc, argv, opts, &path, 1, &npos, "experiment file");
	if (i > 0) {
		usage(stdout);
		return 0;
	}
	if (i < 0)
		return EXIT_BAD_INPUT;
	if (!npos)
		path = NULL;
	if (shard_arg && parse_shard(shard_arg, &shard, &nshards) < 0) {
		cli_error("sweep", "--shard: expected I/N with 0 <= I < N, got '%s'", shard_arg);
		return EXIT_BAD_INPUT;
	}
	if (!path) {
		cli_error("sweep", "expected an experiment file (mmlocksim sweep --help)");
		return EXIT_BAD_INPUT;
	}
	if (!dbpath && !dry) {
		cli_error("sweep", "expected --db OUT.db");
		return EXIT_BAD_INPUT;
	}
	schemes_init();
	if (load_experiment(path, &e, err, sizeof(err)) < 0) {
		cli_error("sweep", "%s", err);
		goto out;
	}
	total = count_runs(&e);
	if (total < 0) {
		cli_error("sweep", "%s: expected at most %d runs", path, MAX_RUNS);
		goto out;
	}
	if (check_plan(&e, path, err, sizeof(err)) < 0) {
		cli_error("sweep", "%s", err);
		goto out;
	}
	expand(&e, shard, nshards, &p);

	if (dry) {
		for (i = 0; i < p.njobs; i++)
			print_job(&p.jobs[i]);
		ret = 0;
		goto out;
	}
	db = store_open(dbpath, 1, err, sizeof(err));
	if (!db) {
		cli_error("sweep", "%s", err);
		goto out;
	}
	/* Resume: drop the runs the database has finished, keeping the order. */
	for (i = todo = 0; i < p.njobs; i++) {
		if (store_find_done(db, &p.jobs[i].key))
			done++;
		else
			p.jobs[todo++] = p.jobs[i];
	}
	printf("sweep %s: %ld runs", e.name ? e.name : path, total);
	if (nshards > 1)
		printf(", shard %d/%d: %ld", shard, nshards, p.njobs);
	printf("; %ld already in %s, %ld to run, %d at a time\n", done, dbpath, todo, jobs);
	fflush(stdout);
	po.jobs = jobs;
	if (runpool_run(db, p.jobs, (int)todo, &po, &ty) < 0) {
		ret = 1;
		goto out;
	}
	if (ty.interrupted) {
		cli_error("sweep", "interrupted: %d of %ld runs done; the runs in "
			"flight are marked INTERRUPTED in %s; run the sweep again to resume",
			ty.done, todo, dbpath);
		ret = 128 + ty.interrupted;
		goto out;
	}
	printf("sweep: %d runs: %d COMPLETE, %d FAILED, %d ERROR\n", ty.done, ty.complete,
	       ty.failed, ty.errors);
	if (ty.errors)
		cli_error("sweep", "%d runs could not run; first: %s", ty.errors,
			ty.first_error);
	printf("results: %s (mmlocksim report %s)\n", dbpath, dbpath);
	ret = ty.failed || ty.errors ? 1 : 0;
out:
	store_close(db);
	free_plan(&p);
	free_experiment(&e);
	return ret;
}
