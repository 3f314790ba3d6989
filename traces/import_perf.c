/*
 * perf script text -> .mlt.
 *
 * Every event line ends up imported or skipped under a named reason.  Line
 * shape (perf script -F comm,pid,tid,cpu,time,event,trace):
 *
 *   COMM PID/TID [CPU] SECONDS.FRACTION: EVENT: PAYLOAD
 *
 * COMM may contain spaces, so the line is anchored on "PID/TID [CPU]".
 * The parser is hand-written (no sscanf): import speed is a target.
 *
 * Decisions worth knowing:
 * - mmap, brk and mremap take their result from the sys_exit line; the op
 *   is stamped with the sys_enter time (the reorder window in builder.c
 *   keeps output in time order).  munmap/mprotect/madvise use sys_enter
 *   alone, as only that is recorded.
 * - brk(0) only reads the break: not an op, but it tells the old break for
 *   the next real brk.
 * - A PERF_RECORD_MMAP2 that arrives while its thread is inside a traced
 *   mmap syscall is that syscall's own mapping: skipped (the syscall
 *   record has it).  Others (exec-time mappings made by the kernel) become
 *   MMAP records, FILE when the path is a real path.
 * - mm: threads with one pid share its mm; a new pid gets a new mm.  exec
 *   is not visible with the recorded events, so a pid keeps one mm.
 * - mmap_lock:* lines are lock activity, not ops: counted (and summarized
 *   as read/write acquisitions) under their own skip reason.
 */
#include "traces/import_perf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ev {
	EV_FAULT, EV_LOCK_START, EV_LOCK_ACQ, EV_LOCK_REL,
	EV_ENTER_MMAP, EV_EXIT_MMAP, EV_ENTER_MUNMAP, EV_ENTER_MPROTECT,
	EV_ENTER_BRK, EV_EXIT_BRK, EV_ENTER_MADVISE, EV_ENTER_MREMAP,
	EV_EXIT_MREMAP, EV_FORK, EV_EXIT, EV_MMAP2, EV_MMAP,
	EV_NR
};

static const char *const ev_names[EV_NR] = {
	[EV_FAULT] = "exceptions:page_fault_user",
	[EV_LOCK_START] = "mmap_lock:mmap_lock_start_locking",
	[EV_LOCK_ACQ] = "mmap_lock:mmap_lock_acquire_returned",
	[EV_LOCK_REL] = "mmap_lock:mmap_lock_released",
	[EV_ENTER_MMAP] = "syscalls:sys_enter_mmap",
	[EV_EXIT_MMAP] = "syscalls:sys_exit_mmap",
	[EV_ENTER_MUNMAP] = "syscalls:sys_enter_munmap",
	[EV_ENTER_MPROTECT] = "syscalls:sys_enter_mprotect",
	[EV_ENTER_BRK] = "syscalls:sys_enter_brk",
	[EV_EXIT_BRK] = "syscalls:sys_exit_brk",
	[EV_ENTER_MADVISE] = "syscalls:sys_enter_madvise",
	[EV_ENTER_MREMAP] = "syscalls:sys_enter_mremap",
	[EV_EXIT_MREMAP] = "syscalls:sys_exit_mremap",
	[EV_FORK] = "sched:sched_process_fork",
	[EV_EXIT] = "sched:sched_process_exit",
	[EV_MMAP2] = "PERF_RECORD_MMAP2",
	[EV_MMAP] = "PERF_RECORD_MMAP",
};

/* Kinds of in-flight syscall (struct tb_pending.kind). */
enum { P_NONE, P_MMAP, P_BRK, P_MREMAP };

#define R_LOCK		"mmap_lock event (lock activity, not an op)"
#define R_KERNEL	"kernel mapping"
#define R_IN_SYSCALL	"mapping made by a traced mmap syscall"
#define R_NO_EXIT	"sys_enter without sys_exit"
#define R_NO_ENTER	"unmatched sys_exit"
#define R_MMAP_FAIL	"mmap failed (negative return)"
#define R_MREMAP_FAIL	"mremap failed (negative return)"
#define R_BRK_QUERY	"brk query (break unchanged)"
#define R_BRK_FAIL	"brk failed or unchanged"
#define R_EXPIRED	"syscall outlived the reorder window"
#define R_SYSCALL	"syscall not modeled"
#define R_RECORD	"perf record event not used"
#define R_EVENT		"event not used by the simulator"

