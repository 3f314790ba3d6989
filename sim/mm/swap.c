#include "sim/mm/swap.h"

#include "sim/core/task.h"
#include "lib/xalloc.h"
#include "sim/locking/spinlock.h"

struct lruvec {
	spinlock_t lru_lock;
	struct cacheline head;	/* the struct page at the head of the list */
};

static struct {
	bool enabled;
	struct lruvec *lruvecs;	/* one per node */
	int *lru_add;		/* pages in each CPU's lru_add folio_batch */
} lru;

void lru_setup(const struct machine *m, int ncpus, bool enabled)
{
	int i;

	lru_teardown();
	lru.enabled = enabled;
	lru.lruvecs = xcalloc((size_t)m->sockets, sizeof(*lru.lruvecs));
	lru.lru_add = xcalloc((size_t)ncpus, sizeof(*lru.lru_add));
	for (i = 0; i < m->sockets; i++) {
		spin_lock_init(&lru.lruvecs[i].lru_lock, "lru_lock", NULL);
		line_init(&lru.lruvecs[i].head, "lruvec_head");
	}
}

void lru_teardown(void)
{
	free(lru.lruvecs);
	free(lru.lru_add);
	lru.lruvecs = NULL;
	lru.lru_add = NULL;
}

static struct lruvec *local_lruvec(void)
{
	return &lru.lruvecs[sim_machine->socket_of[current->cpu]];
}

/* nr pages in or out under the lock: link or unlink, flag ops on each. */
static void lru_move_batch(struct lruvec *lv, int nr)
{
	spin_lock(&lv->lru_lock);
	line_write(&lv->head);
	task_delay((sim_time_t)nr * 2 * sim_machine->cost.atomic);
	spin_unlock(&lv->lru_lock);
}

void folio_add_lru(void)
{
	int *batch;

	if (!lru.enabled)
		return;
	batch = &lru.lru_add[current->cpu];
	task_charge(sim_machine->cost.l1_hit);	/* folio_batch_add() */
	if (++*batch < FOLIO_BATCH_SIZE)
		return;
	lru_move_batch(local_lruvec(), *batch);	/* folio_batch_move_lru() */
	*batch = 0;
}

void lru_release_pages(int nr)
{
	if (!lru.enabled)
		return;
	while (nr > 0) {
		int n = nr < FOLIO_BATCH_SIZE ? nr : FOLIO_BATCH_SIZE;

		lru_move_batch(local_lruvec(), n);
		nr -= n;
	}
}
