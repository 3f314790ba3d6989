/*
 * Sync primitives under randomized schedules: every task draws its delays
 * from its own RNG, and each property is checked over several seeds.
 */
#include <gsl/gsl_rng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/run/sim.h"
#include "sim/locking/sync.h"
#include "sim/rcu/rcu.h"
#include "sim/oracle/oracle.h"
#include "sim/run/watchdog.h"
#include "tests/test.h"

static const struct machine *xeon(void)
{
	return machine_find("xeon-8176-2s", NULL);
}

static sim_time_t jitter(sim_time_t max)
{
	return gsl_rng_uniform_int(current->rng, max + 1);
}

struct excl {
	spinlock_t lock;
	ticket_spinlock_t tlock;
	struct rw_semaphore sem;
	struct cacheline data;
	int ticket;
	int iters;
	int think;		/* max ns outside, uniform */
	int inside, max_inside;
	long counter;		/* incremented non-atomically inside */
	int readers, writers;
	int violations;
	long reads, writes;
};

static void excl_body(struct excl *e)
{
	long v;

	if (++e->inside > e->max_inside)
		e->max_inside = e->inside;
	line_read(&e->data);
	v = e->counter;
	task_delay(jitter(200));	/* others run here: a lost update would show */
	e->counter = v + 1;
	line_write(&e->data);
	e->inside--;
}

static void spin_worker(void *arg)
{
	struct excl *e = arg;
	int i;

	for (i = 0; i < e->iters; i++) {
		if (e->ticket)
			ticket_spin_lock(&e->tlock);
		else
			spin_lock(&e->lock);
		excl_body(e);
		if (e->ticket)
			ticket_spin_unlock(&e->tlock);
		else
			spin_unlock(&e->lock);
		task_delay(jitter(e->think));
	}
}

static int run_spin(int ticket, int tasks, int iters, int think, uint64_t seed)
{
	struct sim_config cfg = { .machine = xeon(), .ncpus = tasks, .seed = seed };
	struct excl *e = calloc(1, sizeof(*e));
	int i;

	sim_begin(&cfg);
	spin_lock_init(&e->lock, "test_lock", NULL);
	ticket_spin_lock_init(&e->tlock, "test_ticket");
	line_init(&e->data, "test_data");
	e->ticket = ticket;
	e->iters = iters;
	e->think = think;
	for (i = 0; i < tasks; i++)
		task_create("w", spin_worker, e, -1, (sim_time_t)i * 7);
	sim_run(UINT64_MAX);
	sim_end();
	CHECKF(e->max_inside == 1, "%d tasks inside at once", e->max_inside);
	CHECKF(e->counter == (long)tasks * iters, "counter %ld, expected %ld", e->counter,
	       (long)tasks * iters);
	CHECK(misuse_count == 0);
	free(e);
	return 0;
}

/*
 * 64 tasks x 10k critical sections on the queued lock; 3 seeds for the
 * ticket lock.  With that many tasks a queue is nearly always there, so
 * also 3 tasks that spend longer outside: the queue drains often, and the
 * pending-bit path and its races (a queue forming behind a pending waiter,
 * the 0,1,0 handover) run.
 */
static int test_spinlock_mutual_exclusion(void)
{
	int seed;

	CHECK(run_spin(0, 64, 10000, 300, 1) == 0);
	for (seed = 2; seed < 5; seed++) {
		CHECK(run_spin(0, 16, 2000, 300, (uint64_t)seed) == 0);
		CHECK(run_spin(1, 16, 2000, 300, (uint64_t)seed) == 0);
		CHECK(run_spin(0, 3, 20000, 1000, (uint64_t)seed) == 0);
	}
	return 0;
}

