/*
 * Coroutine tasks on simulated CPUs.
 *
 * The engine's run loop executes on the process's own stack ("main").  An
 * event that resumes a task switches from main to the task's stack; when
 * the task must let time pass it switches back.  Two ctx_switch calls per
 * resume, no syscalls.
 */
#include "sim/core/task.h"

#include <assert.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "sim/core/compiler.h"
#include "sim/core/timeline.h"

#if defined(__SANITIZE_ADDRESS__)
#define SIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIM_ASAN 1
#endif
#endif

#ifdef SIM_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define DEFAULT_STACK (512 * 1024)
#else
#define DEFAULT_STACK (64 * 1024)
#endif

#define STACK_CANARY 0x5ca1ab1e0ddba11ULL

void ctx_switch(void **save_sp, void *new_sp);

struct sim_cpu {
	struct task *curr;
	uint64_t nr_switches;
	sim_time_t slice_start;		/* when curr got the CPU */
	bool need_resched;		/* a woken task waits: preempt at return to user */
	struct task *rq_head, *rq_tail;
	int nr_queued;
	sim_time_t steal_ns;		/* softirq/kworker time its task still owes */
};

static struct {
	struct sched_params p;
	struct sim_cpu *cpus;
	struct task **tasks;
	int nr_tasks, cap_tasks;
	int next_cpu;
	size_t page;
	void *main_sp;
#ifdef SIM_ASAN
	const void *main_stack_bottom;
	size_t main_stack_size;
	void *main_fake_stack;
#endif
} sched;

struct task *current;
void (*task_exit_hook)(struct task *t);
void (*task_sleep_hook)(struct task *t);

static void timeline_state(struct task *t)
{
	switch (t->state) {
	case TASK_RUNNING:
		timeline_span(TL_CPU, t->cpu, "run", t->name, t->state_since, sim_now());
		break;
	case TASK_SPINNING:
		timeline_span(TL_CPU, t->cpu, "spin", "spin", t->state_since, sim_now());
		break;
	case TASK_SLEEPING:
		timeline_span(TL_TASK, t->id, "sleep", "sleep", t->state_since, sim_now());
		break;
	case TASK_RUNNABLE:
		timeline_span(TL_TASK, t->id, "sched", "runnable", t->state_since, sim_now());
		break;
	default:
		break;
	}
}

static void account(struct task *t, enum task_state next)
{
	sim_time_t d = sim_now() - t->state_since;

	if (timeline_on && d)
		timeline_state(t);

	switch (t->state) {
	case TASK_RUNNING:	t->run_ns += d; break;
	case TASK_SPINNING:	t->spin_ns += d; break;
	case TASK_RUNNABLE:	t->queued_ns += d; break;
	case TASK_SLEEPING:	t->sleep_ns += d; break;
	case TASK_NEW:
	case TASK_DEAD:		break;
	}
	t->state = next;
	t->state_since = sim_now();
}

/* ---- stacks ---------------------------------------------------------- */

/*
 * Stacks are page aligned, so without an offset every task's saved frame
 * and canary would fall into the same few host L1 sets; a per-task
 * cacheline offset spreads them (a few % on the contended benchmarks).
 */
static size_t stack_color(const struct task *t)
{
	return (size_t)(t->id & 63) * 64;
}

static uint64_t *stack_canary(struct task *t)
{
	return (uint64_t *)(t->stack_base + sched.page + stack_color(t));
}

bool task_stack_guard_hit(const void *addr, int *task_id)
{
	const char *a = addr;
	int i;

	for (i = 0; i < sched.nr_tasks; i++) {
		struct task *t = sched.tasks[i];

		if (a >= t->stack_base && a < t->stack_base + sched.page) {
			*task_id = t->id;
			return true;
		}
	}
	return false;
}