struct pline {
	const char *comm;
	size_t commlen;
	uint32_t pid, tid;
	uint64_t t;		/* trace-relative ns */
	const char *ev;
	size_t evlen;
	const char *payload;
};

struct perf {
	struct textin *in;
	struct tbuild *tb;
	struct import_summary *sum;
	uint64_t *evc[EV_NR];	/* per-event line counters in SUM */
	uint64_t *lock_skips;
	char *err;
	size_t errlen;
};

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Digits [P, E) as a u32 pid or tid; -1 if longer than that. */
static int parse_id(const char *p, const char *e, uint32_t *v)
{
	uint64_t x = 0;

	if (e - p > 10)
		return -1;
	for (; p < e; p++)
		x = x * 10 + (uint64_t)(*p - '0');
	if (x > UINT32_MAX)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

/* Parse the fixed head of an event line; -1 if it is not one. */
static int parse_head(const char *line, struct pline *pl, uint64_t *abs_ns)
{
	const char *p = line, *q, *r, *e;

	while (*p == ' ' || *p == '\t')
		p++;
	for (q = strchr(p, '['); q; q = strchr(q + 1, '[')) {
		/* "[CPU]" ... */
		for (r = q + 1; is_digit(*r); r++)
			;
		if (r == q + 1 || *r != ']')
			continue;
		/* ... preceded by "PID/TID " */
		e = q;
		while (e > p && e[-1] == ' ')
			e--;
		if (e == q)
			continue;
		r = e;
		while (r > p && is_digit(r[-1]))
			r--;
		if (r == e || r == p || r[-1] != '/' ||
		    parse_id(r, e, &pl->tid) < 0)
			continue;
		e = r - 1;
		r = e;
		while (r > p && is_digit(r[-1]))
			r--;
		if (r == e || (r > p && r[-1] != ' ' && r[-1] != '\t') ||
		    parse_id(r, e, &pl->pid) < 0)
			continue;
		pl->comm = p;
		while (r > p && (r[-1] == ' ' || r[-1] == '\t'))
			r--;
		pl->commlen = (size_t)(r - p);
		break;
	}
	if (!q)
		return -1;
	p = strchr(q, ']') + 1;
	while (*p == ' ')
		p++;
	if (tb_parse_time(&p, abs_ns) < 0 || *p != ':')
		return -1;
	for (p++; *p == ' '; p++)
		;
	pl->ev = p;
	while (*p && *p != ' ')
		p++;
	pl->evlen = (size_t)(p - pl->ev);
	if (pl->evlen && pl->ev[pl->evlen - 1] == ':')
		pl->evlen--;
	if (!pl->evlen)
		return -1;
	while (*p == ' ')
		p++;
	pl->payload = p;
	return 0;
}

int perf_line_is_event(const char *line)
{
	struct pline pl;
	uint64_t t;

	return parse_head(line, &pl, &t) == 0;
}

static enum ev classify(const struct pline *pl)
{
	int i;

	for (i = 0; i < EV_NR; i++)
		if (strlen(ev_names[i]) == pl->evlen &&
		    !memcmp(ev_names[i], pl->ev, pl->evlen))
			return (enum ev)i;
	return EV_NR;
}

static int bad(struct perf *pf, const char *what)
{
	snprintf(pf->err, pf->errlen, "%s:%llu: expected %s",
		 textin_path(pf->in),
		 (unsigned long long)textin_lineno(pf->in), what);
	return -1;
}

/* "KEY: NUM" optionally followed by ", " (syscall tracepoint fields). */
static int field(const char **pp, const char *key, uint64_t *v)
{
	size_t n = strlen(key);
	const char *p = *pp;

	if (strncmp(p, key, n) || p[n] != ':' || p[n + 1] != ' ')
		return -1;
	p += n + 2;
	if (tb_parse_num(&p, v) < 0)
		return -1;
	if (p[0] == ',' && p[1] == ' ')
		p += 2;
	*pp = p;
	return 0;
}

/* "KEY=NUM" anywhere in P (space-separated key=value payloads). */
static int keyval(const char *p, const char *key, uint64_t *v)
{
	size_t n = strlen(key);

	for (; p && *p; p = strchr(p, ' ')) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, key, n) && p[n] == '=') {
			p += n + 1;
			return tb_parse_num(&p, v);
		}
	}
	return -1;
}

/* Value of "KEY=" up to the next space (for comms in sched lines). */
static const char *keystr(const char *p, const char *key, size_t *len)
{
	size_t n = strlen(key);
	const char *e;

	for (; p && *p; p = strchr(p, ' ')) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, key, n) && p[n] == '=') {
			p += n + 1;
			e = strchr(p, ' ');
			*len = e ? (size_t)(e - p) : strlen(p);
			return p;
		}
	}
	return NULL;
}