static void rw_worker(void *arg)
{
	struct excl *e = arg;
	int i;

	for (i = 0; i < e->iters; i++) {
		int write = gsl_rng_uniform(current->rng) < 0.2;

		if (write) {
			if (gsl_rng_uniform(current->rng) < 0.1 && down_write_trylock(&e->sem))
				;
			else
				down_write(&e->sem);
			e->writers++;
			if (e->writers != 1 || e->readers)
				e->violations++;
			excl_body(e);
			e->writes++;
			if (gsl_rng_uniform(current->rng) < 0.2) {
				e->writers--;
				downgrade_write(&e->sem);
				e->readers++;
				task_delay(jitter(300));
				e->readers--;
				up_read(&e->sem);
			} else {
				e->writers--;
				up_write(&e->sem);
			}
		} else {
			down_read(&e->sem);
			e->readers++;
			if (e->writers)
				e->violations++;
			task_delay(jitter(500));
			e->reads++;
			e->readers--;
			up_read(&e->sem);
		}
		task_user_work(jitter(2000));
	}
}

/*
 * Readers and writers exclusive, over several seeds, with more tasks than
 * CPUs so that sleeping, wakeups, handoff and optimistic spinning with
 * need_resched all happen.
 */
static int test_rwsem_exclusion(void)
{
	uint64_t seed;

	for (seed = 1; seed <= 4; seed++) {
		struct sim_config cfg = { .machine = xeon(), .ncpus = 16, .seed = seed };
		struct excl *e = calloc(1, sizeof(*e));
		int i;

		sim_begin(&cfg);
		init_rwsem(&e->sem, "test_rwsem");
		line_init(&e->data, "test_data");
		e->iters = 1500;
		for (i = 0; i < 48; i++)
			task_create("rw", rw_worker, e, -1, 0);
		sim_run(UINT64_MAX);
		printf("  seed %llu: %ld reads, %ld writes, sleeps r/w %llu/%llu, opt-spin locks %llu, "
		       "t=%.2f ms\n", (unsigned long long)seed, e->reads, e->writes,
		       (unsigned long long)counter_value(counter_id("rwsem_sleep_reader")),
		       (unsigned long long)counter_value(counter_id("rwsem_sleep_writer")),
		       (unsigned long long)counter_value(counter_id("rwsem_opt_lock")),
		       sim_now() / 1e6);
		CHECKF(e->violations == 0, "%d exclusion violations", e->violations);
		CHECK(e->reads + e->writes == 48L * 1500);
		CHECK(e->counter == e->writes);
		CHECK(!rwsem_is_locked(&e->sem));
		CHECK(misuse_count == 0);
		CHECK(counter_value(counter_id("rwsem_sleep_reader")) > 0);
		CHECK(counter_value(counter_id("rwsem_sleep_writer")) > 0);
		sim_end();
		free(e);
	}
	return 0;
}

struct seq_data {
	struct cacheline line;
	seqcount_t seq;
	long a, b;		/* invariant: a == b outside a write */
	int stop;
	long good_reads, torn;
};

static void seq_writer(void *arg)
{
	struct seq_data *s = arg;
	int i;

	for (i = 0; i < 3000; i++) {
		write_seqcount_begin(&s->seq);
		s->a++;
		line_write(&s->line);
		task_delay(jitter(100));
		s->b++;
		line_write(&s->line);
		write_seqcount_end(&s->seq);
		task_delay(jitter(300));
	}
	s->stop = 1;
}

static void seq_reader(void *arg)
{
	struct seq_data *s = arg;

	while (!s->stop) {
		unsigned int start;
		long a, b;

		do {
			start = read_seqcount_begin(&s->seq);
			line_read(&s->line);
			a = s->a;
			task_delay(jitter(50));
			b = s->b;
		} while (read_seqcount_retry(&s->seq, start));
		if (a != b)
			s->torn++;
		s->good_reads++;
		task_delay(jitter(100));
	}
}

/* A seqcount reader that does not retry never saw a half-done write. */
static int test_seqcount(void)
{
	struct sim_config cfg = { .machine = xeon(), .ncpus = 8, .seed = 3 };
	struct seq_data *s = calloc(1, sizeof(*s));
	int i;

	sim_begin(&cfg);
	line_init(&s->line, "seq_data");
	seqcount_init(&s->seq, &s->line);
	task_create("writer", seq_writer, s, 0, 0);
	for (i = 1; i < 8; i++)
		task_create("reader", seq_reader, s, i, 0);
	sim_run(UINT64_MAX);
	sim_end();
	printf("  %ld consistent reads, %ld torn\n", s->good_reads, s->torn);
	CHECK(s->torn == 0);
	CHECK(s->good_reads > 1000);
	free(s);
	return 0;
}

