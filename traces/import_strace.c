/*
 * strace -f -ttt text -> .mlt.
 *
 * Line shapes:
 *   PID  SECONDS.USEC NAME(ARGS) = RET
 *   PID  SECONDS.USEC NAME(ARGS <unfinished ...>
 *   PID  SECONDS.USEC <... NAME resumed>MORE) = RET
 *   PID  SECONDS.USEC +++ exited with N +++   (or killed by SIG)
 *   PID  SECONDS.USEC --- SIGNAL {...} ---
 * "[pid N] " prefixes and a missing PID (single process) are accepted.
 *
 * An interrupted call is stamped with its start (the unfinished line).
 *
 * Address spaces: strace with -e trace=memory shows no clone/execve, so
 * the mm of a new tid is guessed: a tid whose first call is brk(NULL) (what
 * the dynamic loader does first after execve) gets a new mm; any other new
 * tid is taken as a thread of the process that ran the line before it
 * (clone was called just before by a thread of that process).
 */
#include "traces/import_strace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

#define R_FAILED	"call failed (= -1 errno)"
#define R_UNKNOWN_RET	"call without a result (= ?)"
#define R_BRK_QUERY	"brk query (break unchanged)"
#define R_BRK_FAIL	"brk failed or unchanged"
#define R_SYSCALL	"syscall not modeled"
#define R_SIGNAL	"signal"
#define R_NO_UNFINISHED	"resumed without unfinished"
#define R_NO_RESUMED	"unfinished without resumed"
#define R_EXPIRED	"syscall outlived the reorder window"

#define MAX_ARGS	8
#define PEND_TEXT	512

enum call { C_MMAP, C_MUNMAP, C_MPROTECT, C_BRK, C_MADVISE, C_MREMAP,
	    C_OTHER };

static const char *const call_names[] = {
	"mmap", "munmap", "mprotect", "brk", "madvise", "mremap",
};

struct st {
	struct textin *in;
	struct tbuild *tb;
	struct import_summary *sum;
	const struct strace_opts *opts;
	uint32_t last_task;
	char *err;
	size_t errlen;
	/* Text of unfinished calls, per task (grown on demand). */
	char (*pend)[PEND_TEXT];
	uint32_t npend;
};

struct sym {
	const char *name;
	uint64_t val;
};

static const struct sym prot_syms[] = {
	{ "PROT_NONE", 0 }, { "PROT_READ", 1 }, { "PROT_WRITE", 2 },
	{ "PROT_EXEC", 4 }, { "PROT_SEM", 8 }, { "PROT_GROWSDOWN", 0x01000000 },
	{ "PROT_GROWSUP", 0x02000000 }, { "PROT_BTI", 0x10 }, { "PROT_MTE", 0x20 },
	{ NULL, 0 }
};

static const struct sym map_syms[] = {
	{ "MAP_SHARED", 0x01 }, { "MAP_PRIVATE", 0x02 },
	{ "MAP_SHARED_VALIDATE", 0x03 }, { "MAP_FIXED", 0x10 },
	{ "MAP_ANONYMOUS", 0x20 }, { "MAP_ANON", 0x20 }, { "MAP_32BIT", 0x40 },
	{ "MAP_GROWSDOWN", 0x100 }, { "MAP_DENYWRITE", 0x800 },
	{ "MAP_EXECUTABLE", 0x1000 }, { "MAP_LOCKED", 0x2000 },
	{ "MAP_NORESERVE", 0x4000 }, { "MAP_POPULATE", 0x8000 },
	{ "MAP_NONBLOCK", 0x10000 }, { "MAP_STACK", 0x20000 },
	{ "MAP_HUGETLB", 0x40000 }, { "MAP_SYNC", 0x80000 },
	{ "MAP_FIXED_NOREPLACE", 0x100000 }, { "MAP_UNINITIALIZED", 0x4000000 },
	{ NULL, 0 }
};