static int failed_ret(uint64_t v)
{
	return v >= (uint64_t)-4095;
}

static uint8_t prot_flags(uint64_t prot)
{
	return (uint8_t)(((prot & MLT_PROT_WRITE) ? MLT_F_WRITE : 0) |
			 ((prot & MLT_PROT_EXEC) ? MLT_F_EXEC : 0));
}

#define MAP_SHARED_BIT	0x01
#define MAP_FIXED_BIT	0x10
#define MAP_ANON_BIT	0x20
#define MAP_FIXED_NOREPLACE_BIT 0x100000

static int imported(struct perf *pf, uint64_t n)
{
	pf->sum->imported_lines += n;
	return 0;
}

/* Drop TASK's in-flight syscall (its sys_enter line is skipped). */
static void drop_pending(struct perf *pf, uint32_t task)
{
	struct tb_pending *pd = tb_pending(pf->tb, task);

	if (!pd->kind)
		return;
	tb_drop(pf->tb, pd->slot);
	pd->kind = P_NONE;
	import_skip(pf->sum, R_NO_EXIT, 1);
}

static uint32_t task_of(struct perf *pf, const struct pline *pl)
{
	return tb_task_pid(pf->tb, pl->pid, pl->tid, pl->comm, pl->commlen);
}

static int emit(struct perf *pf, struct mlt_record *r)
{
	return tb_emit(pf->tb, r);
}

static int do_fault(struct perf *pf, const struct pline *pl, uint32_t task)
{
	struct mlt_record r = { .time_ns = pl->t, .task = task,
				.op = MLT_FAULT };
	const char *p = pl->payload;
	uint64_t ec;

	/* Fixed order "address=.. ip=.. error_code=..": fast path. */
	if (strncmp(p, "address=", 8))
		return bad(pf, "address=0x... in page_fault_user");
	p += 8;
	if (tb_parse_num(&p, &r.addr) < 0)
		return bad(pf, "address=0x... in page_fault_user");
	if (!strncmp(p, " ip=", 4)) {
		p += 4;
		if (tb_parse_num(&p, &r.arg0) < 0)
			return bad(pf, "ip=0x... in page_fault_user");
	}
	if (strncmp(p, " error_code=", 12)) {
		if (keyval(p, "error_code", &ec) < 0)
			return bad(pf, "error_code=0x... in page_fault_user");
	} else {
		p += 12;
		if (tb_parse_num(&p, &ec) < 0)
			return bad(pf, "error_code=0x... in page_fault_user");
	}
	r.arg1 = ec;
	r.flags = (uint8_t)(((ec & 1) ? MLT_F_PRESENT : 0) |
			    ((ec & 2) ? MLT_F_WRITE : 0) |
			    ((ec & 16) ? MLT_F_EXEC : 0));
	if (emit(pf, &r) < 0)
		return -1;
	return imported(pf, 1);
}

static int do_lock(struct perf *pf, const struct pline *pl, enum ev ev)
{
	const char *p = pl->payload;

	if (strncmp(p, "mm=", 3))
		return bad(pf, "mm=0x... in an mmap_lock event");
	/* Older kernels print memcg_path= instead of memcg_id=. */
	if (!strstr(p, " memcg_id=") && !strstr(p, " memcg_path="))
		return bad(pf, "memcg_id= or memcg_path= in an mmap_lock event");
	if (ev == EV_LOCK_ACQ) {
		int w = strstr(p, " write=true") != NULL;

		if (w)
			pf->sum->lock_acquire_write++;
		else
			pf->sum->lock_acquire_read++;
		if (strstr(p, " success=false"))
			pf->sum->lock_contended++;
	}
	if (!pf->lock_skips)
		pf->lock_skips = import_skip_slot(pf->sum, R_LOCK);
	(*pf->lock_skips)++;
	pf->sum->skipped_lines++;
	return 0;
}