struct obj {
	struct cacheline line;
	refcount_t ref;
	int freed;
	int resurrected;
	long gets, failed_gets;
};

static void ref_user(void *arg)
{
	struct obj *o = arg;
	int i;

	for (i = 0; i < 2000; i++) {
		if (refcount_inc_not_zero(&o->ref)) {
			if (o->freed)
				o->resurrected++;
			o->gets++;
			task_delay(jitter(100));
			if (refcount_dec_and_test(&o->ref))
				o->freed = 1;
		} else {
			o->failed_gets++;
		}
		task_delay(jitter(100));
	}
}

static void ref_owner(void *arg)
{
	struct obj *o = arg;

	task_delay(100000);
	if (refcount_dec_and_test(&o->ref))	/* drop the initial reference */
		o->freed = 1;
}

/* Once the count reached zero, inc_not_zero never brings the object back. */
static int test_refcount_no_resurrection(void)
{
	uint64_t seed;

	for (seed = 1; seed <= 3; seed++) {
		struct sim_config cfg = { .machine = xeon(), .ncpus = 16, .seed = seed };
		struct obj *o = calloc(1, sizeof(*o));
		int i;

		sim_begin(&cfg);
		line_init(&o->line, "obj");
		refcount_init(&o->ref, &o->line, 1);
		task_create("owner", ref_owner, o, 0, 0);
		for (i = 1; i < 16; i++)
			task_create("user", ref_user, o, i, 0);
		sim_run(UINT64_MAX);
		sim_end();
		printf("  seed %llu: %ld gets, %ld refused after free\n",
		       (unsigned long long)seed, o->gets, o->failed_gets);
		CHECK(o->freed);
		CHECK(o->resurrected == 0);
		CHECK(o->failed_gets > 0);
		CHECK(misuse_count == 0);
		free(o);
	}
	return 0;
}

struct wq_data {
	struct wait_queue_head wq;
	int produced, consumed;
	int done;
};

static void producer(void *arg)
{
	struct wq_data *d = arg;
	int i;

	for (i = 0; i < 500; i++) {
		task_delay(jitter(3000));
		d->produced++;
		wake_up_all(&d->wq);
	}
	d->done = 1;
	wake_up_all(&d->wq);
}

static void consumer(void *arg)
{
	struct wq_data *d = arg;

	for (;;) {
		wait_event(&d->wq, d->produced > d->consumed || d->done);
		if (d->produced > d->consumed)
			d->consumed++;
		else if (d->done)
			break;
	}
}

/* Every item is consumed: no wakeup is lost between check and sleep. */
static int test_waitqueue(void)
{
	struct sim_config cfg = { .machine = xeon(), .ncpus = 2, .seed = 5 };
	struct wq_data *d = calloc(1, sizeof(*d));

	sim_begin(&cfg);
	init_waitqueue_head(&d->wq, "test_wq");
	task_create("producer", producer, d, 0, 0);
	task_create("consumer", consumer, d, 1, 0);
	task_create("consumer", consumer, d, 1, 0);
	sim_run(UINT64_MAX);
	sim_end();
	CHECK(d->consumed == 500);
	free(d);
	return 0;
}

/* ---- counting semaphore: at most c holders, FIFO, no unit lost ------ */

struct sema_data {
	struct semaphore sem;
	int servers, iters;
	int inside, max_inside, violations;
	long acquisitions;
};

static void sema_worker(void *arg)
{
	struct sema_data *d = arg;
	int i;

	for (i = 0; i < d->iters; i++) {
		task_delay(jitter(3000));
		if (i % 7 == 3 && !down_trylock(&d->sem)) {
			/* took one without sleeping */
		} else {
			down(&d->sem);
		}
		if (++d->inside > d->servers)
			d->violations++;
		if (d->inside > d->max_inside)
			d->max_inside = d->inside;
		d->acquisitions++;
		task_delay(jitter(2000));
		d->inside--;
		up(&d->sem);
	}
}