static const struct sym madv_syms[] = {
	{ "MADV_NORMAL", 0 }, { "MADV_RANDOM", 1 }, { "MADV_SEQUENTIAL", 2 },
	{ "MADV_WILLNEED", 3 }, { "MADV_DONTNEED", 4 }, { "MADV_FREE", 8 },
	{ "MADV_REMOVE", 9 }, { "MADV_DONTFORK", 10 }, { "MADV_DOFORK", 11 },
	{ "MADV_MERGEABLE", 12 }, { "MADV_UNMERGEABLE", 13 },
	{ "MADV_HUGEPAGE", 14 }, { "MADV_NOHUGEPAGE", 15 },
	{ "MADV_DONTDUMP", 16 }, { "MADV_DODUMP", 17 },
	{ "MADV_WIPEONFORK", 18 }, { "MADV_KEEPONFORK", 19 },
	{ "MADV_COLD", 20 }, { "MADV_PAGEOUT", 21 },
	{ "MADV_POPULATE_READ", 22 }, { "MADV_POPULATE_WRITE", 23 },
	{ "MADV_DONTNEED_LOCKED", 24 }, { "MADV_COLLAPSE", 25 },
	{ "MADV_HWPOISON", 100 }, { "MADV_SOFT_OFFLINE", 101 },
	{ NULL, 0 }
};

static const struct sym mremap_syms[] = {
	{ "MREMAP_MAYMOVE", 1 }, { "MREMAP_FIXED", 2 },
	{ "MREMAP_DONTUNMAP", 4 }, { NULL, 0 }
};

/*
 * The ")  = RESULT" that ends a call (strace pads short calls with spaces
 * before '=').  Returns the ')' or NULL.
 */
static char *find_ret(char *p, char **ret)
{
	for (p = strchr(p, ')'); p; p = strchr(p + 1, ')')) {
		char *q = p + 1;

		while (*q == ' ')
			q++;
		if (q[0] == '=' && q[1] == ' ') {
			*ret = q + 2;
			return p;
		}
	}
	return NULL;
}

static int bad(struct st *s, const char *what)
{
	snprintf(s->err, s->errlen, "%s:%llu: expected %s",
		 textin_path(s->in), (unsigned long long)textin_lineno(s->in),
		 what);
	return -1;
}

/* "PID  SECONDS.USEC " or "[pid PID] SECONDS.USEC " or "SECONDS.USEC ". */
static const char *parse_prefix(const char *p, uint64_t *pid, uint64_t *ns)
{
	const char *q;

	*pid = 0;
	if (!strncmp(p, "[pid ", 5)) {
		p += 5;
		while (*p == ' ')
			p++;
		if (tb_parse_num(&p, pid) < 0 || *p++ != ']')
			return NULL;
	} else {
		q = p;
		if (tb_parse_num(&q, pid) == 0 && *q == ' ')
			p = q;
		else
			*pid = 0;
	}
	while (*p == ' ')
		p++;
	if (tb_parse_time(&p, ns) < 0 || *p != ' ')
		return NULL;
	return p + 1;
}

int strace_line_looks(const char *line)
{
	uint64_t pid, ns;
	const char *p = parse_prefix(line, &pid, &ns);

	if (!p)
		return 0;
	if (!strncmp(p, "+++ ", 4) || !strncmp(p, "--- ", 4) ||
	    !strncmp(p, "<... ", 5))
		return 1;
	while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
	       *p == '_')
		p++;
	return *p == '(';
}

static enum call call_of(const char *name, size_t n)
{
	int i;

	for (i = 0; i < C_OTHER; i++)
		if (strlen(call_names[i]) == n && !memcmp(call_names[i], name, n))
			return (enum call)i;
	return C_OTHER;
}

/* Split the top-level ARGS (between the parentheses) at ", ". */
static int split_args(char *a, char *argv[], int max)
{
	int n = 0, depth = 0;
	char *start = a;

	while (*a == ' ')
		a++;
	if (!*a)
		return 0;
	for (start = a; *a; a++) {
		if (*a == '(' || *a == '[' || *a == '{')
			depth++;
		else if (*a == ')' || *a == ']' || *a == '}')
			depth--;
		else if (*a == ',' && !depth) {
			*a = '\0';
			if (n < max)
				argv[n++] = start;
			start = a + 1;
			while (*start == ' ')
				start++;
		}
	}
	if (n < max)
		argv[n++] = start;
	return n;
}