/* sys_enter of a call whose result comes with sys_exit. */
static int do_enter_pair(struct perf *pf, const struct pline *pl,
			 uint32_t task, int kind)
{
	struct tb_pending *pd;
	const char *p = pl->payload;
	uint64_t a[6] = { 0 };
	int ok;

	if (kind == P_MMAP)
		ok = !field(&p, "addr", &a[0]) && !field(&p, "len", &a[1]) &&
		     !field(&p, "prot", &a[2]) && !field(&p, "flags", &a[3]) &&
		     !field(&p, "fd", &a[4]) && !field(&p, "off", &a[5]);
	else if (kind == P_BRK)
		ok = !field(&p, "brk", &a[0]);
	else
		ok = !field(&p, "addr", &a[0]) &&
		     !field(&p, "old_len", &a[1]) &&
		     !field(&p, "new_len", &a[2]) &&
		     !field(&p, "flags", &a[3]) &&
		     !field(&p, "new_addr", &a[4]);
	if (!ok)
		return bad(pf, kind == P_MMAP ?
			   "addr:, len:, prot:, flags:, fd:, off: in sys_enter_mmap" :
			   kind == P_BRK ? "brk: in sys_enter_brk" :
			   "addr:, old_len:, new_len:, flags:, new_addr: in sys_enter_mremap");
	drop_pending(pf, task);
	pd = tb_pending(pf->tb, task);
	pd->kind = kind;
	pd->slot = tb_reserve(pf->tb, pl->t, task);
	memcpy(pd->args, a, sizeof(a));
	return 0;
}

static int do_exit_pair(struct perf *pf, const struct pline *pl,
			uint32_t task, int kind)
{
	struct tb_pending *pd = tb_pending(pf->tb, task);
	struct mlt_record r = { .task = task };
	const char *p = pl->payload;
	uint64_t ret, *brk;
	const char *skip = NULL;
	int rc;

	if (tb_parse_num(&p, &ret) < 0)
		return bad(pf, "a return value in sys_exit");
	if (pd->kind != kind) {
		import_skip(pf->sum, R_NO_ENTER, 1);
		return 0;
	}
	pd->kind = P_NONE;
	if (kind == P_MMAP) {
		uint64_t fl = pd->args[3];

		if (failed_ret(ret)) {
			skip = R_MMAP_FAIL;
		} else {
			r.op = MLT_MMAP;
			r.addr = ret;
			r.len = pd->args[1];
			r.arg0 = pd->args[2];
			r.arg1 = fl;
			r.flags = prot_flags(r.arg0);
			/* fd is printed as 32 or 64 bits of -1. */
			if (!(fl & MAP_ANON_BIT) && (uint32_t)pd->args[4] !=
			    UINT32_MAX)
				r.flags |= MLT_F_FILE;
			if (fl & MAP_SHARED_BIT)
				r.flags |= MLT_F_SHARED;
			if (fl & (MAP_FIXED_BIT | MAP_FIXED_NOREPLACE_BIT))
				r.flags |= MLT_F_FIXED;
		}
	} else if (kind == P_BRK) {
		brk = tb_mm_brk(pf->tb, tb_task_mm(pf->tb, task));
		if (!pd->args[0]) {
			skip = R_BRK_QUERY;
			*brk = ret;
		} else if (ret != pd->args[0] || ret == *brk) {
			skip = R_BRK_FAIL;
			*brk = ret;
		} else {
			r.op = MLT_BRK;
			r.addr = ret;
			r.arg0 = *brk;
			*brk = ret;
		}
	} else {
		if (failed_ret(ret)) {
			skip = R_MREMAP_FAIL;
		} else {
			r.op = MLT_MREMAP;
			r.addr = pd->args[0];
			r.len = pd->args[1];
			r.arg0 = pd->args[2];
			r.arg1 = ret;
			if (pd->args[3] & 2)	/* MREMAP_FIXED */
				r.flags = MLT_F_FIXED;
		}
	}
	if (skip) {
		tb_drop(pf->tb, pd->slot);
		import_skip(pf->sum, skip, 2);
		return 0;
	}
	rc = tb_fill(pf->tb, pd->slot, &r);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		import_skip(pf->sum, R_EXPIRED, 2);
		return 0;
	}
	return imported(pf, 2);
}

static int do_enter_single(struct perf *pf, const struct pline *pl,
			   uint32_t task, enum ev ev)
{
	struct mlt_record r = { .time_ns = pl->t, .task = task };
	const char *p = pl->payload;
	int ok;

	if (ev == EV_ENTER_MUNMAP) {
		r.op = MLT_MUNMAP;
		ok = !field(&p, "addr", &r.addr) && !field(&p, "len", &r.len);
		if (!ok)
			return bad(pf, "addr:, len: in sys_enter_munmap");
	} else if (ev == EV_ENTER_MPROTECT) {
		r.op = MLT_MPROTECT;
		ok = !field(&p, "start", &r.addr) && !field(&p, "len", &r.len) &&
		     !field(&p, "prot", &r.arg0);
		if (!ok)
			return bad(pf, "start:, len:, prot: in sys_enter_mprotect");
		r.flags = prot_flags(r.arg0);
	} else {
		r.op = MLT_MADVISE;
		ok = !field(&p, "start", &r.addr) &&
		     !field(&p, "len_in", &r.len) &&
		     !field(&p, "behavior", &r.arg0);
		if (!ok)
			return bad(pf, "start:, len_in:, behavior: in sys_enter_madvise");
	}
	if (emit(pf, &r) < 0)
		return -1;
	return imported(pf, 1);
}