/*
 * 32 tasks, a semaphore of 4: never more than 4 inside, every one of the
 * 32 x 2000 acquisitions made, and the count back to 4 at the end (an up()
 * that handed its unit to a sleeper did not also raise the count).
 */
static int test_semaphore(void)
{
	uint64_t seed;

	for (seed = 1; seed <= 3; seed++) {
		struct sim_config cfg = { .machine = xeon(), .ncpus = 32, .seed = seed };
		struct sema_data *d = calloc(1, sizeof(*d));
		const struct lock_stat *st = NULL;
		int i;

		sim_begin(&cfg);
		sema_init(&d->sem, 4, "test_semaphore");
		d->servers = 4;
		d->iters = 2000;
		for (i = 0; i < 32; i++)
			task_create("sema", sema_worker, d, i, 0);
		sim_run(UINT64_MAX);
		for (i = 0; i < lock_stat_count(); i++)
			if (!strcmp(lock_stat_at(i)->name, "test_semaphore"))
				st = lock_stat_at(i);
		printf("  seed %llu: %ld acquisitions, at most %d inside, %d violations, "
		       "count %u at the end, %llu contended\n", (unsigned long long)seed,
		       d->acquisitions, d->max_inside, d->violations, d->sem.count,
		       st ? (unsigned long long)st->contended : 0ULL);
		CHECK(d->violations == 0);
		CHECK(d->max_inside == 4);
		CHECK(d->acquisitions == 32 * 2000);
		CHECK(d->sem.count == 4 && !d->sem.wait_head);
		CHECK(st && st->acquisitions == 32 * 2000 && st->contended > 0);
		sim_end();
		free(d);
	}
	return 0;
}

/* ---- misuse is reported, with time and task, not crashed on ---------- */

static struct misuse seen[8];
static int nseen;

static void collect(const struct misuse *m)
{
	if (nseen < 8)
		seen[nseen++] = *m;
}

static int seen_kind(const char *kind)
{
	int i;

	for (i = 0; i < nseen; i++)
		if (!strcmp(seen[i].kind, kind))
			return i;
	return -1;
}

struct misuse_ctx {
	spinlock_t lock;
	struct rw_semaphore sem;
};

static void misbehave(void *arg)
{
	struct misuse_ctx *c = arg;

	task_delay(100);
	spin_unlock(&c->lock);		/* never locked */
	down_read(&c->sem);
	up_read(&c->sem);
	up_read(&c->sem);		/* double unlock */
	rcu_read_lock();
	task_prepare_sleep();
	task_schedule();		/* sleeping in an RCU read section */
	rcu_read_unlock();
	spin_lock(&c->lock);		/* leaked at task end */
}

static void waker_of(void *arg)
{
	task_delay(1000);
	task_wake(arg);
}

static int test_misuse_reported(void)
{
	struct sim_config cfg = { .machine = xeon(), .ncpus = 2, .seed = 1 };
	struct misuse_ctx *c = calloc(1, sizeof(*c));
	struct task *t;
	int i;

	sim_begin(&cfg);
	misuse_hook = collect;
	spin_lock_init(&c->lock, "misuse_lock", NULL);
	init_rwsem(&c->sem, "misuse_rwsem");
	t = task_create("bad", misbehave, c, 0, 0);
	task_create("waker", waker_of, t, 1, 0);
	sim_run(UINT64_MAX);
	sim_end();
	misuse_hook = NULL;
	for (i = 0; i < nseen; i++)
		printf("  t=%llu task %d %s: %s\n", (unsigned long long)seen[i].time,
		       seen[i].task, seen[i].kind, seen[i].detail);
	CHECK(nseen == 4);
	CHECK(seen_kind("bad-unlock") == 0 && seen[0].time == 100 && seen[0].task == 0);
	CHECK(!strcmp(seen[1].kind, "bad-unlock") && strstr(seen[1].detail, "up_read"));
	CHECK(seen_kind("sleep-in-rcu") == 2);
	CHECK(seen_kind("lock-leak") == 3 && strstr(seen[3].detail, "misuse_lock"));
	free(c);
	return 0;
}

