/*
 * Shared importer machinery; see builder.h.
 */
#include "traces/builder.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

/* Beyond this many queued records the oldest pending slot is given up, so
 * memory stays bounded even if a sys_exit never comes. */
#define QUEUE_MAX	(1u << 20)

/* ---- Summary ---- */

static uint64_t *find_add(struct import_count *v, unsigned *n,
			  const char *name, size_t len, const char *overflow)
{
	unsigned i;

	if (len >= IMPORT_NAME_LEN)
		len = IMPORT_NAME_LEN - 1;
	for (i = 0; i < *n; i++)
		if (!strncmp(v[i].name, name, len) && !v[i].name[len])
			return &v[i].n;
	/* The last slot absorbs everything once the table is full. */
	if (*n == IMPORT_MAX_NAMES - 1) {
		snprintf(v[*n].name, IMPORT_NAME_LEN, "%s", overflow);
		(*n)++;
	}
	if (*n == IMPORT_MAX_NAMES)
		return &v[IMPORT_MAX_NAMES - 1].n;
	memcpy(v[*n].name, name, len);
	v[*n].name[len] = '\0';
	return &v[(*n)++].n;
}

uint64_t *import_event_slot(struct import_summary *s, const char *name,
			    size_t len)
{
	return find_add(s->events, &s->nevents, name, len, "(other events)");
}

uint64_t *import_skip_slot(struct import_summary *s, const char *reason)
{
	return find_add(s->skips, &s->nskips, reason, strlen(reason),
			"(other reasons)");
}

void import_skip(struct import_summary *s, const char *reason, uint64_t n)
{
	*import_skip_slot(s, reason) += n;
	s->skipped_lines += n;
}

static uint64_t lookup(const struct import_count *v, unsigned n,
		       const char *name)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return v[i].n;
	return 0;
}

uint64_t import_event_count(const struct import_summary *s, const char *name)
{
	return lookup(s->events, s->nevents, name);
}

uint64_t import_skip_count(const struct import_summary *s, const char *reason)
{
	return lookup(s->skips, s->nskips, reason);
}

void import_summary_print(const struct import_summary *s, FILE *out)
{
	unsigned i;

	fprintf(out, "format %s (%s), %llu lines: %llu events, %llu other\n",
		s->format, s->input_kind, (unsigned long long)s->lines,
		(unsigned long long)s->event_lines,
		(unsigned long long)s->other_lines);
	fprintf(out, "event lines by name:\n");
	for (i = 0; i < s->nevents; i++)
		fprintf(out, "  %-40s %12llu\n", s->events[i].name,
			(unsigned long long)s->events[i].n);
	fprintf(out, "imported lines %llu, skipped lines %llu\n",
		(unsigned long long)s->imported_lines,
		(unsigned long long)s->skipped_lines);
	for (i = 0; i < s->nskips; i++)
		fprintf(out, "  skipped: %-44s %10llu\n", s->skips[i].name,
			(unsigned long long)s->skips[i].n);
	fprintf(out, "records %llu:", (unsigned long long)s->records);
	for (i = 0; i < MLT_NR_OPS; i++)
		fprintf(out, " %s %llu", mlt_op_name(i),
			(unsigned long long)s->ops[i]);
	fputc('\n', out);
	if (s->synth_faults)
		fprintf(out, "synthesized faults %llu\n",
			(unsigned long long)s->synth_faults);
	if (s->lock_acquire_read || s->lock_acquire_write)
		fprintf(out, "mmap_lock acquisitions: read %llu, write %llu, failed %llu\n",
			(unsigned long long)s->lock_acquire_read,
			(unsigned long long)s->lock_acquire_write,
			(unsigned long long)s->lock_contended);
	fprintf(out, "tasks %llu, mms %llu, tids seen %llu, duration %.6f s",
		(unsigned long long)s->tasks, (unsigned long long)s->mms,
		(unsigned long long)s->tids_seen, s->duration_ns / 1e9);
	if (s->clamped)
		fprintf(out, ", %llu out-of-order timestamps raised",
			(unsigned long long)s->clamped);
	fputc('\n', out);
	/* A jump in the clock shows here, with the line to look at. */
	if (s->max_gap_line)
		fprintf(out, "longest gap between events %.6f s, before line %llu\n",
			s->max_gap_ns / 1e9, (unsigned long long)s->max_gap_line);
}

