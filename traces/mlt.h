/*
 * The .mlt binary trace format: what the simulator replays.
 *
 * Layout (every multi-byte field little-endian, whatever the host):
 *
 *   off  size  field
 *     0     4  magic "MLT1"
 *     4     4  u32 version (MLT_VERSION)
 *     8     8  u64 record count
 *    16     4  u32 thread count  T
 *    20     4  u32 mm count      M
 *    24  24*T  thread table, per thread:
 *                u32 tid as recorded, u32 mm index (< M), char comm[16]
 *                (NUL-padded, not necessarily NUL-terminated)
 *     .   8*M  mm table, per mm: u64 id as recorded (the recorded pid of
 *              the process that owned it; 0 if unknown)
 *     .     4  u32 source description length L
 *     .     L  source description bytes (free text, not NUL-terminated)
 *     .        zero padding up to a multiple of 8
 *     .  48*N  N records (struct mlt_record, encoded field by field)
 *
 * The file ends exactly after the last record; anything else is an error.
 * Records are in nondecreasing time order.  Fixed-size records make the
 * reader a pointer walk over an mmap'd file, and let a replay seek by index.
 */
#ifndef MMLOCKSIM_MLT_H
#define MMLOCKSIM_MLT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define MLT_MAGIC	"MLT1"
#define MLT_VERSION	2	/* 2 added MLT_BARRIER and MLT_LOOKUP; version 1 files still read */
#define MLT_VERSION_MIN	1
#define MLT_RECORD_SIZE	48
#define MLT_COMM_LEN	16
#define MLT_THREAD_SIZE	24
#define MLT_MAX_MMS	65535	/* record.mm is a u16 */
/*
 * Threads a trace may have: the replay runs each as a task with a stack of
 * its own (64 KiB: 1 GiB of address space for all).  Importers enforce it
 * at the line that would add one more; it bounds the mms too, as every mm
 * has a thread.
 */
#define MLT_MAX_THREADS	16384

/*
 * Operations.  Field use per op (unused fields are 0):
 *
 * MLT_FAULT     addr = faulting address, len = 0,
 *               arg0 = instruction pointer (0 if unknown),
 *               arg1 = raw x86 error code as recorded (0 if synthesized);
 *               flags WRITE / EXEC / PRESENT from the error code.
 * MLT_MMAP      addr = resulting start address, len = length as requested,
 *               arg0 = prot (PROT_READ 1, PROT_WRITE 2, PROT_EXEC 4),
 *               arg1 = mmap flags as recorded (MAP_SHARED 0x1, MAP_FIXED
 *               0x10, MAP_ANONYMOUS 0x20 ...; 0 when unknown, e.g. for a
 *               mapping seen only as a perf PERF_RECORD_MMAP2);
 *               flags FILE / SHARED / FIXED / WRITE (prot has PROT_WRITE) /
 *               EXEC (prot has PROT_EXEC).
 * MLT_MUNMAP    addr, len as passed.
 * MLT_MPROTECT  addr, len as passed, arg0 = new prot.
 * MLT_BRK       addr = new break (result), arg0 = old break, 0 if unknown.
 * MLT_MADVISE   addr, len as passed, arg0 = advice (4 = MADV_DONTNEED).
 * MLT_MREMAP    addr = old address, len = old length, arg0 = new length,
 *               arg1 = new (result) address, flags FIXED if MREMAP_FIXED.
 * MLT_FORK      task = the new task, mm = its mm, arg0 = parent task index
 *               (UINT64_MAX if the parent is not in the trace).
 * MLT_EXIT      task ends; no more records for it follow.
 * MLT_BARRIER   an ordering constraint of a generated benchmark (a
 *               pthread barrier between its phases): arg0 = barrier number,
 *               arg1 = how many tasks meet there; none of them goes past it
 *               before all have reached it (e.g. pft's threads fault only
 *               once thread 0's mmap has returned).  Version 2 on.
 * MLT_LOOKUP    a VMA lookup that faults nothing: mmap_read_lock(),
 *               find_vma(addr), mmap_read_unlock(), as a uprobe hit did
 *               (handle_swbp() finding the probed VMA) before
 *               mmap_lock_speculate; addr = the address looked up (any
 *               alignment), len = 0.  Version 2 on.
 */
enum mlt_op {
	MLT_FAULT,
	MLT_MMAP,
	MLT_MUNMAP,
	MLT_MPROTECT,
	MLT_BRK,
	MLT_MADVISE,
	MLT_MREMAP,
	MLT_FORK,
	MLT_EXIT,
	MLT_BARRIER,
	MLT_LOOKUP,
	MLT_NR_OPS
};

/* Record flags. */
#define MLT_F_WRITE	0x01	/* write access (fault) / writable (mapping) */
#define MLT_F_EXEC	0x02	/* instruction fetch / executable mapping */
#define MLT_F_FILE	0x04	/* file-backed mapping */
#define MLT_F_SHARED	0x08	/* MAP_SHARED */
#define MLT_F_PRESENT	0x10	/* protection fault: x86 error_code bit 0 */
#define MLT_F_FIXED	0x20	/* MAP_FIXED / MREMAP_FIXED */
#define MLT_F_ALL	0x3f

/* Linux values the importers translate to (x86-64 / generic ABI). */
#define MLT_PROT_READ	1
#define MLT_PROT_WRITE	2
#define MLT_PROT_EXEC	4
#define MLT_MADV_DONTNEED 4