/* ---- the progress watchdog ---------------------------------------------- */

/*
 * Task 0 takes a spinlock and polls a flag nobody sets (its timeouts keep
 * events coming, as an osq head re-reading the owner does); task 1 spins
 * on the spinlock; task 2 thinks in user mode between short ops; task 3
 * finishes a few ops early.  Each poller gives up after a simulated second,
 * so that without a watchdog the test ends, failing.
 */
struct wd_ctx {
	spinlock_t lock;
	struct cacheline flag_line;
	struct rw_semaphore sem;
	int flag;
};

static void wd_poller(void *arg)
{
	struct wd_ctx *c = arg;

	watchdog_op_begin();
	spin_lock(&c->lock);
	line_read(&c->flag_line);
	while (!c->flag && sim_now() < 1000000000ULL)
		line_spin_wait_until(&c->flag_line, sim_now() + 1000);
	spin_unlock(&c->lock);
	watchdog_op_end();
}

static void wd_spinner(void *arg)
{
	struct wd_ctx *c = arg;

	watchdog_op_begin();
	spin_lock(&c->lock);
	spin_unlock(&c->lock);
	watchdog_op_end();
}

static void wd_thinker(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 4; i++) {
		watchdog_op_begin();
		task_delay(500);
		watchdog_op_end();
		task_user_work(5000000);	/* 5 ms in user mode: no op, nothing wrong */
	}
}

static void wd_early(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 3; i++) {
		watchdog_op_begin();
		task_delay(1000);
		watchdog_op_end();
	}
}

static int test_watchdog_livelock(void)
{
	struct sim_config cfg = { .machine = xeon(), .ncpus = 4, .seed = 1 };
	struct wd_ctx *c = calloc(1, sizeof(*c));
	const struct violation *v;

	sim_begin(&cfg);
	oracle_setup();
	spin_lock_init(&c->lock, "wd_lock", NULL);
	line_init(&c->flag_line, "wd_flag");
	task_create("poller", wd_poller, c, 0, 0);
	task_create("spinner", wd_spinner, c, 1, 100);
	task_create("thinker", wd_thinker, c, 2, 0);
	task_create("early", wd_early, c, 3, 0);
	watchdog_start(2000000);
	sim_run(UINT64_MAX);
	printf("  stopped at %.3f ms: %s\n", (double)sim_now() / 1e6,
	       violations_kept() ? violation_at(0)->detail : "no violation");
	CHECK(watchdog_fired() && !strcmp(watchdog_fired(), "livelock"));
	CHECK(violations_total() == 1);
	v = violation_at(0);
	CHECK(!strcmp(v->kind, "livelock"));
	/* The last op completed at 3 us (task 3): 2 ms later, within a tick. */
	CHECK(strstr(v->detail, "no op completed since 0.003 ms"));
	CHECK(v->time >= 2000000 && v->time <= 2000000 + 2 * WATCHDOG_TICK_NS);
	CHECK(strstr(v->detail, "task 0 spin on wd_flag holding wd_lock (in op since 0.000 ms)"));
	CHECK(strstr(v->detail, "task 1 spin on wd_lock (in op since 0.000 ms)"));
	/* The thinker is in user mode, not in an op: not named. */
	CHECK(!strstr(v->detail, "task 2") && !strstr(v->detail, "tasks"));
	sim_end();
	free(c);
	return 0;
}

static void wd_io(void *arg)
{
	(void)arg;
	watchdog_op_begin();
	task_sleep_ns(6000000);		/* an I/O longer than the window */
	watchdog_op_end();
}