/* ---- u32 -> u32 hash map (open addressing, backward-shift delete) ---- */

struct u32map {
	uint32_t *keys;		/* key + 1; 0 = empty */
	uint32_t *vals;
	uint32_t cap, n;	/* cap is a power of two */
};

static uint32_t hash32(uint32_t k)
{
	k ^= k >> 16;
	k *= 0x7feb352d;
	k ^= k >> 15;
	k *= 0x846ca68b;
	return k ^ (k >> 16);
}

static void map_grow(struct u32map *m)
{
	struct u32map nm;
	uint32_t i;

	nm.cap = m->cap ? m->cap * 2 : 64;
	nm.n = 0;
	nm.keys = xcalloc(nm.cap, sizeof(*nm.keys));
	nm.vals = xcalloc(nm.cap, sizeof(*nm.vals));
	for (i = 0; i < m->cap; i++) {
		uint32_t j;

		if (!m->keys[i])
			continue;
		j = hash32(m->keys[i] - 1) & (nm.cap - 1);
		while (nm.keys[j])
			j = (j + 1) & (nm.cap - 1);
		nm.keys[j] = m->keys[i];
		nm.vals[j] = m->vals[i];
		nm.n++;
	}
	free(m->keys);
	free(m->vals);
	*m = nm;
}

static uint32_t map_get(const struct u32map *m, uint32_t key)
{
	uint32_t j;

	if (!m->cap)
		return TB_NONE;
	j = hash32(key) & (m->cap - 1);
	while (m->keys[j]) {
		if (m->keys[j] == key + 1)
			return m->vals[j];
		j = (j + 1) & (m->cap - 1);
	}
	return TB_NONE;
}

static void map_put(struct u32map *m, uint32_t key, uint32_t val)
{
	uint32_t j;

	if ((m->n + 1) * 2 > m->cap)
		map_grow(m);
	j = hash32(key) & (m->cap - 1);
	while (m->keys[j] && m->keys[j] != key + 1)
		j = (j + 1) & (m->cap - 1);
	if (!m->keys[j])
		m->n++;
	m->keys[j] = key + 1;
	m->vals[j] = val;
}