static int do_fork(struct perf *pf, const struct pline *pl, uint32_t task)
{
	const char *comm;
	size_t clen;
	uint64_t child;

	comm = keystr(pl->payload, "child_comm", &clen);
	if (!comm || keyval(pl->payload, "child_pid", &child) < 0)
		return bad(pf, "child_comm= and child_pid= in sched_process_fork");
	if (tb_fork(pf->tb, pl->t, task, (uint32_t)child, comm, clen) ==
	    TB_NONE)
		return -1;
	return imported(pf, 1);
}

static int do_exit(struct perf *pf, const struct pline *pl, uint32_t task)
{
	uint64_t pid;

	if (keyval(pl->payload, "pid", &pid) < 0)
		return bad(pf, "pid= in sched_process_exit");
	drop_pending(pf, task);
	if (tb_exit(pf->tb, pl->t, task) < 0)
		return -1;
	return imported(pf, 1);
}

/*
 * PERF_RECORD_MMAP2 PID/TID: [0xADDR(0xLEN) @ PGOFF MAJ:MIN INO GEN]: PERMS PATH
 * PERF_RECORD_MMAP PID/TID: [0xADDR(0xLEN) @ PGOFF]: R|X PATH
 */
static int do_mmap_record(struct perf *pf, const struct pline *pl, enum ev ev,
			  uint64_t abs)
{
	struct mlt_record r = { .op = MLT_MMAP };
	const char *p = pl->payload, *perms;
	uint64_t pid, tid;
	uint32_t task;

	if (tb_parse_num(&p, &pid) < 0 || *p++ != '/' ||
	    tb_parse_num(&p, &tid) < 0 || strncmp(p, ": [", 3))
		return bad(pf, "PID/TID: [ADDR(LEN) @ OFFSET ...]: PERMS PATH in a PERF_RECORD_MMAP line");
	p += 3;
	if (tb_parse_num(&p, &r.addr) < 0 || *p++ != '(' ||
	    tb_parse_num(&p, &r.len) < 0 || *p != ')')
		return bad(pf, "[ADDR(LEN) in a PERF_RECORD_MMAP line");
	p = strstr(p, "]: ");
	if (!p)
		return bad(pf, "]: PERMS PATH in a PERF_RECORD_MMAP line");
	perms = p + 3;
	/* pid -1 or a kernel-half address: the kernel's own text. */
	if (pid == (uint64_t)-1 || pid == UINT32_MAX ||
	    r.addr >= 0xffff800000000000ull) {
		import_skip(pf->sum, R_KERNEL, 1);
		return 0;
	}
	/* Only now: the kernel's text is reported at time 0. */
	r.time_ns = tb_time(pf->tb, abs);
	task = tb_task_pid(pf->tb, (uint32_t)pid, (uint32_t)tid, pl->comm,
			   pl->commlen);
	if (task == TB_NONE)
		return -1;
	if (tb_pending(pf->tb, task)->kind == P_MMAP) {
		import_skip(pf->sum, R_IN_SYSCALL, 1);
		return 0;
	}
	r.task = task;
	if (ev == EV_MMAP2) {
		p = strchr(perms, ' ');
		if (!p || p - perms < 4)
			return bad(pf, "PERMS like r-xp in PERF_RECORD_MMAP2");
		r.arg0 = (perms[0] == 'r' ? MLT_PROT_READ : 0) |
			 (perms[1] == 'w' ? MLT_PROT_WRITE : 0) |
			 (perms[2] == 'x' ? MLT_PROT_EXEC : 0);
		r.arg1 = perms[3] == 's' ? MAP_SHARED_BIT : 0x02;
		if (perms[3] == 's')
			r.flags |= MLT_F_SHARED;
		p++;
	} else {
		r.arg0 = MLT_PROT_READ | (perms[0] == 'x' ? MLT_PROT_EXEC : 0);
		r.arg1 = 0x02;
		p = strchr(perms, ' ');
		p = p ? p + 1 : perms + strlen(perms);
	}
	r.flags |= prot_flags(r.arg0);
	/* "[vdso]", "//anon", "[heap]" are not files. */
	if (*p == '/' && p[1] != '/')
		r.flags |= MLT_F_FILE;
	if (emit(pf, &r) < 0)
		return -1;
	return imported(pf, 1);
}