/* Long user-mode thinking and a long timer sleep inside an op: no verdict. */
static int test_watchdog_quiet(void)
{
	struct sim_config cfg = { .machine = xeon(), .ncpus = 2, .seed = 1 };

	sim_begin(&cfg);
	oracle_setup();
	task_create("thinker", wd_thinker, NULL, 0, 0);
	task_create("io", wd_io, NULL, 1, 0);
	watchdog_start(2000000);
	sim_run(UINT64_MAX);
	printf("  ended at %.3f ms, %llu violations\n", (double)sim_now() / 1e6,
	       (unsigned long long)violations_total());
	CHECK(!watchdog_fired() && violations_total() == 0);
	CHECK(sched_task(0)->state == TASK_DEAD && sched_task(1)->state == TASK_DEAD);
	sim_end();
	return 0;
}

static void wd_holder(void *arg)
{
	struct wd_ctx *c = arg;

	watchdog_op_begin();
	down_write(&c->sem);
	task_prepare_sleep();
	task_schedule();		/* waits for a wakeup that never comes */
}

static void wd_waiter(void *arg)
{
	struct wd_ctx *c = arg;

	watchdog_op_begin();
	down_write(&c->sem);
}

static void wd_ticker(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 20000; i++)	/* 2 s: not in an op, keeps events coming */
		task_sleep_ns(100000);
}

/* Every task in an op asleep, events kept alive by another: a deadlock. */
static int test_watchdog_deadlock(void)
{
	struct sim_config cfg = { .machine = xeon(), .ncpus = 3, .seed = 1 };
	struct wd_ctx *c = calloc(1, sizeof(*c));
	const struct violation *v;

	sim_begin(&cfg);
	oracle_setup();
	init_rwsem(&c->sem, "wd_rwsem");
	task_create("holder", wd_holder, c, 0, 0);
	task_create("waiter", wd_waiter, c, 1, 1000);
	task_create("ticker", wd_ticker, c, 2, 0);
	watchdog_start(2000000);
	sim_run(UINT64_MAX);
	printf("  stopped at %.3f ms: %s\n", (double)sim_now() / 1e6,
	       violations_kept() ? violation_at(0)->detail : "no violation");
	CHECK(watchdog_fired() && !strcmp(watchdog_fired(), "deadlock"));
	CHECK(violations_total() == 1);
	v = violation_at(0);
	CHECK(!strcmp(v->kind, "deadlock") && v->time < 5000000);
	CHECK(strstr(v->detail, "task 0 sleep holding wd_rwsem"));
	CHECK(strstr(v->detail, "task 1 sleep (in op since 0.001 ms)"));
	sim_end();
	free(c);
	return 0;
}

/* ---- the osq gives way to a handoff waiter ------------------------------ */

/*
 * The livelock of pft at 16 CPUs, 64 threads, as a scenario of 5 writers
 * on one rwsem (times in us): W takes it and sleeps, so H (CPU 0) cannot
 * spin and queues; W runs again and O spins on it (osq head); when W
 * lets go at 5000, H is woken but O steals the lock first; H, past its
 * 4 ms timeout, sets the handoff bit and, O being asleep, sleeps again.
 * P (osq head) and Q (queued in the osq on CPU 0, H's CPU) spin on O; O
 * lets go at 7000 and wakes H onto CPU 0, behind Q.  The handoff bit
 * keeps P off the free lock; Q must give up its CPU (need_resched in
 * osq_lock()) so that H can take it, or nobody ever does.
 */
struct osq_ctx {
	struct rw_semaphore sem;
	int done;
};

static struct osq_ctx *osq_c;

static void osq_writer(void *arg)
{
	long which = (long)arg;

	watchdog_op_begin();
	down_write(&osq_c->sem);
	if (which == 'W') {
		task_sleep_ns(4500000);
		task_delay(500000);
	} else if (which == 'O') {
		task_sleep_ns(1000000);
		task_delay(1000000);
	} else {
		task_delay(2000);
	}
	up_write(&osq_c->sem);
	watchdog_op_end();
	osq_c->done++;
}