static void map_del(struct u32map *m, uint32_t key)
{
	uint32_t mask = m->cap - 1, i, j;

	if (!m->cap)
		return;
	i = hash32(key) & mask;
	while (m->keys[i] && m->keys[i] != key + 1)
		i = (i + 1) & mask;
	if (!m->keys[i])
		return;
	/* Shift later members of the probe run back over the hole. */
	for (j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
		uint32_t h = hash32(m->keys[j] - 1) & mask;

		if (((j - h) & mask) >= ((j - i) & mask)) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->keys[i] = 0;
	m->n--;
}

static void map_free(struct u32map *m)
{
	free(m->keys);
	free(m->vals);
}

/* ---- Builder ---- */

struct task {
	struct mlt_thread th;	/* th.mm may be TB_MM_PENDING */
	uint64_t fork_slot;	/* FORK record waiting for th.mm */
	int fork_pending;
	struct tb_pending pend;
};

struct mm {
	uint64_t id;
	uint64_t brk;
};

enum { Q_READY, Q_PENDING, Q_DEAD };

struct qent {
	struct mlt_record r;
	int state;
};

struct tbuild {
	struct import_summary *sum;
	struct mlt_writer *w;
	struct task *tasks;
	uint32_t ntasks, tasks_cap;
	struct mm *mms;
	uint32_t nmms, mms_cap;
	struct u32map tid_task;
	struct u32map pid_mm;
	struct u32map seen;
	uint32_t last_seen;
	int have_base;
	uint64_t base, last;
	struct textin *in;	/* for the line of the latest time */
	uint64_t last_line;
	/* Reorder queue: ring of absolute sequence numbers [head, tail). */
	struct qent *q;
	uint64_t qcap;
	uint64_t head, tail;
	char err[320];
	int failed;
	int out_failed;		/* err is the output's own message, not the input's */
};

struct tbuild *tb_new(const char *out_path, struct import_summary *sum,
		      char *err, size_t errlen)
{
	struct tbuild *tb = xzalloc(sizeof(*tb));

	tb->sum = sum;
	tb->w = mlt_writer_open(out_path, err, errlen);
	if (!tb->w) {
		free(tb);
		return NULL;
	}
	return tb;
}

static void tb_free(struct tbuild *tb)
{
	free(tb->tasks);
	free(tb->mms);
	free(tb->q);
	map_free(&tb->tid_task);
	map_free(&tb->pid_mm);
	map_free(&tb->seen);
	free(tb);
}

void tb_abort(struct tbuild *tb)
{
	if (!tb)
		return;
	mlt_writer_abort(tb->w);
	tb_free(tb);
}


const char *tb_error(struct tbuild *tb)
{
	return tb->err;
}

uint64_t tb_time(struct tbuild *tb, uint64_t abs_ns)
{
	uint64_t t, line = tb->in ? textin_lineno(tb->in) : 0;

	if (!tb->have_base) {
		tb->have_base = 1;
		tb->base = abs_ns;
		tb->last_line = line;
	}
	/* Compared as recorded: a time before the first line's is a step back too. */
	if (abs_ns < tb->base + tb->last) {
		uint64_t back = tb->base + tb->last - abs_ns;

		if (back > TB_MAX_STEP_BACK_NS && !tb->failed) {
			snprintf(tb->err, sizeof(tb->err),
				 "expected times in order (at most %.0f s back), found %.6f s, "
				 "%.6f s before line %llu's %.6f s (a clock that was set, or a "
				 "corrupted time on one of the two lines)",
				 TB_MAX_STEP_BACK_NS / 1e9, abs_ns / 1e9, back / 1e9,
				 (unsigned long long)tb->last_line,
				 (tb->base + tb->last) / 1e9);
			tb->failed = 1;
		}
		tb->sum->clamped++;
		return tb->last;
	}
	t = abs_ns - tb->base;
	if (t > tb->last) {
		if (t - tb->last > tb->sum->max_gap_ns) {
			tb->sum->max_gap_ns = t - tb->last;
			tb->sum->max_gap_line = line;
		}
		tb->last_line = line;
	}
	tb->last = t;
	return t;
}

uint32_t tb_lookup(struct tbuild *tb, uint32_t tid)
{
	return map_get(&tb->tid_task, tid);
}

uint32_t tb_new_mm(struct tbuild *tb, uint64_t id)
{
	if (tb->nmms >= MLT_MAX_MMS) {
		if (!tb->failed)
			snprintf(tb->err, sizeof(tb->err),
				 "expected at most %d address spaces (processes) in a trace",
				 MLT_MAX_MMS);
		tb->failed = 1;
		return TB_NONE;
	}
	if (tb->nmms == tb->mms_cap) {
		uint32_t cap = tb->mms_cap ? tb->mms_cap * 2 : 16;
		tb->mms = xreallocarray(tb->mms, cap, sizeof(*tb->mms));
		tb->mms_cap = cap;
	}
	tb->mms[tb->nmms].id = id;
	tb->mms[tb->nmms].brk = 0;
	return tb->nmms++;
}

uint32_t tb_add_task(struct tbuild *tb, uint32_t tid, uint32_t mm,
		     const char *comm, size_t commlen)
{
	struct task *t;

	/* The replay's limit, here where the line that passes it is known. */
	if (tb->ntasks >= MLT_MAX_THREADS) {
		if (!tb->failed)
			snprintf(tb->err, sizeof(tb->err),
				 "expected at most %d threads in a trace (the replay runs "
				 "each as a task), found thread %u",
				 MLT_MAX_THREADS, tid);
		tb->failed = 1;
		return TB_NONE;
	}

	if (tb->ntasks == tb->tasks_cap) {
		uint32_t cap = tb->tasks_cap ? tb->tasks_cap * 2 : 16;
		tb->tasks = xreallocarray(tb->tasks, cap, sizeof(*tb->tasks));
		tb->tasks_cap = cap;
	}
	t = &tb->tasks[tb->ntasks];
	memset(t, 0, sizeof(*t));
	t->th.tid = tid;
	t->th.mm = mm;
	if (commlen > MLT_COMM_LEN)
		commlen = MLT_COMM_LEN;
	memcpy(t->th.comm, comm, commlen);
	map_put(&tb->tid_task, tid, tb->ntasks);
	return tb->ntasks++;
}

uint32_t tb_task_mm(struct tbuild *tb, uint32_t task)
{
	return tb->tasks[task].th.mm;
}

struct tb_pending *tb_pending(struct tbuild *tb, uint32_t task)
{
	return &tb->tasks[task].pend;
}

uint32_t tb_ntasks(const struct tbuild *tb)
{
	return tb->ntasks;
}

void tb_see_tid(struct tbuild *tb, uint32_t tid)
{
	/* Consecutive lines are mostly from one thread: skip the hash. */
	if (tid + 1 == tb->last_seen)
		return;
	tb->last_seen = tid + 1;
	if (map_get(&tb->seen, tid) != TB_NONE)
		return;
	map_put(&tb->seen, tid, 1);
	tb->sum->tids_seen++;
}

uint64_t *tb_mm_brk(struct tbuild *tb, uint32_t mm)
{
	return &tb->mms[mm].brk;
}

/* ---- Reorder queue ---- */

static struct qent *qat(struct tbuild *tb, uint64_t seq)
{
	return &tb->q[seq & (tb->qcap - 1)];
}

static int write_rec(struct tbuild *tb, const struct mlt_record *r)
{
	if (mlt_writer_add(tb->w, r) < 0) {
		/* The output's fault (a full disk): its message names it. */
		if (!tb->failed) {
			snprintf(tb->err, sizeof(tb->err), "%s",
				 mlt_writer_error(tb->w));
			tb->out_failed = 1;
		}
		tb->failed = 1;
		return -1;
	}
	tb->sum->records++;
	tb->sum->ops[r->op]++;
	tb->sum->duration_ns = r->time_ns;
	return 0;
}

static void resolve_fork_default(struct tbuild *tb, uint32_t task);

/* Write out the ready prefix of the queue. */
static int drain(struct tbuild *tb)
{
	while (tb->head < tb->tail) {
		struct qent *e = qat(tb, tb->head);

		if (e->state == Q_PENDING) {
			if (tb->tail - tb->head < QUEUE_MAX)
				break;
			/*
			 * Window full: give up the oldest slot.  A fork is
			 * settled as a new process; a syscall slot dies and
			 * its sys_exit will find it expired.
			 */
			if (e->r.op == MLT_FORK &&
			    tb->tasks[e->r.task].fork_pending) {
				resolve_fork_default(tb, e->r.task);
				continue;
			}
			e->state = Q_DEAD;
		}
		if (e->state == Q_READY && write_rec(tb, &e->r) < 0)
			return -1;
		tb->head++;
	}
	return tb->failed ? -1 : 0;
}

static struct qent *qpush(struct tbuild *tb, uint64_t *seq)
{
	if (tb->tail - tb->head == tb->qcap) {
		uint64_t ncap = tb->qcap ? tb->qcap * 2 : 1024, s;
		struct qent *n = xreallocarray(NULL, ncap, sizeof(*n));

		for (s = tb->head; s < tb->tail; s++)
			n[s & (ncap - 1)] = *qat(tb, s);
		free(tb->q);
		tb->q = n;
		tb->qcap = ncap;
	}
	*seq = tb->tail++;
	return qat(tb, *seq);
}

static void fill_mm(struct tbuild *tb, struct mlt_record *r)
{
	uint32_t mm = tb->tasks[r->task].th.mm;

	/* Records only come from tasks that have shown up, so resolved. */
	assert(mm != TB_MM_PENDING);
	r->mm = (uint16_t)mm;
}

int tb_emit(struct tbuild *tb, struct mlt_record *r)
{
	struct qent *e;
	uint64_t seq;

	if (tb->failed)
		return -1;
	fill_mm(tb, r);
	if (tb->head == tb->tail)	/* the common case: nothing waits */
		return write_rec(tb, r);
	e = qpush(tb, &seq);
	e->r = *r;
	e->state = Q_READY;
	return drain(tb);
}

uint64_t tb_reserve(struct tbuild *tb, uint64_t t, uint32_t task)
{
	struct qent *e;
	uint64_t seq = 0;

	e = qpush(tb, &seq);
	memset(&e->r, 0, sizeof(e->r));
	e->r.time_ns = t;
	e->r.task = task;
	e->state = Q_PENDING;
	return seq;
}

int tb_fill(struct tbuild *tb, uint64_t slot, struct mlt_record *r)
{
	struct qent *e;

	if (tb->failed)
		return -1;
	if (slot < tb->head || slot >= tb->tail ||
	    qat(tb, slot)->state != Q_PENDING)
		return 1;
	e = qat(tb, slot);
	r->time_ns = e->r.time_ns;
	r->task = e->r.task;
	fill_mm(tb, r);
	e->r = *r;
	e->state = Q_READY;
	return drain(tb);
}

void tb_drop(struct tbuild *tb, uint64_t slot)
{
	if (slot < tb->head || slot >= tb->tail ||
	    qat(tb, slot)->state != Q_PENDING)
		return;
	qat(tb, slot)->state = Q_DEAD;
	drain(tb);
}

/* ---- Tasks and forks ---- */

static void resolve_fork(struct tbuild *tb, uint32_t task, uint32_t mm)
{
	struct task *t = &tb->tasks[task];
	struct qent *e;

	t->th.mm = mm;
	if (!t->fork_pending)
		return;
	t->fork_pending = 0;
	if (t->fork_slot < tb->head || t->fork_slot >= tb->tail)
		return;
	e = qat(tb, t->fork_slot);
	if (e->state != Q_PENDING)
		return;
	e->r.mm = (uint16_t)mm;
	e->state = Q_READY;
}

/* A child that never showed up (or too late): a process of its own. */
static void resolve_fork_default(struct tbuild *tb, uint32_t task)
{
	uint32_t tid = tb->tasks[task].th.tid;
	uint32_t mm = tb_new_mm(tb, tid);

	if (mm == TB_NONE)
		mm = 0;
	if (map_get(&tb->pid_mm, tid) == TB_NONE)
		map_put(&tb->pid_mm, tid, mm);
	resolve_fork(tb, task, mm);
}

uint32_t tb_task_pid(struct tbuild *tb, uint32_t pid, uint32_t tid,
		     const char *comm, size_t commlen)
{
	uint32_t task = map_get(&tb->tid_task, tid);
	uint32_t mm;

	if (task != TB_NONE && !tb->tasks[task].fork_pending)
		return task;
	mm = map_get(&tb->pid_mm, pid);
	if (mm == TB_NONE) {
		mm = tb_new_mm(tb, pid);
		if (mm == TB_NONE)
			return TB_NONE;		/* tb_new_mm() said why */
		map_put(&tb->pid_mm, pid, mm);
	}
	if (task != TB_NONE) {
		resolve_fork(tb, task, mm);
		if (drain(tb) < 0)
			return TB_NONE;
		return task;
	}
	return tb_add_task(tb, tid, mm, comm, commlen);
}

uint32_t tb_fork(struct tbuild *tb, uint64_t t, uint32_t parent,
		 uint32_t child_tid, const char *comm, size_t commlen)
{
	uint32_t child = tb_add_task(tb, child_tid, TB_MM_PENDING, comm,
				     commlen);
	struct qent *e;

	if (child == TB_NONE)
		return TB_NONE;
	tb->tasks[child].fork_pending = 1;
	tb->tasks[child].fork_slot = tb_reserve(tb, t, child);
	if (tb->failed)
		return TB_NONE;
	e = qat(tb, tb->tasks[child].fork_slot);
	e->r.op = MLT_FORK;
	e->r.arg0 = parent == TB_NONE ? UINT64_MAX : parent;
	return child;
}

int tb_exit(struct tbuild *tb, uint64_t t, uint32_t task)
{
	struct mlt_record r = { .time_ns = t, .task = task, .op = MLT_EXIT };
	uint32_t tid = tb->tasks[task].th.tid;

	if (tb->tasks[task].fork_pending)
		resolve_fork_default(tb, task);
	if (map_get(&tb->tid_task, tid) == task)
		map_del(&tb->tid_task, tid);
	return tb_emit(tb, &r);
}

int tb_finish(struct tbuild *tb, const char *source, char *err, size_t errlen)
{
	struct mlt_thread *th = NULL;
	uint64_t *ids = NULL;
	uint32_t i;
	int ret;

	for (i = 0; i < tb->ntasks; i++)
		if (tb->tasks[i].fork_pending)
			resolve_fork_default(tb, i);
	/* Importers drop their in-flight slots first; what is left is dead. */
	for (; tb->head < tb->tail && !tb->failed; tb->head++) {
		struct qent *e = qat(tb, tb->head);

		if (e->state == Q_READY)
			write_rec(tb, &e->r);
	}
	if (tb->failed) {
		snprintf(err, errlen, "%s", tb->err);
		tb_abort(tb);
		return -1;
	}
	th = xreallocarray(NULL, tb->ntasks ? tb->ntasks : 1, sizeof(*th));
	ids = xreallocarray(NULL, tb->nmms ? tb->nmms : 1, sizeof(*ids));

	for (i = 0; i < tb->ntasks; i++)
		th[i] = tb->tasks[i].th;
	for (i = 0; i < tb->nmms; i++)
		ids[i] = tb->mms[i].id;
	tb->sum->tasks = tb->ntasks;
	tb->sum->mms = tb->nmms;
	ret = mlt_writer_close(tb->w, th, tb->ntasks, ids, tb->nmms, source,
			       err, errlen);
	tb->w = NULL;
	free(th);
	free(ids);
	tb_free(tb);
	return ret;
}

/* ---- Number parsing for the importers (hand-rolled: hot path) ---- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int tb_parse_num(const char **pp, uint64_t *v)
{
	const char *p = *pp;
	uint64_t x = 0;
	int neg = 0, d;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	/*
	 * More than 64 bits is an error, not a silent wrap: a corrupted
	 * address must not become a plausible one.
	 */
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && hexval(p[2]) >= 0) {
		for (p += 2; (d = hexval(*p)) >= 0; p++) {
			if (x >> 60)
				return -1;
			x = x << 4 | (uint64_t)d;
		}
	} else {
		if (*p < '0' || *p > '9')
			return -1;
		for (; *p >= '0' && *p <= '9'; p++) {
			d = *p - '0';
			if (x > (UINT64_MAX - (uint64_t)d) / 10)
				return -1;
			x = x * 10 + (uint64_t)d;
		}
	}
	/*
	 * Nor does a number stop in the middle of a word: 0x7fd6g67d7b70 is a
	 * corrupted address, not 0x7fd6 followed by something else.
	 */
	if (hexval(*p) >= 0 || ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') ||
	    *p == '_' || *p == '.')
		return -1;
	*v = neg ? (uint64_t)0 - x : x;
	*pp = p;
	return 0;
}

