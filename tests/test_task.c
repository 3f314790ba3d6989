/* Coroutine tasks on simulated CPUs: sleep, wakeup, run queues, slices, stacks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/run/sim.h"
#include "sim/core/task.h"
#include "tests/test.h"

static const struct machine *xeon(void)
{
	return machine_find("xeon-8176-2s", NULL);
}

struct pair {
	struct task *sleeper;
	sim_time_t woke_at, resumed_at;
	int flag;
};

static void sleeper(void *arg)
{
	struct pair *p = arg;

	while (!p->flag) {
		task_prepare_sleep();
		if (p->flag)
			break;
		task_schedule();
	}
	p->resumed_at = sim_now();
}

static void waker(void *arg)
{
	struct pair *p = arg;

	task_delay(1000);
	p->flag = 1;
	p->woke_at = sim_now();
	task_wake(p->sleeper);
}

/* A task woken on an idle CPU runs after the wakeup latency. */
static int test_sleep_wake(void)
{
	struct sim_config cfg = { .machine = xeon(), .ncpus = 2, .seed = 1 };
	struct pair p = { 0 };

	sim_begin(&cfg);
	p.sleeper = task_create("sleeper", sleeper, &p, 0, 0);
	task_create("waker", waker, &p, 1, 0);
	sim_run(UINT64_MAX);
	CHECK(p.woke_at == 1000);
	CHECK(p.resumed_at == 1000 + xeon()->cost.wakeup);
	CHECK(p.sleeper->nr_wakeups == 1);
	CHECK(p.sleeper->sleep_ns == 1000);
	sim_end();
	return 0;
}

static void early_waker(void *arg)
{
	struct pair *p = arg;

	p->flag = 1;
	task_wake(p->sleeper);	/* before the sleeper ever sleeps */
}

static void lazy_sleeper(void *arg)
{
	struct pair *p = arg;

	task_prepare_sleep();
	task_delay(500);	/* the wakeup lands here, between "set state" and schedule() */
	task_schedule();	/* must not sleep: the wakeup is not lost */
	p->resumed_at = sim_now();
}

static int test_no_lost_wakeup(void)
{
	struct sim_config cfg = { .machine = xeon(), .ncpus = 2, .seed = 1 };
	struct pair p = { 0 };

	sim_begin(&cfg);
	p.sleeper = task_create("sleeper", lazy_sleeper, &p, 0, 0);
	task_create("waker", early_waker, &p, 1, 100);
	sim_run(UINT64_MAX);
	CHECK(p.resumed_at == 500);
	CHECK(p.sleeper->nr_wakeups == 0);
	sim_end();
	return 0;
}

struct share {
	sim_time_t done[3];
	int n;
};

static void user_worker(void *arg)
{
	struct share *s = arg;

	task_user_work(10000000);	/* 10 ms of user time */
	s->done[s->n++] = sim_now();
}

/* Three tasks on one CPU share it in time slices, paying context switches. */
static int test_runqueue_slices(void)
{
	const struct machine *m = xeon();
	struct sim_config cfg = { .machine = m, .ncpus = 1, .seed = 1 };
	struct share s = { { 0 }, 0 };
	struct task *t[3];
	int i;

	sim_begin(&cfg);
	for (i = 0; i < 3; i++)
		t[i] = task_create("worker", user_worker, &s, 0, 0);
	sim_run(UINT64_MAX);
	CHECK(s.n == 3);
	printf("  finish times: %.3f %.3f %.3f ms\n", s.done[0] / 1e6, s.done[1] / 1e6, s.done[2] / 1e6);
	/* All three finish near the end: they were interleaved, not run in turn. */
	CHECK(s.done[0] > 20000000);
	CHECK(s.done[2] >= 30000000);
	CHECK(s.done[2] < 30000000 + 40 * m->cost.ctxsw);
	for (i = 0; i < 3; i++) {
		CHECK(t[i]->run_ns >= 10000000);
		CHECK(t[i]->queued_ns > 0);
	}
	sim_end();
	return 0;
}

/* One thread of a replayed trace: bursts of user work (think time), a syscall between. */
struct thinker {
	sim_time_t think[3];	/* user work, 0 ends the list */
	sim_time_t sleep_first;	/* off CPU before it starts, as a blocked thread */
	sim_time_t done;
};

static void thinker(void *arg)
{
	struct thinker *th = arg;
	int i;

	if (th->sleep_first)
		task_sleep_ns(th->sleep_first);
	for (i = 0; i < 3 && th->think[i]; i++) {
		task_user_work(th->think[i]);
		task_delay(700);	/* the op between two think times */
	}
	th->done = sim_now();
}

struct sched_outcome {
	sim_time_t end, done[4], run[4], queued[4], sleep[4];
	uint64_t switches[4], cpu_switches[2], events;
};

/*
 * Threads thinking for seconds on fewer CPUs: three share CPU 0 (one joins
 * late, woken from a sleep: a wakeup preemption), one is alone on CPU 1.
 */
