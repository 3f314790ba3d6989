/* run_result_free(): the one function of analysis/result.h. */
#include <stdlib.h>

#include "analysis/result.h"

void run_result_free(struct run_result *r)
{
	int i;

	if (!r)
		return;
	for (i = 0; i < r->nops; i++)
		free(r->ops[i].buckets);
	free(r->params);
	free(r->ops);
	free(r->locks);
	free(r->counters);
	free(r->violations);
	r->params = NULL;
	r->ops = NULL;
	r->locks = NULL;
	r->counters = NULL;
	r->violations = NULL;
	r->nparams = r->nops = r->nlocks = r->ncounters = r->nviolations = 0;
}