/* A number, NULL, or SYM|SYM|0xNUM. */
static int value(const char *a, const struct sym *syms, uint64_t *v)
{
	const char *p = a;

	*v = 0;
	if (!strcmp(a, "NULL"))
		return 0;
	for (;;) {
		uint64_t x;

		if (tb_parse_num(&p, &x) == 0) {
			*v |= x;
		} else {
			const struct sym *s;
			size_t n = strcspn(p, "|");

			for (s = syms; s && s->name; s++)
				if (strlen(s->name) == n && !strncmp(s->name, p, n))
					break;
			if (!s || !s->name)
				return -1;
			*v |= s->val;
			p += n;
		}
		if (*p != '|')
			break;
		p++;
	}
	return *p ? -1 : 0;
}

static uint32_t task_for(struct st *s, uint32_t tid, const char *call,
			 const char *args)
{
	uint32_t task = tb_lookup(s->tb, tid), mm;
	char comm[MLT_COMM_LEN];

	if (task != TB_NONE)
		return task;
	if ((!strcmp(call, "brk") && !strncmp(args, "NULL", 4)) ||
	    s->last_task == TB_NONE)
		mm = tb_new_mm(s->tb, tid);
	else
		mm = tb_task_mm(s->tb, s->last_task);
	if (mm == TB_NONE)
		return TB_NONE;
	snprintf(comm, sizeof(comm), "%u", tid);
	task = tb_add_task(s->tb, tid, mm, comm, strlen(comm));
	if (task != TB_NONE && task >= s->npend) {
		uint32_t n = task * 2 + 16;
		s->pend = xreallocarray(s->pend, n, sizeof(*s->pend));
		s->npend = n;
	}
	return task;
}

static int synth(struct st *s, const struct mlt_record *m, uint64_t now,
		 uint64_t lo, uint64_t hi)
{
	struct mlt_record f = { .time_ns = now, .task = m->task,
				.op = MLT_FAULT, .flags = MLT_F_WRITE };
	uint64_t a, n = 0;

	lo &= ~4095ull;
	for (a = lo; a < hi; a += 4096) {
		if (s->opts->synth_max_pages && n++ >= s->opts->synth_max_pages)
			break;
		f.addr = a;
		if (tb_emit(s->tb, &f) < 0)
			return -1;
		s->sum->synth_faults++;
	}
	return 0;
}

/*
 * A complete call: NAME(ARGS) = RET, started at T, returned at NOW.
 * Synthesized faults follow the return (NOW), which also keeps them after
 * any other thread's call that began in between.
 */
