#include "sim/run/replay.h"
#include "lib/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim/mm/mm.h"
#include "sim/core/task.h"
#include "sim/core/timeline.h"
#include "sim/run/reloc.h"
#include "sim/run/watchdog.h"

#define CLONE_SHIFT	40
#define MAX_CLONES	128
#define MAX_TASKS	REPLAY_MAX_TASKS
/* Setup passes give back the mapped trace in steps this large. */
#define DROP_CHUNK	(4UL << 20)
/* The replay's cache of trace chunks (see chunk_get()). */
#define CHUNK_RECORDS	8192
#define NR_CHUNKS	16

/*
 * Records a task reads ahead at a time: the loads of a batch overlap,
 * where one record at a time waits out a cache miss on every op.
 */
#define TASK_READ_AHEAD	16
/* No record of that thread further on in the chunk. */
#define CHUNK_NONE	UINT16_MAX

struct trace_chunk {
	uint64_t index;			/* record index / CHUNK_RECORDS */
	uint64_t used;			/* LRU clock */
	const unsigned char *data;	/* its records, in the mapped trace */
	uint32_t nr;
	/* Per record, the next of its thread in the chunk; per recorded
	 * thread, its first record in the chunk (CHUNK_NONE: none). */
	uint16_t *next, *first;
};

struct replay_task {
	/* What every op reads, on one host line. */
	struct replay *r;
	uint32_t trace_task;
	int clone;
	uint64_t xor_mask;
	struct mm_struct *mm;
	uint32_t mm_idx;		/* its mm's index in the trace */
	unsigned int ahead_i, ahead_n;	/* in ahead[] below */
	uint64_t index;			/* the record being replayed (its first, before) */
	struct task *task;
	/* Its last address translation, on the next line (replay_addr()). */
	struct reloc_memo reloc_memo;
	uint64_t cursor;		/* its next record, or where to look for it */
	bool cursor_exact;		/* else cursor starts a chunk to look in */
	bool exited;
	bool finished;			/* no record of it is left to replay */
	uint64_t remaining;		/* records of it not yet read ahead */
	/* Its next records, read ahead (replay_next()), each beside its
	 * index: the op that takes one reads a host line, not two. */
	struct ahead_record {
		struct mlt_record rec;
		uint64_t index;
	} ahead[TASK_READ_AHEAD];
	/* This clone's own heap, for brk records (clones > 0). */
	unsigned long heap_start, heap_end;
} __attribute__((aligned(64)));	/* each one's first line its own (xzalloc_lines) */

struct replay {
	struct mlt_file *f;
	const struct scheme_ops *ops;
	const struct scheme_args *args;	/* the run's, for every mm */
	uint32_t ntrace;		/* recorded threads */
	int nclones;
	int ntasks;
	struct replay_task *tasks;	/* ntrace * nclones, by clone then thread */
	struct mm_struct **mms;		/* by trace mm index */
	/* By trace mm index, then clone (reloc_at()): recorded ranges the
	 * replay placed elsewhere, and those it mapped where recorded
	 * (reloc.h).  A lookup is one clone's, so each clone has its own. */
	struct reloc_table *reloc, *placed;
	/* Bit i: record i maps over a range live in recorded order (it
	 * replaced what was there, and replaces it in the replay too). */
	uint64_t *replaces;
	uint64_t low_index, low_index_at;	/* replay_low_index(), and when to look again */
	uint32_t *mm_left;		/* by trace mm index: its tasks not yet ended */
	uint64_t *first_time;		/* per recorded thread */
	uint64_t *first_index;		/* per recorded thread: its first record */
	uint64_t *nrec;			/* records per recorded thread */
	int64_t *fork_parent;		/* -1: no FORK starts it */
	uint64_t ops_in, ops_done, op_errors;
	uint64_t op_count[MLT_NR_OPS];
	struct lat_hist hist[MLT_NR_OPS];
	size_t dropped;			/* trace bytes already released */
	sim_time_t last_end;		/* when the last task finished */
	struct trace_chunk chunk[NR_CHUNKS];
	struct trace_chunk *chunk_last;	/* the last one chunk_get() returned */
	uint64_t chunk_clock, chunk_loads;
	double think_scale;		/* 1: as recorded; 0: no think time at all */
	struct replay_barrier *barriers;	/* MLT_BARRIERs some task waits at */
	char err[320];
};

/* An MLT_BARRIER being met: who waits there until the last one comes. */
struct replay_barrier {
	uint64_t id;
	int clone;
	uint64_t arrived, needed;
	struct task **waiters;
	struct replay_barrier *next;
};

/* Give back the mapped trace up to record `upto` (whole chunks only). */
static void drop_upto(struct replay *r, uint64_t upto)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t done = (size_t)(r->f->raw - (const unsigned char *)r->f->map) +
		      (size_t)upto * MLT_RECORD_SIZE;
	size_t end = done / DROP_CHUNK * DROP_CHUNK;

	if (end <= r->dropped || end / page * page != end)
		return;
	madvise((char *)r->f->map + r->dropped, end - r->dropped, MADV_DONTNEED);
	r->dropped = end;
}

/* After a setup pass over the whole trace: all of it goes back. */
static void drop_all(struct replay *r)
{
	madvise(r->f->map, r->f->map_len, MADV_DONTNEED);
	r->dropped = 0;
}