static int do_line(struct perf *pf, const char *line)
{
	struct pline pl;
	uint64_t abs;
	uint32_t task;
	enum ev ev;

	if (parse_head(line, &pl, &abs) < 0)
		return bad(pf, "an event line 'COMM PID/TID [CPU] SECONDS.FRACTION: EVENT: FIELDS'");
	pf->sum->event_lines++;
	tb_see_tid(pf->tb, pl.tid);
	ev = classify(&pl);
	if (ev == EV_NR) {
		(*import_event_slot(pf->sum, pl.ev, pl.evlen))++;
		if (!strncmp(pl.ev, "syscalls:", 9))
			import_skip(pf->sum, R_SYSCALL, 1);
		else if (!strncmp(pl.ev, "PERF_RECORD_", 12))
			import_skip(pf->sum, R_RECORD, 1);
		else if (textin_unterminated(pf->in))
			/* perf script ends every line: an unknown event on
			 * a last line without its end is a name cut short */
			return bad(pf, "a whole last line: the file ends inside it (cut short?)");
		else
			import_skip(pf->sum, R_EVENT, 1);
		return 0;
	}
	if (!pf->evc[ev])
		pf->evc[ev] = import_event_slot(pf->sum, ev_names[ev],
						strlen(ev_names[ev]));
	(*pf->evc[ev])++;
	switch (ev) {
	case EV_LOCK_START:
	case EV_LOCK_ACQ:
	case EV_LOCK_REL:
		return do_lock(pf, &pl, ev);
	case EV_MMAP2:
	case EV_MMAP:
		return do_mmap_record(pf, &pl, ev, abs);
	default:
		break;
	}
	pl.t = tb_time(pf->tb, abs);
	task = task_of(pf, &pl);
	if (task == TB_NONE)
		return -1;
	switch (ev) {
	case EV_FAULT:
		return do_fault(pf, &pl, task);
	case EV_ENTER_MMAP:
		return do_enter_pair(pf, &pl, task, P_MMAP);
	case EV_ENTER_BRK:
		return do_enter_pair(pf, &pl, task, P_BRK);
	case EV_ENTER_MREMAP:
		return do_enter_pair(pf, &pl, task, P_MREMAP);
	case EV_EXIT_MMAP:
		return do_exit_pair(pf, &pl, task, P_MMAP);
	case EV_EXIT_BRK:
		return do_exit_pair(pf, &pl, task, P_BRK);
	case EV_EXIT_MREMAP:
		return do_exit_pair(pf, &pl, task, P_MREMAP);
	case EV_ENTER_MUNMAP:
	case EV_ENTER_MPROTECT:
	case EV_ENTER_MADVISE:
		return do_enter_single(pf, &pl, task, ev);
	case EV_FORK:
		return do_fork(pf, &pl, task);
	case EV_EXIT:
		return do_exit(pf, &pl, task);
	default:
		return bad(pf, "a known event");	/* not reached */
	}
}

static int perf_line(void *ctx, char *line)
{
	return do_line(ctx, line);
}

int import_perf(struct textin *in, const char *out_path,
		struct import_summary *sum, char *err, size_t errlen)
{
	struct perf pf = { .in = in, .sum = sum, .err = err,
			   .errlen = errlen };
	char src[512];
	uint32_t i;

	snprintf(sum->format, sizeof(sum->format), "perf");
	snprintf(sum->input_kind, sizeof(sum->input_kind), "%s",
		 textin_kind(in));
	pf.tb = tb_new(out_path, sum, err, errlen);
	if (!pf.tb)
		return -1;
	if (tb_read_lines(pf.tb, in, perf_line, &pf, err, errlen)) {
		tb_abort(pf.tb);
		return -1;
	}
	for (i = 0; i < tb_ntasks(pf.tb); i++)
		drop_pending(&pf, i);
	snprintf(src, sizeof(src), "perf script text %s (%s), %llu lines",
		 textin_path(in), textin_kind(in),
		 (unsigned long long)sum->lines);
	return tb_finish(pf.tb, src, err, errlen);
}
