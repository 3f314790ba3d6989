/*
 * The VMA tree's host index at the VMA counts real processes reach (a JVM
 * has thousands): every insert and erase in random order keeps the VMAs in
 * address order, the index answers as a plain scan would, and blocks stay
 * full enough that the index does not thin into one VMA per block.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "schemes/registry.h"
#include "sim/core/machine.h"
#include "sim/mm/mm.h"
#include "sim/mm/vma_tree.h"
#include "sim/run/sim.h"
#include "tests/test.h"

#define NR_VMAS	6000

static gsl_rng *rng;

static unsigned long rnd(unsigned long n)
{
	return gsl_rng_uniform_int(rng, n);
}

/* VMA i spans pages [2i + 1, 2i + 2): a hole of a page before each. */
static unsigned long vma_lo(int i)
{
	return (unsigned long)(2 * i + 1) * PAGE_SIZE;
}

/* The index against a scan of which VMAs are in: order, search, truth. */
static int check_index(struct mm_struct *mm, const bool *in, int nr_in)
{
	int i, pos = 0, k;

	if (mm->mm_mt.nr != nr_in)
		return -1;
	for (i = 0; i < NR_VMAS; i++) {
		if (!in[i])
			continue;
		if (mt_at(mm, pos)->vm_start != vma_lo(i))
			return -2;
		pos++;
	}
	for (k = 0; k < 2000; k++) {
		unsigned long addr = rnd((unsigned long)(2 * NR_VMAS + 2) * PAGE_SIZE);
		int want = 0, first = -1;

		for (i = 0; i < NR_VMAS; i++) {
			if (!in[i])
				continue;
			if (vma_lo(i) + PAGE_SIZE > addr) {
				first = i;
				break;
			}
			want++;
		}
		if (mt_first_at_or_after(mm, addr) != want)
			return -3;
		if ((first >= 0 && vma_lo(first) <= addr) != (mt_truth(mm, addr) != NULL))
			return -4;
	}
	return 0;
}

static int test_many_vmas(void)
{
	struct sim_config cfg = { .machine = machine_find("xeon-8176-2s", NULL), .ncpus = 1,
				  .seed = 1 };
	static struct vm_area_struct *vma[NR_VMAS];
	static bool in[NR_VMAS];
	int order[NR_VMAS], i, nr_in = 0, rc;
	struct mm_struct *mm;
	char why[256];

	rng = gsl_rng_alloc(gsl_rng_taus2);
	CHECK(rng);
	gsl_rng_set(rng, 1);
	sim_begin(&cfg);
	mm = mm_alloc(scheme_find("global-rwsem", NULL, 0), NULL);
	for (i = 0; i < NR_VMAS; i++)
		order[i] = i;
	for (i = NR_VMAS - 1; i > 0; i--) {
		int j = (int)rnd((unsigned long)i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < NR_VMAS; i++) {
		struct vm_area_struct *v = vm_area_alloc(mm);

		v->vm_start = vma_lo(order[i]);
		v->vm_end = v->vm_start + PAGE_SIZE;
		mt_insert(mm, v);
		vma[order[i]] = v;
		in[order[i]] = true;
		nr_in++;
	}
	rc = check_index(mm, in, nr_in);
	CHECKF(rc == 0, "after %d inserts in random order: check %d", NR_VMAS, rc);
	CHECKF(mm_validate(mm, why, sizeof(why)) == 0, "%s", why);
	/* Erase four in five, at random; then put half of them back. */
	for (i = 0; i < NR_VMAS; i++) {
		if (rnd(5)) {
			mt_erase(mm, vma[order[i]]);
			in[order[i]] = false;
			nr_in--;
		}
	}
	rc = check_index(mm, in, nr_in);
	CHECKF(rc == 0, "after erasing down to %d: check %d", nr_in, rc);
	CHECKF(mm->mm_mt.nr_blocks <= nr_in / (MT_BLOCK / 4) + 1,
	       "%d blocks for %d VMAs: the index thinned out", mm->mm_mt.nr_blocks, nr_in);
	for (i = 0; i < NR_VMAS; i += 2) {
		if (!in[order[i]]) {
			mt_insert(mm, vma[order[i]]);
			in[order[i]] = true;
			nr_in++;
		}
	}
	rc = check_index(mm, in, nr_in);
	CHECKF(rc == 0, "after re-inserting up to %d: check %d", nr_in, rc);
	/* An end moved in place into the hole after it (vma_set()): the
	 * search and the truth follow it. */
	for (i = 0; i < NR_VMAS && !in[i]; i++)
		;
	CHECK(mt_truth(mm, vma_lo(i) + PAGE_SIZE) == NULL);
	vma[i]->vm_end = vma_lo(i) + 2 * PAGE_SIZE;
	mt_vm_end_stored(vma[i]);
	CHECK(mt_truth(mm, vma_lo(i) + PAGE_SIZE) == vma[i]);
	CHECK(mt_at(mm, mt_first_at_or_after(mm, vma_lo(i) + PAGE_SIZE)) == vma[i]);
	printf("  %d VMAs at the end, %d blocks\n", nr_in, mm->mm_mt.nr_blocks);
	for (i = 0; i < NR_VMAS; i++)
		if (in[i])
			mt_erase(mm, vma[i]);
	CHECK(mm->mm_mt.nr == 0 && mm->mm_mt.nr_blocks == 0);
	mm_teardown_all();
	sim_end();
	gsl_rng_free(rng);
	return 0;
}

const struct test_case vma_tree_tests[] = {
	{ "mm/vma_tree_many", test_many_vmas },
	{ NULL, NULL },
};