static int test_rwsem_osq_resched(void)
{
	struct sim_config cfg = { .machine = xeon(), .ncpus = 4, .seed = 1 };

	osq_c = calloc(1, sizeof(*osq_c));
	sim_begin(&cfg);
	oracle_setup();
	init_rwsem(&osq_c->sem, "osq_rwsem");
	task_create("W", osq_writer, (void *)(long)'W', 2, 0);
	task_create("H", osq_writer, (void *)(long)'H', 0, 10000);
	task_create("O", osq_writer, (void *)(long)'O', 1, 4600000);
	task_create("P", osq_writer, (void *)(long)'P', 3, 6200000);
	task_create("Q", osq_writer, (void *)(long)'Q', 0, 6400000);
	watchdog_start(20000000);
	sim_run(UINT64_MAX);
	printf("  %d of 5 writers done at %.3f ms; handoffs %llu, osq unqueues %llu; %s\n",
	       osq_c->done, (double)sim_now() / 1e6,
	       (unsigned long long)counter_value(counter_id("rwsem_wlock_handoff")),
	       (unsigned long long)counter_value(counter_id("osq_unqueue")),
	       violations_kept() ? violation_at(0)->detail : "no violation");
	/* The scenario does reach the handoff with H behind an osq spinner. */
	CHECK(counter_value(counter_id("rwsem_wlock_handoff")) >= 1);
	CHECK(!watchdog_fired() && violations_total() == 0);
	CHECK(osq_c->done == 5);
	CHECK(counter_value(counter_id("osq_unqueue")) == 1);
	sim_end();
	free(osq_c);
	return 0;
}

/* ---- determinism ------------------------------------------------------ */

static void fingerprint_run(uint64_t seed, char *out, size_t len)
{
	struct sim_config cfg = { .machine = xeon(), .ncpus = 8, .seed = seed };
	struct excl *e = calloc(1, sizeof(*e));
	size_t n = 0;
	int i;

	sim_begin(&cfg);
	init_rwsem(&e->sem, "det_rwsem");
	line_init(&e->data, "det_data");
	e->iters = 300;
	for (i = 0; i < 20; i++)
		task_create("rw", rw_worker, e, -1, 0);
	sim_run(UINT64_MAX);
	n += (size_t)snprintf(out + n, len - n, "t=%llu ev=%llu r=%ld w=%ld",
			      (unsigned long long)sim_now(),
			      (unsigned long long)sim_engine.events_run, e->reads, e->writes);
	for (i = 0; i < 20 && n < len; i++)
		n += (size_t)snprintf(out + n, len - n, " %llu/%llu",
				      (unsigned long long)sched_task(i)->run_ns,
				      (unsigned long long)sched_task(i)->sleep_ns);
	sim_end();
	free(e);
}

static int test_determinism(void)
{
	static char a[4096], b[4096], c[4096];

	fingerprint_run(42, a, sizeof(a));
	fingerprint_run(42, b, sizeof(b));
	fingerprint_run(43, c, sizeof(c));
	printf("  seed 42: %.60s...\n  seed 43: %.60s...\n", a, c);
	CHECK(!strcmp(a, b));
	CHECK(strcmp(a, c) != 0);
	return 0;
}

/*
 * A CAS loop, as the kernel writes them: load, then try_cmpxchg until it
 * sticks.  Tasks spread over both sockets, each adding `iters` times.
 */
struct cas_counter {
	struct cacheline line;
	atomic_long_t v;
	int iters;
};

static void cas_worker(void *arg)
{
	struct cas_counter *c = arg;
	int i;

	for (i = 0; i < c->iters; i++) {
		long old = atomic_long_read(&c->v);

		while (!atomic_long_try_cmpxchg(&c->v, &old, old + 1))
			;
		task_delay(jitter(50));
	}
}

static uint64_t run_cas(int tasks, int iters, long *final)
{
	struct sim_config cfg = { .machine = xeon(), .seed = 1 };
	struct cas_counter c;
	uint64_t failed;
	int i;

	sim_begin(&cfg);
	line_init(&c.line, "test_cas");
	atomic_long_init(&c.v, &c.line, 0);
	c.iters = iters;
	/* CPUs 0 and 28 are on different sockets of the Xeon preset */
	for (i = 0; i < tasks; i++)
		task_create("cas", cas_worker, &c, (i % 2) * 28 + i / 2, 0);
	sim_run(UINT64_MAX);
	failed = counter_value(counter_id("cmpxchg_failed"));
	*final = c.v.counter;
	sim_end();
	return failed;
}