static void segv_handler(int sig, siginfo_t *si, void *uctx)
{
	static const char msg[] = "mmlocksim: simulated task stack overflow (hit the guard page)\n";
	int id;

	(void)uctx;
	if (task_stack_guard_hit(si->si_addr, &id)) {
		if (write(2, msg, sizeof(msg) - 1) < 0)
			_exit(3);
		_exit(3);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_overflow_handler(void)
{
#ifndef SIM_ASAN
	static bool done;
	static char altstack[64 * 1024];
	struct sigaction sa;
	stack_t ss;

	if (done)
		return;
	done = true;
	ss.ss_sp = altstack;
	ss.ss_size = sizeof(altstack);
	ss.ss_flags = 0;
	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = segv_handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
#else
	(void)segv_handler;	/* ASan reports the overflow itself */
#endif
}

static void task_trampoline(void);

static void task_stack_init(struct task *t)
{
	size_t size = sched.p.stack_size ? sched.p.stack_size : DEFAULT_STACK;
	char *base, *top;
	void **sp;

	size = (size + sched.page - 1) & ~(sched.page - 1);
	base = mmap(NULL, size + sched.page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		perror("mmlocksim: mmap task stack");
		exit(1);
	}
	if (mprotect(base, sched.page, PROT_NONE)) {
		perror("mmlocksim: mprotect guard page");
		exit(1);
	}
	t->stack_base = base;
	t->stack_size = size + sched.page;
	*stack_canary(t) = STACK_CANARY;

	/*
	 * Lay out the frame ctx_switch pops: callee-saved registers, then the
	 * return address, which is the trampoline.  The slot holding it is
	 * 16-byte aligned so the trampoline starts with the ABI's alignment.
	 */
	top = base + size + sched.page - stack_color(t);
	sp = (void **)top;
#if defined(__x86_64__)
	*--sp = NULL;			/* fake return address of the trampoline */
	*--sp = (void *)task_trampoline;
	sp -= 6;			/* rbp rbx r12 r13 r14 r15 */
	memset(sp, 0, 6 * sizeof(void *));
#elif defined(__aarch64__)
	sp -= 20;			/* x19..x30 and d8..d15, 160 bytes */
	memset(sp, 0, 20 * sizeof(void *));
	sp[11] = (void *)task_trampoline;	/* x30 */
#endif
	t->sp = sp;
}

/* ---- switching ------------------------------------------------------- */

static void switch_to_task(struct task *t)
{
	current = t;
#ifdef SIM_ASAN
	__sanitizer_start_switch_fiber(&sched.main_fake_stack,
				       t->stack_base + sched.page,
				       t->stack_size - sched.page);
#endif
	ctx_switch(&sched.main_sp, t->sp);
#ifdef SIM_ASAN
	__sanitizer_finish_switch_fiber(sched.main_fake_stack, NULL, NULL);
#endif
	current = NULL;
}

static void switch_to_main(struct task *t, bool for_good)
{
	if (*stack_canary(t) != STACK_CANARY) {
		fprintf(stderr, "mmlocksim: task %d (%s): simulated stack overflow "
			"(canary overwritten)\n", t->id, t->name);
		abort();
	}
#ifdef SIM_ASAN
	__sanitizer_start_switch_fiber(for_good ? NULL : &t->asan_fake_stack,
				       sched.main_stack_bottom,
				       sched.main_stack_size);
#else
	(void)for_good;
#endif
	ctx_switch(&t->sp, sched.main_sp);
#ifdef SIM_ASAN
	__sanitizer_finish_switch_fiber(t->asan_fake_stack, NULL, NULL);
#endif
}

static void resume_event(void *obj, uint64_t arg);

/* Switch from t to the task whose resume event was just taken. */
static void switch_to_next(struct task *t, struct task *next, bool for_good)
{
#ifndef SIM_ASAN
	(void)for_good;
#endif
	if (next == t)
		return;
	/*
	 * No canary check here: it is a cold host line on every switch, and
	 * the guard page below the stack already traps an overflow that
	 * reaches it; the canary (a frame that jumped the guard page) is
	 * checked whenever the task goes back to the run loop.
	 */
	current = next;
#ifdef SIM_ASAN
	__sanitizer_start_switch_fiber(for_good ? NULL : &t->asan_fake_stack,
				       next->stack_base + sched.page,
				       next->stack_size - sched.page);
#endif
	ctx_switch(&t->sp, next->sp);
#ifdef SIM_ASAN
	__sanitizer_finish_switch_fiber(t->asan_fake_stack, NULL, NULL);
#endif
	current = t;
}

/*
 * A task lets simulated time pass: if the next event due resumes another
 * task, switch straight to it (one stack switch instead of two, and no
 * trip through the run loop); if it resumes this task, carry on; else
 * return to the run loop.
 */
static void switch_out(struct task *t, bool for_good)
{
	void *obj;

	if (!engine_take_next(resume_event, &obj)) {
		switch_to_main(t, for_good);
		return;
	}
	switch_to_next(t, obj, for_good);
}

static void cpu_release(struct sim_cpu *cpu);

static void task_trampoline(void)
{
	struct task *t = current;

#ifdef SIM_ASAN
	/* The first task is entered from the run loop: remember its stack.
	 * Later ones may be entered from another task's stack. */
	if (!sched.main_stack_bottom)
		__sanitizer_finish_switch_fiber(NULL, &sched.main_stack_bottom,
						&sched.main_stack_size);
	else
		__sanitizer_finish_switch_fiber(NULL, NULL, NULL);
#endif
	t->fn(t->arg);
	task_delay(0);
	if (task_exit_hook)
		task_exit_hook(t);
	account(t, TASK_DEAD);
	cpu_release(&sched.cpus[t->cpu]);
	switch_out(t, true);
	abort();	/* a dead task is never resumed */
}

static void resume_event(void *obj, uint64_t arg)
{
	(void)arg;
	switch_to_task(obj);
}

/* ---- run queues ------------------------------------------------------ */

/* Tasks queued on all CPUs: with none, a return to user mode that has no
 * user work to do need not read its CPU's line. */
static int nr_queued_all;

static void rq_enqueue(struct sim_cpu *cpu, struct task *t)
{
	t->rq_next = NULL;
	if (cpu->rq_tail)
		cpu->rq_tail->rq_next = t;
	else
		cpu->rq_head = t;
	cpu->rq_tail = t;
	cpu->nr_queued++;
	nr_queued_all++;
}

static void rq_enqueue_head(struct sim_cpu *cpu, struct task *t)
{
	t->rq_next = cpu->rq_head;
	cpu->rq_head = t;
	if (!cpu->rq_tail)
		cpu->rq_tail = t;
	cpu->nr_queued++;
	nr_queued_all++;
}

static struct task *rq_dequeue(struct sim_cpu *cpu)
{
	struct task *t = cpu->rq_head;

	if (t) {
		cpu->rq_head = t->rq_next;
		if (!cpu->rq_head)
			cpu->rq_tail = NULL;
		cpu->nr_queued--;
		nr_queued_all--;
	}
	return t;
}

/* The CPU's task left it: run the next queued task after a switch. */
static void cpu_release(struct sim_cpu *cpu)
{
	struct task *next = rq_dequeue(cpu);

	cpu->nr_switches++;
	cpu->curr = next;
	cpu->need_resched = false;
	cpu->slice_start = sim_now() + sched.p.ctxsw_ns;
	if (next) {
		account(next, TASK_RUNNING);
		next->nr_switches++;
		event_after(sched.p.ctxsw_ns, resume_event, next, 0);
	}
}

/* t becomes runnable: take its idle CPU after `latency`, or queue. */
static void make_runnable(struct task *t, sim_time_t latency)
{
	struct sim_cpu *cpu = &sched.cpus[t->cpu];

	struct task *curr = cpu->curr;

	if (!curr) {
		cpu->curr = t;
		cpu->slice_start = sim_now() + latency;
		account(t, TASK_RUNNING);
		event_after(latency, resume_event, t, 0);
		return;
	}
	account(t, TASK_RUNNABLE);
	if (!curr->in_user && latency) {
		/* A wakeup while curr is in the kernel: set need_resched, it is
		 * honoured when curr returns to user mode. */
		rq_enqueue_head(cpu, t);
		cpu->need_resched = true;
	} else if (curr->in_user) {
		/* Wakeup preemption: t runs next, curr's user work is cut short. */
		rq_enqueue_head(cpu, t);
		curr->in_user = false;
		curr->user_gen++;
		event_after(0, resume_event, curr, 0);
	} else {
		rq_enqueue(cpu, t);
	}
	/*
	 * resched_curr()'s IPI: a spinner whose loop checks need_resched()
	 * (an osq waiter) sees it now rather than when its line next changes.
	 */
	if (curr->state == TASK_SPINNING && curr->spin_resched)
		task_spin_unpark(curr);
}

static void start_event(void *obj, uint64_t arg)
{
	(void)arg;
	make_runnable(obj, 0);
}

/* ---- public ---------------------------------------------------------- */

/* CPUs whose steal_ns is not 0: most runs have none, and a delay need
 * not then read its CPU's line. */
static int nr_cpus_stolen;

void sched_init(const struct sched_params *params)
{
	assert(params->ncpus > 0);
	sched_teardown();
	sched.p = *params;
	sched.page = (size_t)sysconf(_SC_PAGESIZE);
	sched.cpus = xcalloc((size_t)params->ncpus, sizeof(*sched.cpus));
	nr_cpus_stolen = 0;
	nr_queued_all = 0;
	install_overflow_handler();
}

void sched_teardown(void)
{
	int i;

	for (i = 0; i < sched.nr_tasks; i++) {
		struct task *t = sched.tasks[i];

#ifdef SIM_ASAN
		/* A task still suspended leaves its frames' redzones poisoned;
		 * the next mapping at this address must not inherit them. */
		__asan_unpoison_memory_region(t->stack_base + sched.page,
					      t->stack_size - sched.page);
#endif
		munmap(t->stack_base, t->stack_size);
		gsl_rng_free(t->rng);
		free(t);
	}
	free(sched.tasks);
	free(sched.cpus);
	memset(&sched, 0, sizeof(sched));
	current = NULL;
}

int sched_nr_cpus(void)
{
	return sched.p.ncpus;
}

int sched_nr_tasks(void)
{
	return sched.nr_tasks;
}

struct task *sched_task(int id)
{
	return sched.tasks[id];
}

struct task *sched_cpu_curr(int cpu)
{
	return sched.cpus[cpu].curr;
}

uint64_t sched_cpu_switches(int cpu)
{
	return sched.cpus[cpu].nr_switches;
}

bool sched_cpu_has_waiters(int cpu)
{
	return sched.cpus[cpu].nr_queued > 0;
}

/* Seeds must differ per task and per run, and be a pure function of both. */
static unsigned long task_seed(uint64_t run_seed, int id)
{
	uint64_t x = run_seed * 0x9e3779b97f4a7c15ULL + (uint64_t)id + 1;

	x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27; x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return (unsigned long)(x ? x : 1);
}

struct task *task_create(const char *name, void (*fn)(void *), void *arg,
			 int cpu, sim_time_t start)
{
	struct task *t = xzalloc_lines(1, sizeof(*t));

	if (sched.nr_tasks == sched.cap_tasks) {
		int cap = sched.cap_tasks ? sched.cap_tasks * 2 : 64;
		struct task **tasks = xreallocarray(sched.tasks, (size_t)cap, sizeof(*tasks));

		sched.tasks = tasks;
		sched.cap_tasks = cap;
	}
	t->id = sched.nr_tasks;
	sched.tasks[sched.nr_tasks++] = t;
	if (cpu < 0) {
		cpu = sched.next_cpu;
		sched.next_cpu = (sched.next_cpu + 1) % sched.p.ncpus;
	}
	assert(cpu < sched.p.ncpus);
	t->cpu = cpu;
	t->fn = fn;
	t->arg = arg;
	t->name = name;
	t->state = TASK_NEW;
	t->timer_fired = true;		/* no timer pending */
	t->rng = gsl_rng_alloc(gsl_rng_taus2);
	gsl_rng_set(t->rng, task_seed(sched.p.seed, t->id));
	task_stack_init(t);
	event_at(start, start_event, t, 0);
	return t;
}

void cpu_steal_time(int cpu, sim_time_t ns)
{
	struct sim_cpu *c = &sched.cpus[cpu];

	if (!c->curr || !ns)
		return;		/* an idle CPU does the work in its idle time */
	if (!c->steal_ns)
		nr_cpus_stolen++;
	c->steal_ns += ns;
}

void task_delay(sim_time_t ns)
{
	struct task *t = current;
	void *obj;

	ns += t->lag_ns;
	t->lag_ns = 0;
	if (unlikely(nr_cpus_stolen)) {
		struct sim_cpu *c = &sched.cpus[t->cpu];

		if (c->steal_ns) {
			ns += c->steal_ns;
			c->steal_ns = 0;
			nr_cpus_stolen--;
		}
	}
	if (!ns || engine_run_ahead(sim_now() + ns))
		return;
	/* Resumed at now + ns: switch_out() with the push and take fused. */
	if (!engine_push_take_next(sim_now() + ns, resume_event, t, 0, &obj)) {
		switch_to_main(t, false);
		return;
	}
	switch_to_next(t, obj, false);
}

static void user_work_done_event(void *obj, uint64_t gen)
{
	struct task *t = obj;

	if (t->user_gen == gen)
		switch_to_task(t);
}

bool sched_skip_rounds = true;

/*
 * T's slice has just ended with *NS of its user work left, and others are
 * queued on its CPU.  If every one of them is also in user work with more
 * than a slice left, the CPU runs round robin (slice, context switch, the
 * next) until one finishes or an event from the rest of the simulation (a
 * wakeup, a timer, another CPU's line transfer) can change it.  The whole
 * rounds before that are taken in one step: the clock, each task's
 * run/queued time, switch counts and queue order, and the CPU's, end
 * exactly as slice-by-slice scheduling leaves them, but without its two
 * events per slice.  So replayed threads that think for hours on fewer
 * CPUs than threads cost a round, not hours of slices (an idle CPU costs
 * nothing already: nothing ticks on it).  Only the engine's event count
 * differs.
 */
static void skip_rounds(struct task *t, struct sim_cpu *cpu, sim_time_t *ns)
{
	sim_time_t slice = sched.p.timeslice_ns, turn = slice + sched.p.ctxsw_ns;
	sim_time_t now = sim_now(), least = *ns, period, limit, rounds, s;
	int k = cpu->nr_queued + 1, j;
	struct task *q;

	if (!sched_skip_rounds || !slice || sim_engine.stop)
		return;
	period = (sim_time_t)k * turn;
	/* Every skipped event must come before the next one queued, and run. */
	limit = engine_next_time();
	limit = limit ? limit - 1 : 0;
	if (limit > sim_engine.until)
		limit = sim_engine.until;
	if (limit <= now || (limit - now) / period == 0)
		return;
	for (q = cpu->rq_head; q; q = q->rq_next) {
		if (!q->user_left)
			return;		/* woken or new: it runs kernel code */
		if (q->user_left < least)
			least = q->user_left;
	}
	/* Each round takes a slice from everyone; nobody may finish in one. */
	rounds = (least - 1) / slice;
	if (rounds > (limit - now) / period)
		rounds = (limit - now) / period;
	if (!rounds)
		return;

	/*
	 * T at its slice's end goes to the back: then it is the k-th of k
	 * RUNNABLE tasks, the j-th running [now + (j-1)*turn, now + j*turn)
	 * in each round; after the last round the others are RUNNABLE again
	 * and T has the CPU back, its slice about to end as it is now.
	 */
	account(t, TASK_RUNNABLE);
	if (timeline_on)
		timeline_span(TL_CPU, t->cpu, "run", "time-sliced rounds", now,
			      now + rounds * period - turn);
	for (q = cpu->rq_head, j = 1; j <= k; q = q ? q->rq_next : NULL, j++) {
		struct task *x = j < k ? q : t;

		s = x->state_since;
		x->queued_ns += now + (sim_time_t)(j - 1) * turn - s +
				(rounds - 1) * (period - turn);
		x->run_ns += (j < k ? rounds : rounds - 1) * turn;
		x->nr_switches += rounds;
		x->user_gen += rounds;
		x->state_since = j < k ? now + (rounds - 1) * period + (sim_time_t)j * turn :
			now + rounds * period - turn;
		if (timeline_on)
			timeline_span(TL_TASK, x->id, "sched", "time-sliced", s, x->state_since);
		if (j < k)
			x->user_left -= rounds * slice;
	}
	t->state = TASK_RUNNING;
	cpu->nr_switches += rounds * (uint64_t)k;
	cpu->slice_start = now + rounds * period - slice;
	cpu->need_resched = false;
	*ns -= rounds * slice;
	event_at(now + rounds * period, resume_event, t, 0);
	switch_out(t, false);
}

/*
 * User-mode work: preemptible.  It runs in slices while others wait for
 * the CPU, and a task woken onto this CPU preempts it at once (the wakeup
 * preemption CFS/EEVDF gives a task that slept): the remainder continues
 * when the CPU comes back.
 */
static void user_work(struct task *t, sim_time_t ns);

void task_user_work(sim_time_t ns)
{
	task_delay(0);
	/* Nobody to yield to and nothing to run: no frame for the rest. */
	if (ns || nr_queued_all)
		user_work(current, ns);
}

static __noinline void user_work(struct task *t, sim_time_t ns)
{
	struct sim_cpu *cpu = &sched.cpus[t->cpu];

	if (cpu->nr_queued && (cpu->need_resched ||
			       sim_now() - cpu->slice_start >= sched.p.timeslice_ns)) {
		/* Return to user mode with need_resched set: schedule() first. */
		account(t, TASK_RUNNABLE);
		t->user_left = ns;
		rq_enqueue(cpu, t);
		cpu_release(cpu);
		switch_out(t, false);
		/* Less if skip_rounds() ran slices of it meanwhile. */
		ns = t->user_left;
		t->user_left = 0;
	}
	while (ns) {
		sim_time_t chunk = ns, start = sim_now();

		if (cpu->nr_queued && chunk > sched.p.timeslice_ns)
			chunk = sched.p.timeslice_ns;
		t->in_user = true;
		event_after(chunk, user_work_done_event, t, ++t->user_gen);
		switch_out(t, false);
		t->in_user = false;
		ns -= sim_now() - start;
		if (ns && cpu->nr_queued) {
			skip_rounds(t, cpu, &ns);
			/* Slice used up, or preempted: the next task runs, we queue. */
			account(t, TASK_RUNNABLE);
			t->user_left = ns;
			rq_enqueue(cpu, t);
			cpu_release(cpu);
			switch_out(t, false);
			ns = t->user_left;
			t->user_left = 0;
		}
	}
}

void task_spin_park(void)
{
	struct task *t = current;

	/*
	 * No lag flush here: the caller has just registered as a spinner, and
	 * a delay now would let the store it waits for slip past unseen.  The
	 * lag stays pending and is paid at the next delay after the wakeup.
	 */
	account(t, TASK_SPINNING);
	switch_out(t, false);
}

static void park_timeout_event(void *obj, uint64_t gen)
{
	struct task *t = obj;

	if (t->state == TASK_SPINNING && t->park_gen == gen) {
		t->park_gen++;
		account(t, TASK_RUNNING);
		switch_to_task(t);
	}
}

bool task_spin_park_until(sim_time_t deadline)
{
	struct task *t = current;
	uint64_t gen = t->park_gen;

	if (deadline <= sim_now())
		return false;
	event_at(deadline, park_timeout_event, t, gen);
	task_spin_park();
	/* Woken by unpark: gen moved by one there; by timeout: likewise but
	 * the clock says which came first. */
	return sim_now() < deadline;
}

void task_spin_unpark(struct task *t)
{
	if (t->state != TASK_SPINNING)
		return;
	t->park_gen++;
	account(t, TASK_RUNNING);
	event_after(0, resume_event, t, 0);
}

void task_prepare_sleep(void)
{
	current->wake_pending = false;
}

void task_schedule(void)
{
	struct task *t = current;

	if (task_sleep_hook && (t->rcu_read_depth || t->atomic_depth))
		task_sleep_hook(t);	/* might_sleep(): lockdep's check, not the scheduler's */
	task_delay(0);
	if (t->wake_pending) {
		t->wake_pending = false;
		return;
	}
	account(t, TASK_SLEEPING);
	cpu_release(&sched.cpus[t->cpu]);
	switch_out(t, false);
}

static void timer_wake_event(void *obj, uint64_t gen)
{
	struct task *t = obj;

	if (t->timer_gen == gen) {
		t->timer_fired = true;
		task_wake(t);
	}
}

void task_sleep_ns(sim_time_t ns)
{
	struct task *t = current;

	t->timer_fired = false;
	event_after(t->lag_ns + ns, timer_wake_event, t, ++t->timer_gen);
	while (!t->timer_fired) {
		task_prepare_sleep();
		if (t->timer_fired)
			break;
		task_schedule();
	}
}

void task_wake(struct task *t)
{
	switch (t->state) {
	case TASK_SLEEPING:
		t->nr_wakeups++;
		make_runnable(t, sched.p.wakeup_ns);
		break;
	case TASK_RUNNING:
	case TASK_SPINNING:
	case TASK_RUNNABLE:
		t->wake_pending = true;
		break;
	case TASK_NEW:
	case TASK_DEAD:
		break;
	}
}