static int do_call(struct st *s, uint32_t task, enum call c, uint64_t t,
		   uint64_t now, char *args, const char *ret, uint64_t slot, int reserved)
{
	struct mlt_record r = { .time_ns = t, .task = task };
	char *argv[MAX_ARGS];
	int argc = split_args(args, argv, MAX_ARGS);
	uint64_t v[MAX_ARGS] = { 0 }, rv, *brk;
	const char *skip = NULL, *p = ret;
	int rc, anon_w = 0;

	static const int nargs[] = { 6, 2, 3, 1, 3, 4 };
	static const struct sym *const syms[][6] = {
		[C_MMAP] = { NULL, NULL, prot_syms, map_syms, NULL, NULL },
		[C_MPROTECT] = { NULL, NULL, prot_syms },
		[C_MADVISE] = { NULL, NULL, madv_syms },
		[C_MREMAP] = { NULL, NULL, NULL, mremap_syms, NULL },
	};
	int i;

	if (argc < nargs[c] || (c == C_MREMAP && argc > 5))
		return bad(s, "the arguments of a memory syscall");
	for (i = 0; i < argc && i < 6; i++)
		if (value(argv[i], syms[c][i], &v[i]) < 0)
			return bad(s, "numbers or known flag names as syscall arguments");
	if (!strncmp(p, "? ", 2) || !strcmp(p, "?")) {
		skip = R_UNKNOWN_RET;
	} else if (tb_parse_num(&p, &rv) < 0) {
		return bad(s, "a return value after '= '");
	} else if (rv == (uint64_t)-1 && p[0] == ' ' && p[1] == 'E') {
		skip = R_FAILED;
	}
	if (!skip) {
		switch (c) {
		case C_MMAP:
			r.op = MLT_MMAP;
			r.addr = rv;
			r.len = v[1];
			r.arg0 = v[2];
			r.arg1 = v[3];
			r.flags = (uint8_t)(((v[2] & 2) ? MLT_F_WRITE : 0) |
					    ((v[2] & 4) ? MLT_F_EXEC : 0) |
					    ((v[3] & 1) ? MLT_F_SHARED : 0) |
					    ((v[3] & 0x100010) ? MLT_F_FIXED : 0));
			if (!(v[3] & 0x20) && (int64_t)v[4] >= 0)
				r.flags |= MLT_F_FILE;
			anon_w = !(r.flags & MLT_F_FILE) && (v[2] & 2);
			break;
		case C_MUNMAP:
			r.op = MLT_MUNMAP;
			r.addr = v[0];
			r.len = v[1];
			break;
		case C_MPROTECT:
			r.op = MLT_MPROTECT;
			r.addr = v[0];
			r.len = v[1];
			r.arg0 = v[2];
			r.flags = (uint8_t)(((v[2] & 2) ? MLT_F_WRITE : 0) |
					    ((v[2] & 4) ? MLT_F_EXEC : 0));
			break;
		case C_MADVISE:
			r.op = MLT_MADVISE;
			r.addr = v[0];
			r.len = v[1];
			r.arg0 = v[2];
			break;
		case C_MREMAP:
			r.op = MLT_MREMAP;
			r.addr = v[0];
			r.len = v[1];
			r.arg0 = v[2];
			r.arg1 = rv;
			if (v[3] & 2)
				r.flags = MLT_F_FIXED;
			break;
		case C_BRK:
			brk = tb_mm_brk(s->tb, tb_task_mm(s->tb, task));
			if (!v[0]) {
				skip = R_BRK_QUERY;
			} else if (rv != v[0] || rv == *brk) {
				skip = R_BRK_FAIL;
			} else {
				r.op = MLT_BRK;
				r.addr = rv;
				r.arg0 = *brk;
			}
			*brk = rv;
			break;
		default:
			break;
		}
	}
	if (skip) {
		if (reserved)
			tb_drop(s->tb, slot);
		import_skip(s->sum, skip, reserved ? 2 : 1);
		return 0;
	}
	if (reserved) {
		rc = tb_fill(s->tb, slot, &r);
		if (rc > 0) {
			import_skip(s->sum, R_EXPIRED, 2);
			return 0;
		}
	} else {
		rc = tb_emit(s->tb, &r);
	}
	if (rc < 0)
		return -1;
	s->sum->imported_lines += reserved ? 2 : 1;
	if (s->opts->synth_faults) {
		if (anon_w)
			return synth(s, &r, now, r.addr, r.addr + r.len);
		if (r.op == MLT_BRK && r.arg0 && r.addr > r.arg0)
			return synth(s, &r, now, r.arg0, r.addr);
	}
	return 0;
}

static void drop_pending(struct st *s, uint32_t task)
{
	struct tb_pending *pd = tb_pending(s->tb, task);

	if (!pd->kind)
		return;
	tb_drop(s->tb, pd->slot);
	pd->kind = 0;
	import_skip(s->sum, R_NO_RESUMED, 1);
}

