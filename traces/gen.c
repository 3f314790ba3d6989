#include <stdio.h>
#include <string.h>

#include "traces/gen.h"
#include "traces/gen_anonvma.h"
#include "traces/gen_churn.h"
#include "traces/gen_core.h"
#include "traces/gen_multifault.h"
#include "traces/gen_vmalookup.h"
#include "traces/gen_vmaops.h"
#include "traces/gen_wis.h"

/* The workloads, in the order `mmlocksim list workloads` shows them. */
static const struct gen_workload *const workloads[] = {
	&gen_pft, &gen_page_fault1, &gen_page_fault2, &gen_page_fault3,
	&gen_mmap1, &gen_mmap2, &gen_ebizzy, &gen_jvm, &gen_anonvma, &gen_vmaops,
	&gen_multi_fault, &gen_vma_lookup,
};

#define NR_WORKLOADS (sizeof(workloads) / sizeof(workloads[0]))

static const struct gen_workload *find(const char *name)
{
	size_t i;

	for (i = 0; i < NR_WORKLOADS; i++)
		if (!strcmp(workloads[i]->name, name))
			return workloads[i];
	return NULL;
}

int gen_is_workload(const char *name)
{
	return find(name) != NULL;
}

int gen_has_param(const char *workload, const char *key)
{
	const struct gen_workload *wl = find(workload);
	const struct gen_param *p;

	for (p = wl ? wl->params : NULL; p && p->name; p++)
		if (!strcmp(p->name, key))
			return 1;
	return 0;
}

int gen_takes_param(const char *workload, const char *key)
{
	const struct gen_workload *wl = find(workload);

	return wl && gen_param_known(wl, key);
}

void gen_param_names(const char *workload, char *buf, size_t len)
{
	const struct gen_workload *wl = find(workload);

	buf[0] = 0;
	if (wl)
		gen_param_list(wl, buf, len);
}

/* trace_gen() and its kin; a NULL OUT is trace_gen_check(). */
static int generate(const char *workload, int threads, uint64_t ops, uint64_t seed,
		    int nparams, char **params, const struct gen_out *out,
		    char *err, size_t errlen)
{
	const struct gen_workload *wl = find(workload);
	size_t i, off;

	if (!wl) {
		off = (size_t)snprintf(err, errlen, "unknown workload '%s'; valid:",
				       workload);
		for (i = 0; i < NR_WORKLOADS && off < errlen; i++)
			off += (size_t)snprintf(err + off, errlen - off, " %s",
						workloads[i]->name);
		return -1;
	}
	if (threads < 0) {
		snprintf(err, errlen, "%s: threads must be positive, got %d",
			 workload, threads);
		return -1;
	}
	if (nparams < 0 || (nparams && !params)) {
		snprintf(err, errlen, "%s: bad parameter list", workload);
		return -1;
	}
	return gen_run(wl, (unsigned)threads, ops, seed, nparams, params,
		       out, err, errlen);
}

int trace_gen_check(const char *workload, int threads, uint64_t ops, int nparams, char **params,
		    char *err, size_t errlen)
{
	return generate(workload, threads, ops, 1, nparams, params, NULL, err, errlen);
}

int trace_gen(const char *workload, int threads, uint64_t ops, uint64_t seed,
	      int nparams, char **params, const char *out_path,
	      char *err, size_t errlen)
{
	struct gen_out out = { out_path, -1 };

	return generate(workload, threads, ops, seed, nparams, params, out_path ? &out : NULL,
			err, errlen);
}

int trace_gen_fd(const char *workload, int threads, uint64_t ops, uint64_t seed,
		 int nparams, char **params, int out_fd, const char *name,
		 char *err, size_t errlen)
{
	struct gen_out out = { name, out_fd };

	return generate(workload, threads, ops, seed, nparams, params, &out, err, errlen);
}

void gen_list(FILE *out)
{
	size_t i;

	fprintf(out, "workloads (mmlocksim gen NAME [-t THREADS] [-n OPS] [--seed S] [-p KEY=VAL]...):\n");
	for (i = 0; i < NR_WORKLOADS; i++)
		gen_describe(workloads[i], out);
	fprintf(out, "  common parameters (every workload; times in ns or with ns/us/ms/s):\n");
	gen_describe_common(out);
}