int tb_parse_time(const char **pp, uint64_t *ns)
{
	const char *p = *pp;
	uint64_t s = 0, f = 0;
	int nd = 0;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		/* Seconds beyond what u64 ns hold (year 2554) are junk. */
		if (s > UINT64_MAX / 1000000000ull / 10)
			return -1;
		s = s * 10 + (uint64_t)(*p - '0');
	}
	if (*p != '.' || s > UINT64_MAX / 1000000000ull - 1)
		return -1;
	for (p++; *p >= '0' && *p <= '9'; p++) {
		if (nd < 9) {
			f = f * 10 + (uint64_t)(*p - '0');
			nd++;
		}
	}
	if (!nd)
		return -1;
	for (; nd < 9; nd++)
		f *= 10;
	*ns = s * 1000000000ull + f;
	*pp = p;
	return 0;
}

int tb_read_lines(struct tbuild *tb, struct textin *in, int (*do_line)(void *ctx, char *line),
		  void *ctx, char *err, size_t errlen)
{
	char *line;
	size_t len;
	int rc;

	err[0] = '\0';
	tb->in = in;
	while ((rc = textin_getline(in, &line, &len)) > 0) {
		const char *p = line;

		tb->sum->lines++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#') {
			tb->sum->other_lines++;
			continue;
		}
		/* A limit or a time passed on a line that emitted nothing fails here too. */
		if (do_line(ctx, line) < 0 || tb->failed) {
			if (tb->out_failed)
				snprintf(err, errlen, "%s", tb->err);
			else if (!err[0] || tb_error(tb)[0])
				snprintf(err, errlen, "%s:%llu: %s", textin_path(in),
					 (unsigned long long)textin_lineno(in), tb_error(tb));
			return -1;
		}
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s", textin_error(in));
		return -1;
	}
	return 0;
}