/* Give back the pages of the mapped trace under chunk ch (rounded out). */
static void chunk_drop(struct replay *r, const struct trace_chunk *ch)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t base = (size_t)(ch->data - (const unsigned char *)r->f->map);
	size_t lo = base / page * page;
	size_t hi = (base + (size_t)ch->nr * MLT_RECORD_SIZE + page - 1) / page * page;

	madvise((char *)r->f->map + lo, hi - lo, MADV_DONTNEED);
}

/*
 * Records reach the tasks through a small cache of chunks of the mapped
 * trace: a chunk's pages are read in place while it is cached and given
 * back when it is evicted, so the mapped trace never stays resident
 * beyond the cache, however long it is and however far apart the tasks
 * have drifted in it (a far-ahead task only costs re-reads).  A copy of
 * each chunk cost more than the reads: a fresh buffer's first touches
 * and the copy's misses were a sixth of the py trace's L1 misses, and a
 * file page comes back with its neighbours (fault-around) where a
 * buffer's pages fault one by one.  A page on the edge of two chunks
 * goes back with either; the other reads it back in if it needs it.
 * A loaded chunk links each recorded thread's records, so that a task
 * steps from one of its records to the next without reading the others.
 */
static struct trace_chunk *chunk_get(struct replay *r, uint64_t c)
{
	struct trace_chunk *victim = &r->chunk[0];
	uint32_t k, n;

	/* Tasks replaying the same stretch of the trace ask for the chunk
	 * the last lookup found, one record at a time. */
	if (r->chunk_last && r->chunk_last->index == c) {
		r->chunk_last->used = ++r->chunk_clock;
		return r->chunk_last;
	}
	for (k = 0; k < NR_CHUNKS; k++) {
		struct trace_chunk *ch = &r->chunk[k];

		if (ch->data && ch->index == c) {
			ch->used = ++r->chunk_clock;
			r->chunk_last = ch;
			return ch;
		}
		if (!ch->data || ch->used < victim->used)
			victim = ch;
	}
	if (victim->data) {
		chunk_drop(r, victim);
	} else {
		victim->next = xmalloc(CHUNK_RECORDS * sizeof(*victim->next));
		victim->first = xmalloc((r->ntrace ? r->ntrace : 1) * sizeof(*victim->first));
	}
	n = (uint32_t)(r->f->nrecords - c * CHUNK_RECORDS < CHUNK_RECORDS ?
		       r->f->nrecords - c * CHUNK_RECORDS : CHUNK_RECORDS);
	victim->data = r->f->raw + c * CHUNK_RECORDS * MLT_RECORD_SIZE;
	victim->nr = n;
	/* Back to front, so each thread's first is its earliest. */
	memset(victim->first, 0xff, r->ntrace * sizeof(*victim->first));
	for (k = n; k-- > 0;) {
		uint32_t t = mlt_le32(victim->data + (size_t)k * MLT_RECORD_SIZE + 40);

		if (t >= r->ntrace) {
			victim->next[k] = CHUNK_NONE;	/* the setup pass refused it */
			continue;
		}
		victim->next[k] = victim->first[t];
		victim->first[t] = (uint16_t)k;
	}
	victim->index = c;
	victim->used = ++r->chunk_clock;
	r->chunk_last = victim;
	r->chunk_loads++;
	return victim;
}

/*
 * Rt's next record from the chunks into rec, its index into *index: 1, or
 * 0 if the trace has no more of its thread.
 */
static int fetch_record(struct replay_task *rt, struct mlt_record *rec, uint64_t *index)
{
	struct replay *r = rt->r;
	uint64_t i = rt->cursor, n = r->f->nrecords;
	struct trace_chunk *ch = NULL;
	uint32_t off;

	for (;;) {
		if (i >= n)
			return 0;
		ch = chunk_get(r, i / CHUNK_RECORDS);
		if (rt->cursor_exact)
			break;
		off = ch->first[rt->trace_task];
		if (off != CHUNK_NONE) {
			i += off;
			break;
		}
		i += CHUNK_RECORDS;
		rt->cursor = i;
	}
	off = (uint32_t)(i % CHUNK_RECORDS);
	mlt_decode(ch->data + (size_t)off * MLT_RECORD_SIZE, rec);
	*index = i;
	if (ch->next[off] != CHUNK_NONE) {
		rt->cursor = i - off + ch->next[off];
		rt->cursor_exact = true;
	} else {
		rt->cursor = i - off + CHUNK_RECORDS;
		rt->cursor_exact = false;
	}
	return 1;
}

/*
 * The next record of rt's recorded thread.  Each task walks the trace
 * with a cursor of its own (the setup pass validated every record) and
 * reads a few records ahead: memory stays O(tasks) plus the chunk cache
 * however long the trace.
 */
static const struct mlt_record *replay_next(struct replay_task *rt)
{
	struct replay *r = rt->r;

	if (rt->ahead_i == rt->ahead_n) {
		unsigned int n = rt->remaining < TASK_READ_AHEAD ? (unsigned int)rt->remaining :
			TASK_READ_AHEAD;

		if (!n)
			return NULL;
		rt->ahead_i = rt->ahead_n = 0;
		while (rt->ahead_n < n && fetch_record(rt, &rt->ahead[rt->ahead_n].rec,
						       &rt->ahead[rt->ahead_n].index))
			rt->ahead_n++;
		rt->remaining -= rt->ahead_n;
		if (!rt->ahead_n) {
			snprintf(r->err, sizeof(r->err),
				 "%s: record count of task %u changed under us",
				 r->f->path, rt->trace_task);
			engine_stop();
			return NULL;
		}
	}
	rt->index = rt->ahead[rt->ahead_i].index;
	return &rt->ahead[rt->ahead_i++].rec;
}