struct mlt_record {
	uint64_t time_ns;	/* since the first event of the trace */
	uint64_t addr;
	uint64_t len;
	uint64_t arg0;
	uint64_t arg1;
	uint32_t task;		/* index into the thread table */
	uint16_t mm;		/* index into the mm table */
	uint8_t op;		/* enum mlt_op */
	uint8_t flags;		/* MLT_F_* */
};

struct mlt_thread {
	uint32_t tid;		/* as recorded */
	uint32_t mm;		/* index into the mm table */
	char comm[MLT_COMM_LEN];
};

/* Name of an op ("fault", "mmap", ...), or "?" if out of range. */
const char *mlt_op_name(unsigned op);

/* ---- Little-endian field access, correct on any host. ---- */

static inline uint16_t mlt_le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t mlt_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t mlt_le64(const unsigned char *p)
{
	return (uint64_t)mlt_le32(p) | (uint64_t)mlt_le32(p + 4) << 32;
}

static inline void mlt_put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static inline void mlt_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static inline void mlt_put64(unsigned char *p, uint64_t v)
{
	mlt_put32(p, (uint32_t)v);
	mlt_put32(p + 4, (uint32_t)(v >> 32));
}

static inline void mlt_decode(const unsigned char *p, struct mlt_record *r)
{
	r->time_ns = mlt_le64(p);
	r->addr = mlt_le64(p + 8);
	r->len = mlt_le64(p + 16);
	r->arg0 = mlt_le64(p + 24);
	r->arg1 = mlt_le64(p + 32);
	r->task = mlt_le32(p + 40);
	r->mm = mlt_le16(p + 44);
	r->op = p[46];
	r->flags = p[47];
}

void mlt_encode(unsigned char *p, const struct mlt_record *r);

/* ---- Writer ---- */

/*
 * Records stream to an unlinked scratch file next to PATH; close() writes
 * header + tables + records to a temporary file in PATH's directory and
 * renames it over PATH only when everything succeeded, so a reader never
 * sees a half-written trace.  abort() (or a failed close) leaves nothing.
 * A character device or FIFO (/dev/null, a pipe) is written in place
 * instead, and a directory or other special file is refused at open
 * (sim/outfile.h).  Errors are returned as -1/NULL with a one-line message
 * naming PATH in ERR.
 */
struct mlt_writer;

struct mlt_writer *mlt_writer_open(const char *path, char *err, size_t errlen);
/*
 * The same into FD, written in place from offset 0 (a file without a
 * name: the caller keeps FD and closes it); NAME is for messages.
 */
struct mlt_writer *mlt_writer_open_fd(int fd, const char *name, char *err, size_t errlen);
/* Append a record (buffered).  Times must be nondecreasing. */
int mlt_writer_add(struct mlt_writer *w, const struct mlt_record *r);
/* Why mlt_writer_add() failed: "PATH: ..." (empty if it did not). */
const char *mlt_writer_error(const struct mlt_writer *w);
/* Finish: tables are given now because importers learn them as they go. */
int mlt_writer_close(struct mlt_writer *w,
		     const struct mlt_thread *threads, uint32_t nthreads,
		     const uint64_t *mm_ids, uint32_t nmms,
		     const char *source, char *err, size_t errlen);
void mlt_writer_abort(struct mlt_writer *w);

/* ---- Reader ---- */

struct mlt_file {
	char *path;
	uint32_t version;
	uint32_t nr_ops;		/* ops below this are in its version */
	uint64_t nrecords;
	uint32_t nthreads;
	uint32_t nmms;
	struct mlt_thread *threads;	/* decoded copy */
	uint64_t *mm_ids;		/* decoded copy */
	char *source;			/* NUL-terminated copy */
	/* Raw little-endian records (MLT_RECORD_SIZE each) in the mapping. */
	const unsigned char *raw;
	/* Streaming cursor used by mlt_next(). */
	uint64_t next;
	uint64_t last_time;
	char err[256];
	/* private */
	void *map;
	size_t map_len;
};

/*
 * Open and validate the header and the file size (records themselves are
 * checked as mlt_next() walks them).  NULL with a message naming the file,
 * the byte offset and what was expected on error.
 */
struct mlt_file *mlt_open(const char *path, char *err, size_t errlen);
/* The same from FD (the caller closes it); NAME is for messages. */
struct mlt_file *mlt_open_fd(int fd, const char *name, char *err, size_t errlen);
void mlt_close(struct mlt_file *f);

/* Record I by index, decoded, without validation.  I < f->nrecords. */
static inline void mlt_get(const struct mlt_file *f, uint64_t i,
			   struct mlt_record *r)
{
	mlt_decode(f->raw + i * MLT_RECORD_SIZE, r);
}

/*
 * Slow path of mlt_next(): says which field of record f->next is invalid
 * in f->err and returns -1.
 */
int mlt_bad_record(struct mlt_file *f, const struct mlt_record *r);

/*
 * Next record in order: 1 and *R filled, 0 at the end, -1 if the record is
 * invalid (op, task, mm or time order; message in f->err naming the record
 * index).  Inline because replay and stats call it per record.
 */
static inline int mlt_next(struct mlt_file *f, struct mlt_record *r)
{
	if (f->next >= f->nrecords)
		return 0;
	mlt_decode(f->raw + f->next * MLT_RECORD_SIZE, r);
	if (r->op >= f->nr_ops || r->task >= f->nthreads ||
	    r->mm >= f->nmms || r->time_ns < f->last_time ||
	    (r->flags & ~MLT_F_ALL))
		return mlt_bad_record(f, r);
	f->last_time = r->time_ns;
	f->next++;
	return 1;
}

/* Restart mlt_next() from the first record. */
static inline void mlt_rewind(struct mlt_file *f)
{
	f->next = 0;
	f->last_time = 0;
}

#endif