static int do_line(struct st *s, char *line)
{
	uint64_t pid, abs, t;
	char *p = (char *)parse_prefix(line, &pid, &abs);
	char *name, *e, *ret;
	struct tb_pending *pd;
	uint32_t task;
	enum call c;
	size_t n;

	if (!p)
		return bad(s, "'PID SECONDS.USEC SYSCALL(ARGS) = RESULT' (strace -f -ttt)");
	if (pid > UINT32_MAX)
		return bad(s, "a pid below 2^32");
	s->sum->event_lines++;
	tb_see_tid(s->tb, (uint32_t)pid);
	t = tb_time(s->tb, abs);
	if (!strncmp(p, "+++ ", 4)) {
		(*import_event_slot(s->sum, "exit", 4))++;
		task = tb_lookup(s->tb, (uint32_t)pid);
		if (task == TB_NONE) {
			import_skip(s->sum, "exit of a task with no memory calls", 1);
			return 0;
		}
		drop_pending(s, task);
		if (tb_exit(s->tb, t, task) < 0)
			return -1;
		s->sum->imported_lines++;
		return 0;
	}
	if (!strncmp(p, "--- ", 4)) {
		(*import_event_slot(s->sum, "signal", 6))++;
		import_skip(s->sum, R_SIGNAL, 1);
		return 0;
	}
	if (!strncmp(p, "<... ", 5)) {
		/* <... NAME resumed>MORE) = RET */
		name = p + 5;
		n = strcspn(name, " ");
		if (strncmp(name + n, " resumed>", 9))
			return bad(s, "'<... NAME resumed>'");
		{
			char ev[IMPORT_NAME_LEN];

			snprintf(ev, sizeof(ev), "%.*s resumed", (int)n, name);
			(*import_event_slot(s->sum, ev, strlen(ev)))++;
		}
		c = call_of(name, n);
		task = tb_lookup(s->tb, (uint32_t)pid);
		pd = task == TB_NONE ? NULL : tb_pending(s->tb, task);
		if (c == C_OTHER) {
			import_skip(s->sum, R_SYSCALL, 1);
			return 0;
		}
		if (!pd || pd->kind != (int)c + 1) {
			import_skip(s->sum, R_NO_UNFINISHED, 1);
			return 0;
		}
		p = name + n + 9;
		e = find_ret(p, &ret);
		if (!e)
			return bad(s, "') = RESULT' after resumed");
		*e = '\0';
		{
			char joined[PEND_TEXT * 2];

			snprintf(joined, sizeof(joined), "%s%s", s->pend[task], p);
			pd->kind = 0;
			s->last_task = task;
			return do_call(s, task, c, 0, t, joined, ret, pd->slot, 1);
		}
	}
	name = p;
	n = strcspn(name, "(");
	if (!name[n] || !n)
		return bad(s, "a syscall 'NAME(ARGS) = RESULT', '+++' or '---'");
	(*import_event_slot(s->sum, name, n))++;
	c = call_of(name, n);
	if (c == C_OTHER) {
		import_skip(s->sum, R_SYSCALL, 1);
		return 0;
	}
	name[n] = '\0';
	p = name + n + 1;
	task = task_for(s, (uint32_t)pid, name, p);
	if (task == TB_NONE)
		return -1;	/* the builder says why (too many mms) */

	e = strstr(p, " <unfinished ...>");
	if (e) {
		*e = '\0';
		drop_pending(s, task);
		pd = tb_pending(s->tb, task);
		if (strlen(p) >= PEND_TEXT)
			return bad(s, "syscall arguments shorter than 512 bytes");
		memcpy(s->pend[task], p, strlen(p) + 1);
		pd->kind = (int)c + 1;
		pd->slot = tb_reserve(s->tb, t, task);
		s->last_task = task;
		return 0;
	}
	e = find_ret(p, &ret);
	if (!e)
		return bad(s, "') = RESULT'");
	*e = '\0';
	s->last_task = task;
	return do_call(s, task, c, t, t, p, ret, 0, 0);
}

static int strace_line(void *ctx, char *line)
{
	return do_line(ctx, line);
}

int import_strace(struct textin *in, const char *out_path,
		  const struct strace_opts *opts, struct import_summary *sum,
		  char *err, size_t errlen)
{
	struct st s = { .in = in, .sum = sum, .opts = opts, .err = err,
			.errlen = errlen, .last_task = TB_NONE };
	char src[512];
	uint32_t i;

	snprintf(sum->format, sizeof(sum->format), "strace");
	snprintf(sum->input_kind, sizeof(sum->input_kind), "%s",
		 textin_kind(in));
	s.tb = tb_new(out_path, sum, err, errlen);
	if (!s.tb)
		return -1;
	if (tb_read_lines(s.tb, in, strace_line, &s, err, errlen)) {
		free(s.pend);
		tb_abort(s.tb);
		return -1;
	}
	for (i = 0; i < tb_ntasks(s.tb); i++)
		drop_pending(&s, i);
	free(s.pend);
	snprintf(src, sizeof(src), "strace -f -ttt text %s (%s), %llu lines%s",
		 textin_path(in), textin_kind(in),
		 (unsigned long long)sum->lines,
		 opts->synth_faults ? ", faults synthesized" : "");
	return tb_finish(s.tb, src, err, errlen);
}