/*
 * A CMPXCHG is decided when its line arrives: another CPU's write that
 * lands while it waits makes it fail, and the loop retries.  One task never
 * fails; contended, some attempts fail and no increment is lost.
 */
static int test_cmpxchg_can_fail(void)
{
	uint64_t failed;
	long v;

	failed = run_cas(1, 1000, &v);
	CHECKF(failed == 0 && v == 1000, "alone: %llu failed, counter %ld",
	       (unsigned long long)failed, v);
	failed = run_cas(8, 1000, &v);
	printf("  8 tasks x 1000 CAS increments: %llu failed cmpxchg, counter %ld\n",
	       (unsigned long long)failed, v);
	CHECKF(v == 8000, "counter %ld, expected 8000: an increment was lost", v);
	CHECKF(failed > 100, "only %llu failed cmpxchg among 8 contending CPUs",
	       (unsigned long long)failed);
	return 0;
}

/*
 * What a task asleep for good waits for: a writer and a reader crossing
 * two rw_semaphores (A-B against B-A), and a down() of a semaphore nobody
 * will up().  The engine runs dry; each names the lock and its holder.
 */
struct crossing {
	struct rw_semaphore a, b;
	struct semaphore none;
};

static struct crossing cross;

static void cross_ab(void *arg)
{
	(void)arg;
	down_write(&cross.a);
	task_delay(1000);
	down_write(&cross.b);
}

static void cross_ba(void *arg)
{
	(void)arg;
	down_write(&cross.b);
	task_delay(1000);
	down_read(&cross.a);
}

static void down_none(void *arg)
{
	(void)arg;
	down(&cross.none);
}

static int test_blocked_on_named(void)
{
	struct sim_config cfg = { .machine = xeon(), .ncpus = 4, .seed = 1 };
	char what[3][160];
	int i;

	sim_begin(&cfg);
	init_rwsem(&cross.a, "cross_a");
	init_rwsem(&cross.b, "cross_b");
	sema_init(&cross.none, 0, "no_up");
	task_create("ab", cross_ab, NULL, 0, 0);
	task_create("ba", cross_ba, NULL, 1, 0);
	task_create("down", down_none, NULL, 2, 0);
	sim_run(UINT64_MAX);
	for (i = 0; i < 3; i++) {
		lock_describe_wait(sched_task(i), what[i], sizeof(what[i]));
		printf("  task %d: %s\n", i, what[i]);
	}
	CHECK(!strcmp(what[0], "asleep on cross_b held by task 1"));
	CHECK(!strcmp(what[1], "asleep on cross_a/read held by task 0"));
	CHECK(!strcmp(what[2], "asleep on no_up held by no tracked task"));
	sim_end();
	return 0;
}

const struct test_case sync_tests[] = {
	{ "sync/spinlock_mutual_exclusion", test_spinlock_mutual_exclusion },
	{ "sync/rwsem_exclusion", test_rwsem_exclusion },
	{ "sync/seqcount", test_seqcount },
	{ "sync/refcount_no_resurrection", test_refcount_no_resurrection },
	{ "sync/waitqueue", test_waitqueue },
	{ "sync/semaphore", test_semaphore },
	{ "sync/misuse_reported", test_misuse_reported },
	{ "sync/determinism", test_determinism },
	{ "sync/cmpxchg_can_fail", test_cmpxchg_can_fail },
	{ "sync/blocked_on_named", test_blocked_on_named },
	{ "sync/rwsem_osq_resched", test_rwsem_osq_resched },
	{ "sync/watchdog_livelock", test_watchdog_livelock },
	{ "sync/watchdog_quiet", test_watchdog_quiet },
	{ "sync/watchdog_deadlock", test_watchdog_deadlock },
	{ NULL, NULL },
};