static unsigned long map_flags(const struct mlt_record *rec)
{
	return (rec->flags & MLT_F_SHARED ? MAP_SHARED : 0) |
	       (rec->flags & MLT_F_FILE ? 0 : MAP_ANONYMOUS) |
	       (rec->flags & MLT_F_FIXED ? MAP_FIXED : 0);
}

static unsigned long map_prot(const struct mlt_record *rec)
{
	if (rec->arg0 || rec->arg1)
		return rec->arg0 & (PROT_READ | PROT_WRITE | PROT_EXEC);
	/* A mapping seen only as PERF_RECORD_MMAP2: what its flags tell. */
	return PROT_READ | (rec->flags & MLT_F_WRITE ? PROT_WRITE : 0) |
	       (rec->flags & MLT_F_EXEC ? PROT_EXEC : 0);
}

/*
 * A new mm for trace mm index mm_idx.  Every task of it (clones included)
 * exists from the start, as threads cloned before the first of them could
 * exit: until the last of them has ended the mm keeps a user for those not
 * yet running (clone() takes the new thread's mm_users in the parent), so
 * it is torn down once, after them all, never under a task still to come.
 */
static struct mm_struct *replay_mm_install(struct replay *r, uint32_t mm_idx,
					   struct mm_struct *mm)
{
	mm_get(mm);
	r->mms[mm_idx] = mm;
	return mm;
}

