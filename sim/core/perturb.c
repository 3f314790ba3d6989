#include "sim/core/perturb.h"

#include <gsl/gsl_rng.h>

#include "sim/core/task.h"

struct perturb sim_perturb;

sim_time_t perturb_point(void)
{
	uint64_t n = sim_perturb.points++;
	int i;

	for (i = 0; i < sim_perturb.nchoices; i++)
		if (sim_perturb.choice[i] == n)
			return sim_perturb.choice_delay;
	if (sim_perturb.random_p > 0 && gsl_rng_uniform(current->rng) < sim_perturb.random_p)
		return 1 + gsl_rng_uniform_int(current->rng, sim_perturb.random_max);
	return 0;
}