static void think_run(bool skip, sim_time_t scale, struct sched_outcome *o)
{
	struct sim_config cfg = { .machine = xeon(), .ncpus = 2, .seed = 1 };
	struct thinker th[4] = {
		{ { 10 * scale + 1234, 3 * scale, 0 }, 0, 0 },
		{ { 7 * scale, 2 * scale + 77, 0 }, 0, 0 },
		{ { 5 * scale, 0 }, 2 * scale + 5, 0 },
		{ { 20 * scale, 0 }, 0, 0 },
	};
	struct task *t[4];
	int i;

	sched_skip_rounds = skip;
	sim_begin(&cfg);
	for (i = 0; i < 4; i++)
		t[i] = task_create("thinker", thinker, &th[i], i == 3, 0);
	sim_run(UINT64_MAX);
	o->end = sim_now();
	o->events = sim_engine.events_run;
	for (i = 0; i < 4; i++) {
		o->done[i] = th[i].done;
		o->run[i] = t[i]->run_ns;
		o->queued[i] = t[i]->queued_ns;
		o->sleep[i] = t[i]->sleep_ns;
		o->switches[i] = t[i]->nr_switches;
	}
	o->cpu_switches[0] = sched_cpu_switches(0);
	o->cpu_switches[1] = sched_cpu_switches(1);
	sim_end();
	sched_skip_rounds = true;
}

/*
 * Round robin among user-mode tasks is taken whole rounds at a time: the
 * same schedule to the nanosecond, every figure the same, a few events
 * instead of two a slice, so that hours of think time cost no more than
 * seconds.
 */
static int test_slice_rounds_skipped(void)
{
	struct sched_outcome a, b;
	int i;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	think_run(false, 1000000000, &a);
	think_run(true, 1000000000, &b);
	printf("  slice by slice: %llu events, rounds skipped: %llu events; end %.6f s\n",
	       (unsigned long long)a.events, (unsigned long long)b.events, a.end / 1e9);
	CHECK(a.end == b.end);
	for (i = 0; i < 4; i++) {
		CHECKF(a.done[i] == b.done[i], "task %d done %llu vs %llu", i,
		       (unsigned long long)a.done[i], (unsigned long long)b.done[i]);
		CHECK(a.run[i] == b.run[i] && a.queued[i] == b.queued[i]);
		CHECK(a.sleep[i] == b.sleep[i] && a.switches[i] == b.switches[i]);
	}
	CHECK(a.cpu_switches[0] == b.cpu_switches[0] && a.cpu_switches[1] == b.cpu_switches[1]);
	/* 10 s of slices on CPU 0 is thousands of events; the rounds, a few dozen. */
	CHECK(a.events > 10000);
	CHECK(b.events < 200);
	/* A thousand times the think time: the same few events. */
	think_run(true, 1000000000000ull, &a);
	printf("  x1000: %llu events, end %.0f s\n", (unsigned long long)a.events, a.end / 1e9);
	CHECK(a.events == b.events);
	CHECK(a.end >= 27000 * 1000000000ull);
	return 0;
}

static int depth(int n)
{
	volatile char pad[512];

	pad[0] = (char)n;
	return n ? depth(n - 1) + pad[0] : 0;
}

static void overflow(void *arg)
{
	(void)arg;
	depth(1 << 20);
}

/* Running off the end of a simulated stack is caught, never silent. */
static int test_stack_overflow_detected(void)
{
	int pipefd[2], status;
	char buf[512] = "", chunk[4096];
	size_t len;
	ssize_t n;
	pid_t pid;

	CHECK(pipe(pipefd) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct sim_config cfg = { .machine = xeon(), .ncpus = 1, .seed = 1 };

		dup2(pipefd[1], 2);
		close(pipefd[0]);
		sim_begin(&cfg);
		task_create("deep", overflow, NULL, 0, 0);
		sim_run(UINT64_MAX);
		_exit(0);
	}
	close(pipefd[1]);
	/* Drain everything (ASan is verbose) so the child never gets SIGPIPE. */
	len = 0;
	while ((n = read(pipefd[0], chunk, sizeof(chunk))) > 0) {
		size_t take = (size_t)n < sizeof(buf) - 1 - len ? (size_t)n : sizeof(buf) - 1 - len;

		memcpy(buf + len, chunk, take);
		len += take;
	}
	buf[len] = 0;
	close(pipefd[0]);
	CHECK(waitpid(pid, &status, 0) == pid);
	printf("  child status 0x%x, said: %.120s\n", status, buf);
	CHECK(!(WIFEXITED(status) && WEXITSTATUS(status) == 0));
	CHECK(strstr(buf, "stack overflow") || strstr(buf, "stack-overflow") ||
	      strstr(buf, "SEGV"));
	return 0;
}

const struct test_case task_tests[] = {
	{ "task/sleep_wake", test_sleep_wake },
	{ "task/no_lost_wakeup", test_no_lost_wakeup },
	{ "task/runqueue_slices", test_runqueue_slices },
	{ "task/slice_rounds_skipped", test_slice_rounds_skipped },
	{ "task/stack_overflow_detected", test_stack_overflow_detected },
	{ NULL, NULL },
};