/* A clone's brk: its heap lives at the shifted address, as plain anon memory. */
static int clone_brk(struct replay_task *rt, unsigned long brk)
{
	brk = (brk + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (!rt->heap_start) {
		rt->heap_start = rt->heap_end = brk;
		return 0;
	}
	if (brk > rt->heap_end) {
		int rc = mm_mmap(rt->mm, rt->heap_end, brk - rt->heap_end, PROT_READ | PROT_WRITE,
				 MAP_ANONYMOUS | MAP_FIXED, NULL);

		rt->heap_end = brk;
		return rc;
	}
	if (brk < rt->heap_end && brk >= rt->heap_start) {
		int rc = mm_munmap(rt->mm, brk, rt->heap_end - brk);

		rt->heap_end = brk;
		return rc;
	}
	return 0;
}

/* ---- mappings the replay placed elsewhere (reloc.h) ------------------ */

/* [start, *end) for a page-aligned start and len bytes, if mm would take it. */
static bool page_range(uint64_t start, uint64_t len, uint64_t *end)
{
	if (!len || start & (PAGE_SIZE - 1) || start >= TASK_SIZE || len > TASK_SIZE ||
	    start + len > TASK_SIZE)
		return false;
	*end = (start + len + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
	return true;
}

/* Did record idx map over a range live in recorded order? */
static bool replaced_in_recording(const struct replay *r, uint64_t idx)
{
	return r->replaces[idx / 64] >> (idx % 64) & 1;
}

static size_t reloc_at(const struct replay *r, uint32_t mm_idx, int clone)
{
	return (size_t)mm_idx * (size_t)r->nclones + (size_t)clone;
}

static struct reloc_table *rt_reloc(struct replay_task *rt)
{
	return &rt->r->reloc[reloc_at(rt->r, rt->mm_idx, rt->clone)];
}

static struct reloc_table *rt_placed(struct replay_task *rt)
{
	return &rt->r->placed[reloc_at(rt->r, rt->mm_idx, rt->clone)];
}

/* A forked child has its parent's mappings where the replay put them. */
static void replay_reloc_copy(struct replay *r, uint32_t child, uint32_t parent)
{
	int c;

	for (c = 0; c < r->nclones; c++) {
		reloc_copy(&r->reloc[reloc_at(r, child, c)], &r->reloc[reloc_at(r, parent, c)]);
		reloc_copy(&r->placed[reloc_at(r, child, c)], &r->placed[reloc_at(r, parent, c)]);
	}
}

/* Where the replay has addr (as rt's clone addresses it) for rt's record. */
static uint64_t replay_addr(struct replay_task *rt, uint64_t addr)
{
	const struct reloc_table *t = rt_reloc(rt);
	const struct reloc_entry *e;

	if (!t->nr)
		return addr;
	e = reloc_find_memo(t, &rt->reloc_memo, addr, rt->index, rt->clone);
	return e ? e->to + (addr - e->start) : addr;
}

/*
 * The lowest record index a task may still replay.  It only grows, so a
 * value some ops old is a safe one: recomputed once the tasks have
 * replayed as many ops as there are tasks, it costs O(1) an op.
 */
static uint64_t replay_low_index(struct replay *r)
{
	uint64_t low = UINT64_MAX;
	int i;

	if (r->ops_done < r->low_index_at)
		return r->low_index;
	for (i = 0; i < r->ntasks; i++)
		if (r->tasks[i].task && !r->tasks[i].finished && r->tasks[i].index < low)
			low = r->tasks[i].index;
	r->low_index = low;
	r->low_index_at = r->ops_done + (uint64_t)r->ntasks;
	return low;
}

/* Once either table of rt's mm has grown: drop what no record to come can use. */
static void replay_reloc_prune(struct replay_task *rt)
{
	struct reloc_table *t = rt_reloc(rt), *placed = rt_placed(rt);
	uint64_t low;

	if (t->nr < t->prune_at && placed->nr < placed->prune_at)
		return;
	low = replay_low_index(rt->r);
	reloc_prune(t, low);
	reloc_prune_made_before(placed, low);
}

/* rt's record ended the mapping at [start, end): translations of it stop after it. */
static void replay_reloc_end(struct replay_task *rt, uint64_t start, uint64_t end)
{
	struct reloc_table *t = rt_reloc(rt), *placed = rt_placed(rt);
	bool ended = false;

	if (t->nr)
		ended = reloc_end(t, start, end, rt->index, rt->clone);
	if (placed->nr)
		ended |= reloc_end(placed, start, end, rt->index, rt->clone);
	if (ended)
		replay_reloc_prune(rt);
}

/*
 * rt's record mapped recorded [start, end) at to: listed as placed where
 * recorded, or entered in the table with what later records had already
 * mapped in its range where recorded.
 */
static void replay_placed(struct replay_task *rt, uint64_t start, uint64_t end, uint64_t to)
{
	struct reloc_table *placed = rt_placed(rt);

	if (to == start) {
		reloc_add(placed, start, end, to, rt->index, rt->clone);
	} else {
		reloc_add(rt_reloc(rt), start, end, to, rt->index, rt->clone);
		reloc_keep_later(rt_reloc(rt), placed, start, end, rt->index, rt->clone);
	}
	replay_reloc_prune(rt);
}

/* The munmap, mprotect or madvise of rec on [start, start + len) of the replay. */
static int range_op_at(struct replay_task *rt, const struct mlt_record *rec, uint64_t start,
		       uint64_t len)
{
	switch (rec->op) {
	case MLT_MUNMAP:
		return mm_munmap(rt->mm, (unsigned long)start, (unsigned long)len);
	case MLT_MPROTECT:
		return mm_mprotect(rt->mm, (unsigned long)start, (unsigned long)len,
				   (unsigned long)rec->arg0);
	default:
		return mm_madvise_dontneed(rt->mm, (unsigned long)start, (unsigned long)len);
	}
}

/*
 * A munmap, mprotect or madvise(DONTNEED) of a recorded range: where parts
 * of it were placed elsewhere, one call per part, each where the replay
 * has it (a munmap of two mappings, one of them moved, unmaps both).
 */
static int range_op(struct replay_task *rt, const struct mlt_record *rec)
{
	uint64_t start = rec->addr ^ rt->xor_mask, end, at, to, piece;
	int rc = 0;

	if (!rt_reloc(rt)->nr || !page_range(start, rec->len, &end))
		return range_op_at(rt, rec, start, rec->len);
	for (at = start; at < end; at = piece) {
		piece = reloc_piece(rt_reloc(rt), at, end, rt->index, rt->clone, &to);
		rc |= range_op_at(rt, rec, to, piece - at);
	}
	if (rec->op == MLT_MUNMAP)
		replay_reloc_end(rt, start, end);
	return rc;
}

/*
 * An mmap.  One that overlapped a live range in recorded order replaced it
 * (ld.so's segments over its reservation, or a trace that lost MAP_FIXED):
 * MAP_FIXED, over where the replay has what it replaced.  Any other found
 * its range free when recorded, so whatever the replay still has there
 * (another thread's mapping whose munmap comes later in this schedule) is
 * not its to replace: it goes where mm_mmap() finds room, and the records
 * after it that address the range follow it there.
 */
static int replay_mmap(struct replay_task *rt, const struct mlt_record *rec)
{
	uint64_t start = rec->addr ^ rt->xor_mask, end, at, to, piece;
	unsigned long prot = map_prot(rec), flags = map_flags(rec) & ~MAP_FIXED, mapped;
	int rc = 0;

	if (!page_range(start, rec->len, &end))
		return mm_mmap(rt->mm, (unsigned long)start, (unsigned long)rec->len, prot, flags,
			       NULL);
	/*
	 * A recorded replacement whose range holds a mapping made after it in
	 * recorded order, which the replay ran early, would replace another
	 * thread's mapping that the recording never replaced: it goes
	 * elsewhere instead, as a new mapping would.
	 */
	if (replaced_in_recording(rt->r, rt->index) &&
	    !reloc_later_mapped(rt_placed(rt), start, end, rt->index, rt->clone)) {
		for (at = start; at < end; at = piece) {
			piece = end;
			to = at;
			if (rt_reloc(rt)->nr)
				piece = reloc_piece(rt_reloc(rt), at, end, rt->index, rt->clone,
						    &to);
			if (mm_mmap(rt->mm, (unsigned long)to, (unsigned long)(piece - at), prot,
				    flags | MAP_FIXED, NULL))
				rc = -1;
			else if (to == at)
				replay_placed(rt, at, piece, to);
		}
		return rc;
	}
	/* What the range held before in recorded order is gone by now. */
	replay_reloc_end(rt, start, end);
	rc = mm_mmap(rt->mm, (unsigned long)start, (unsigned long)rec->len, prot, flags, &mapped);
	if (!rc)
		replay_placed(rt, start, end, mapped);
	return rc;
}

/*
 * An mremap: the source is where the replay has it.  A move's destination
 * that was live in recorded order (MREMAP_FIXED over a mapping) is where
 * the replay has that mapping; one that was free may be taken in the
 * replay, and then goes elsewhere as an mmap would, and so may a VMA that
 * grew in place into what the replay still has mapped past it.
 */
static int replay_mremap(struct replay_task *rt, const struct mlt_record *rec)
{
	uint64_t x = rt->xor_mask, src = rec->addr ^ x, dst = rec->arg1 ^ x;
	uint64_t old_end = src + ((rec->len + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1));
	uint64_t new_end = dst + ((rec->arg0 + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1));
	bool fixed = replaced_in_recording(rt->r, rt->index);
	uint64_t from = replay_addr(rt, src), to = dst;
	uint64_t lo = dst == src ? old_end : dst;	/* what it newly covers */
	unsigned long moved;
	int rc;

	if (src >= TASK_SIZE || dst >= TASK_SIZE || rec->len > TASK_SIZE || rec->arg0 > TASK_SIZE ||
	    old_end > TASK_SIZE || new_end > TASK_SIZE)
		return mm_mremap(rt->mm, (unsigned long)src, (unsigned long)rec->len,
				 (unsigned long)rec->arg0, (unsigned long)dst, 0, NULL);
	/* Over a mapping made after it in recorded order: as replay_mmap(). */
	if (fixed && lo < new_end &&
	    reloc_later_mapped(rt_placed(rt), lo, new_end, rt->index, rt->clone))
		fixed = false;
	if (dst == src)
		to = from;
	else if (fixed)
		to = replay_addr(rt, dst);
	/* What the newly covered range held before in recorded order is gone. */
	if (!fixed && lo < new_end)
		replay_reloc_end(rt, lo, new_end);
	rc = mm_mremap(rt->mm, (unsigned long)from, (unsigned long)rec->len,
		       (unsigned long)rec->arg0, (unsigned long)to, fixed ? MREMAP_FIXED : 0,
		       &moved);
	if (rc)
		return rc;
	if (dst != src) {
		replay_reloc_end(rt, src, old_end);	/* the source range is free now */
		if (moved != to || to == dst)
			replay_placed(rt, dst, new_end, moved);
	} else if (moved != from) {
		/* It could not grow where it was and moved. */
		replay_reloc_end(rt, src, old_end > new_end ? old_end : new_end);
		replay_placed(rt, src, new_end, moved);
	} else if (new_end < old_end) {
		replay_reloc_end(rt, new_end, old_end);
	} else if (new_end > old_end) {
		/* Grown in place: the new tail is where the rest of it is. */
		replay_placed(rt, old_end, new_end, from + (old_end - src));
	}
	return rc;
}

static int do_op(struct replay_task *rt, const struct mlt_record *rec)
{
	struct mm_struct *mm = rt->mm;
	uint64_t x = rt->xor_mask;
	unsigned long addr;
	unsigned int flags = 0;

	switch (rec->op) {
	case MLT_FAULT:
		if (rec->flags & MLT_F_WRITE)
			flags |= FAULT_FLAG_WRITE;
		if (rec->flags & MLT_F_EXEC)
			flags |= FAULT_FLAG_INSTRUCTION;
		if (rec->flags & MLT_F_PRESENT)
			flags |= FAULT_FLAG_PRESENT;
		addr = (unsigned long)replay_addr(rt, rec->addr ^ x);
		if (!mm_fault(mm, addr, flags))
			return 0;
		if (mm_adopt_region(mm, addr, flags))
			return -1;	/* a VMA is there but refuses the access */
		return mm_fault(mm, addr, flags);
	case MLT_MMAP:
		return replay_mmap(rt, rec);
	case MLT_MUNMAP:
	case MLT_MPROTECT:
		return range_op(rt, rec);
	case MLT_BRK:
		if (rt->clone)
			return clone_brk(rt, (unsigned long)(rec->addr ^ x));
		return mm_brk(mm, (unsigned long)rec->addr);
	case MLT_MADVISE:
		if (rec->arg0 == MLT_MADV_DONTNEED)
			return range_op(rt, rec);
		count_event("madvise_other");
		task_delay(sim_machine->cost.syscall_entry);
		return 0;
	case MLT_MREMAP:
		return replay_mremap(rt, rec);
	case MLT_LOOKUP:
		return mm_lookup(mm, (unsigned long)replay_addr(rt, rec->addr ^ x));
	default:
		return 0;	/* FORK, EXIT: handled by the task loop */
	}
}

/*
 * pthread_barrier_wait() of a generated benchmark: the task sleeps until
 * the last of the barrier's tasks arrives, which wakes them all.  Clone
 * groups meet at barriers of their own; a partial last group (fewer tasks
 * than the barrier counts) passes its barriers without waiting, since its
 * missing tasks will never come.
 */
static void replay_barrier(struct replay *r, struct replay_task *rt, const struct mlt_record *rec)
{
	struct replay_barrier **pp, *b;
	uint64_t needed = rec->arg1;
	int i, in_group = 0;

	for (i = 0; i < r->ntasks; i++)
		in_group += r->tasks[i].clone == rt->clone;
	if ((uint64_t)in_group < needed) {
		count_event("barrier_partial_group");
		return;
	}
	for (pp = &r->barriers; (b = *pp); pp = &b->next)
		if (b->id == rec->arg0 && b->clone == rt->clone)
			break;
	if (!b) {
		b = xzalloc(sizeof(*b));
		b->id = rec->arg0;
		b->clone = rt->clone;
		b->needed = needed;
		b->waiters = xcalloc((size_t)needed, sizeof(*b->waiters));
		*pp = b;
	}
	if (++b->arrived < b->needed) {
		b->waiters[b->arrived - 1] = current;
		task_prepare_sleep();
		task_schedule();
		return;
	}
	/* The last one in: wake the others (futex_wake), and the barrier is gone. */
	for (i = 0; (uint64_t)i < b->arrived - 1; i++)
		task_wake(b->waiters[i]);
	*pp = b->next;
	free(b->waiters);
	free(b);
}

static void replay_task_fn(void *arg)
{
	struct replay_task *rt = arg;
	struct replay *r = rt->r;
	const struct mlt_record *rec;
	uint64_t prev_time = 0;
	sim_time_t prev_cost = 0;
	bool started = false;

	while ((rec = replay_next(rt))) {
		sim_time_t t0;

		if (rec->op == MLT_FORK && !started) {
			int64_t parent = r->fork_parent[rt->trace_task];
			uint32_t mm_idx = r->f->threads[rt->trace_task].mm;

			/* fork(): a new process duplicates its parent's mm. */
			if (!r->mms[mm_idx] && parent >= 0) {
				struct mm_struct *pmm =
					r->mms[r->f->threads[parent].mm];

				sim_time_t f0 = sim_now();

				watchdog_op_begin();
				replay_mm_install(r, mm_idx, pmm ? mm_dup(pmm) : mm_alloc(r->ops, r->args));
				watchdog_op_end();
				/* The fork's latency: what the parent waits in fork(). */
				if (pmm) {
					hist_add(&r->hist[MLT_FORK], sim_now() - f0);
					replay_reloc_copy(r, mm_idx, r->f->threads[parent].mm);
				}
			}
			if (!r->mms[mm_idx])
				replay_mm_install(r, mm_idx, mm_alloc(r->ops, r->args));
			rt->mm = r->mms[mm_idx];
		}
		if (!started) {
			if (!rt->mm) {
				uint32_t mm_idx = r->f->threads[rt->trace_task].mm;

				if (!r->mms[mm_idx])
					replay_mm_install(r, mm_idx, mm_alloc(r->ops, r->args));
				rt->mm = r->mms[mm_idx];
			}
			mm_enter(rt->mm);
			started = true;
		} else {
			sim_time_t think = rec->time_ns > prev_time + prev_cost ?
					   rec->time_ns - prev_time - prev_cost : 0;

			if (r->think_scale != 1.0)
				think = (sim_time_t)((double)think * r->think_scale);
			task_user_work(think);	/* back in user mode, even if for 0 ns */
		}
		prev_time = rec->time_ns;
		r->op_count[rec->op]++;
		if (rec->op == MLT_EXIT) {
			rt->exited = true;
			break;
		}
		if (rec->op == MLT_FORK) {
			r->ops_done++;
			prev_cost = 0;
			continue;
		}
		if (rec->op == MLT_BARRIER) {
			t0 = sim_now();
			replay_barrier(r, rt, rec);
			r->ops_done++;
			/* how long it waited for the others, as its op's latency */
			hist_add(&r->hist[MLT_BARRIER], sim_now() - t0);
			prev_cost = 0;
			continue;
		}
		t0 = sim_now();
		watchdog_op_begin();
		if (do_op(rt, rec))
			r->op_errors++;
		task_delay(0);
		/* Replayed once it has returned: a task stuck in its last op
		 * leaves ops_replayed short, and the run FAILED as a deadlock. */
		r->ops_done++;
		watchdog_op_end();
		prev_cost = sim_now() - t0;
		hist_add(&r->hist[rec->op], prev_cost);
		if (timeline_on)
			timeline_span(TL_TASK, rt->task->id, "op", mlt_op_name(rec->op), t0, sim_now());
	}
	/* Records queued after an EXIT (a bad trace) are still counted in. */
	while (rt->exited && (rec = replay_next(rt)))
		r->ops_done++, r->op_count[rec->op]++;
	if (started) {
		/* exit(): the last task of the mm tears it down (exit_mmap),
		 * and that is the EXIT op's latency; an earlier one only leaves. */
		sim_time_t t0 = sim_now();
		watchdog_op_begin();
		mm_exit(rt->mm);
		if (!--r->mm_left[r->f->threads[rt->trace_task].mm])
			mm_exit(rt->mm);	/* the reference of the tasks to come */
		task_delay(0);
		watchdog_op_end();
		if (rt->exited)
			hist_add(&r->hist[MLT_EXIT], sim_now() - t0);
	}
	if (rt->exited)
		r->ops_done++;		/* the EXIT, exit_mmap() done */
	rt->finished = true;
	task_delay(0);
	if (sim_now() > r->last_end)
		r->last_end = sim_now();
}

/* Thread groups for --threads THREADS of a trace of NTRACE threads. */
static int nr_clones(uint32_t ntrace, int threads)
{
	return threads > (int)ntrace ? (threads + (int)ntrace - 1) / (int)ntrace : 1;
}

int replay_check_threads(const struct mlt_file *f, int threads, char *err, size_t errlen)
{
	int nclones;

	if (!f->nthreads || !f->nrecords) {
		snprintf(err, errlen, "%s: expected records and threads, the trace is empty", f->path);
		return -1;
	}
	if (f->nthreads > MAX_TASKS) {
		snprintf(err, errlen, "%s: %u threads, expected at most %d", f->path, f->nthreads,
			 MAX_TASKS);
		return -1;
	}
	nclones = nr_clones(f->nthreads, threads);
	if (nclones > MAX_CLONES) {
		snprintf(err, errlen, "--threads %d: expected at most %d x the %u recorded threads",
			 threads, MAX_CLONES, f->nthreads);
		return -1;
	}
	/*
	 * Each task has its own stack mapping: a hostile trace naming a
	 * million thread ids would otherwise exhaust memory or the kernel's
	 * map count and die half-way instead of being refused.
	 */
	if ((nclones == 1 ? (int)f->nthreads : threads) > MAX_TASKS) {
		snprintf(err, errlen, "--threads %d: expected at most %d", threads, MAX_TASKS);
		return -1;
	}
	return 0;
}

/* One mm in recorded order, for the setup pass. */
struct setup_mm {
	struct range_set live;		/* its mappings, as far as the trace shows */
	uint64_t start_brk, brk;	/* its heap, as mm_brk() keeps it */
	bool started;			/* a record of it came */
};

/* A forked child's mm starts as a copy of its parent's (mm_dup()). */
static void setup_fork(struct replay *r, struct setup_mm *sm, const struct mlt_record *rec)
{
	struct setup_mm *child = &sm[r->f->threads[rec->task].mm], *parent;

	if (child->started || rec->arg0 >= r->ntrace)
		return;
	parent = &sm[r->f->threads[rec->arg0].mm];
	if (!parent->started || parent == child)
		return;
	range_set_copy(&child->live, &parent->live);
	child->start_brk = parent->start_brk;
	child->brk = parent->brk;
}

/* brk as mm_brk() takes it: the heap grows into or shrinks out of live. */
static void setup_brk(struct setup_mm *m, uint64_t brk)
{
	if (brk > TASK_SIZE)
		return;
	brk = (brk + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
	if (!m->start_brk) {
		m->start_brk = m->brk = brk;
		return;
	}
	if (brk == m->brk || brk < m->start_brk)
		return;
	if (brk < m->brk)
		range_set_remove(&m->live, brk, m->brk);
	else
		range_set_add(&m->live, m->brk, brk);
	m->brk = brk;
}

/*
 * mremap in recorded order: a resize in place grows into the range past
 * the old end or gives back its tail, a move frees the source; what is
 * newly covered replaced a live mapping if it met one (MREMAP_FIXED).
 */
static void setup_mremap(struct replay *r, struct setup_mm *m, const struct mlt_record *rec,
			 uint64_t idx)
{
	uint64_t old_end, new_end, lo, hi;

	if (rec->addr & (PAGE_SIZE - 1) || rec->addr >= TASK_SIZE || rec->len > TASK_SIZE ||
	    !page_range(rec->arg1, rec->arg0, &new_end))
		return;
	old_end = (rec->addr + rec->len + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
	if (rec->arg1 != rec->addr) {
		range_set_remove(&m->live, rec->addr, old_end);
		lo = rec->arg1;
		hi = new_end;
	} else if (new_end < old_end) {
		range_set_remove(&m->live, new_end, old_end);
		return;
	} else {
		lo = old_end;
		hi = new_end;
	}
	if (range_set_meets(&m->live, lo, hi))
		r->replaces[idx / 64] |= 1ULL << (idx % 64);
	range_set_add(&m->live, lo, hi);
}

/*
 * The setup pass's view of record idx: the ranges live in recorded order,
 * and which mmaps (and mremaps) mapped over one of them.  A fault or lookup
 * outside every known range hit a mapping made before recording began:
 * its page is live too, so an mmap recorded over it later replaced it.
 */
static void setup_note(struct replay *r, struct setup_mm *sm, const struct mlt_record *rec,
		       uint64_t idx)
{
	struct setup_mm *m = &sm[r->f->threads[rec->task].mm];
	uint64_t end, page = rec->addr & ~(uint64_t)(PAGE_SIZE - 1);

	switch (rec->op) {
	case MLT_MMAP:
		if (!page_range(rec->addr, rec->len, &end))
			break;
		if (range_set_meets(&m->live, rec->addr, end))
			r->replaces[idx / 64] |= 1ULL << (idx % 64);
		range_set_add(&m->live, rec->addr, end);
		break;
	case MLT_MUNMAP:
		if (page_range(rec->addr, rec->len, &end))
			range_set_remove(&m->live, rec->addr, end);
		break;
	case MLT_MREMAP:
		setup_mremap(r, m, rec, idx);
		break;
	case MLT_BRK:
		setup_brk(m, rec->addr);
		break;
	case MLT_FAULT:
	case MLT_LOOKUP:
		if (rec->addr < TASK_SIZE && !range_set_meets(&m->live, page, page + PAGE_SIZE))
			range_set_add(&m->live, page, page + PAGE_SIZE);
		break;
	default:
		break;
	}
	m->started = true;
}

struct replay *replay_setup(struct mlt_file *f, const struct scheme_ops *ops,
			    const struct scheme_args *args, int threads, double think_scale,
			    char *err, size_t errlen)
{
	struct replay *r;
	struct mlt_record rec;
	struct setup_mm *sm;
	uint32_t t;
	int k, i, rc;

	if (replay_check_threads(f, threads, err, errlen))
		return NULL;
	r = xzalloc(sizeof(*r));
	r->f = f;
	r->ops = ops;
	r->args = args;
	r->think_scale = think_scale;
	r->ntrace = f->nthreads;
	r->nclones = nr_clones(f->nthreads, threads);
	r->ntasks = r->nclones == 1 ? (int)r->ntrace : threads;
	r->tasks = xzalloc_lines((size_t)r->ntasks, sizeof(*r->tasks));
	r->mms = xzalloc(f->nmms * sizeof(*r->mms));
	r->mm_left = xzalloc(f->nmms * sizeof(*r->mm_left));
	r->first_time = xzalloc(r->ntrace * sizeof(*r->first_time));
	r->first_index = xzalloc(r->ntrace * sizeof(*r->first_index));
	r->fork_parent = xzalloc(r->ntrace * sizeof(*r->fork_parent));
	r->nrec = xzalloc(r->ntrace * sizeof(*r->nrec));
	r->reloc = xcalloc((size_t)f->nmms * (size_t)r->nclones, sizeof(*r->reloc));
	r->placed = xcalloc((size_t)f->nmms * (size_t)r->nclones, sizeof(*r->placed));
	r->replaces = xcalloc((size_t)(f->nrecords / 64 + 1), sizeof(*r->replaces));
	sm = xcalloc(f->nmms, sizeof(*sm));
	for (i = 0; i < MLT_NR_OPS; i++)
		hist_init(&r->hist[i]);

	/*
	 * One pass for each thread's start time and how it starts, and for
	 * the mmaps that replaced a live mapping in recorded order.
	 */
	for (t = 0; t < r->ntrace; t++) {
		r->first_time[t] = UINT64_MAX;
		r->fork_parent[t] = -1;
	}
	mlt_rewind(f);
	while ((rc = mlt_next(f, &rec)) == 1) {
		if ((f->next & 0xffff) == 0)
			drop_upto(r, f->next);
		r->nrec[rec.task]++;
		if (r->first_time[rec.task] == UINT64_MAX) {
			r->first_time[rec.task] = rec.time_ns;
			r->first_index[rec.task] = f->next - 1;
			if (rec.op == MLT_FORK && rec.arg0 < r->ntrace) {
				r->fork_parent[rec.task] = (int64_t)rec.arg0;
				setup_fork(r, sm, &rec);
			}
		}
		setup_note(r, sm, &rec, f->next - 1);
	}
	for (i = 0; i < (int)f->nmms; i++)
		range_set_free(&sm[i].live);
	free(sm);
	if (rc < 0) {
		snprintf(err, errlen, "%s", f->err);
		replay_free(r);
		return NULL;
	}
	mlt_rewind(f);
	drop_all(r);
	r->ops_in = f->nrecords * (uint64_t)r->nclones;
	if (r->nclones > 1) {
		/* The last group is partial: only its threads' records come in. */
		uint64_t partial = 0;
		uint32_t last = (uint32_t)(r->ntasks - (r->nclones - 1) * (int)r->ntrace);

		for (t = 0; t < last; t++)
			partial += r->nrec[t];
		r->ops_in = f->nrecords * (uint64_t)(r->nclones - 1) + partial;
	}

	for (k = 0; k < r->nclones; k++) {
		for (t = 0; t < r->ntrace; t++) {
			int idx = k * (int)r->ntrace + (int)t;
			struct replay_task *rt;

			if (idx >= r->ntasks)
				break;
			rt = &r->tasks[idx];
			rt->r = r;
			rt->trace_task = t;
			rt->clone = k;
			rt->xor_mask = (uint64_t)k << CLONE_SHIFT;
			rt->mm_idx = f->threads[t].mm;
			rt->index = r->first_index[t];
			rt->remaining = r->nrec[t];
			if (r->first_time[t] == UINT64_MAX)
				continue;	/* a thread with no records */
			rt->task = task_create(f->threads[t].comm, replay_task_fn, rt, -1,
					       (sim_time_t)((double)r->first_time[t] * think_scale));
			r->mm_left[f->threads[t].mm]++;
		}
	}
	return r;
}

const char *replay_error(const struct replay *r)
{
	return r->err[0] ? r->err : NULL;
}

int replay_nr_tasks(const struct replay *r)
{
	return r->ntasks;
}

uint64_t replay_ops_in(const struct replay *r)
{
	return r->ops_in;
}

uint64_t replay_ops_done(const struct replay *r)
{
	return r->ops_done;
}

uint64_t replay_op_count(const struct replay *r, int op)
{
	return r->op_count[op];
}

const struct lat_hist *replay_op_hist(const struct replay *r, int op)
{
	return &r->hist[op];
}

sim_time_t replay_end_time(const struct replay *r)
{
	return r->last_end;
}

uint64_t replay_op_errors(const struct replay *r)
{
	return r->op_errors;
}

void replay_free(struct replay *r)
{
	int k;

	if (!r)
		return;
	for (k = 0; k < NR_CHUNKS; k++) {
		free(r->chunk[k].next);
		free(r->chunk[k].first);
	}
	while (r->barriers) {	/* tasks still waiting when the run ended */
		struct replay_barrier *b = r->barriers;

		r->barriers = b->next;
		free(b->waiters);
		free(b);
	}
	if (r->reloc)
		for (k = 0; k < (int)r->f->nmms * r->nclones; k++) {
			reloc_free(&r->reloc[k]);
			reloc_free(&r->placed[k]);
		}
	free(r->reloc);
	free(r->placed);
	free(r->replaces);
	free(r->tasks);
	free(r->mms);
	free(r->mm_left);
	free(r->first_time);
	free(r->first_index);
	free(r->fork_parent);
	free(r->nrec);
	free(r);
}
