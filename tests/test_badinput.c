/*
 * Bad input, end to end.  Every input path gets malformed,
 * truncated, empty, huge, binary and hostile input, and must answer the
 * way DESIGN.md, "Rules of the house", says: exit status 2, exactly one
 * line on stderr naming the file, a position in it (line, byte offset or record) and what
 * was expected; no crash; no output file left behind, and an output that
 * already existed untouched.
 *
 * Trace files, generator parameters and the command line go through the
 * real binary (test_bindir/mmlocksim), so exit status, stderr and the
 * files left behind are what a user sees; machine INI files have no
 * command yet and go through machine_load_ini().  The crash inputs the
 * fuzzers found (tests/fuzz/regress/TARGET/) are replayed the same way.
 * Run from the repository root.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sqlite3.h>
#include <zlib.h>

#include "tests/scratch.h"
#include "tests/test.h"
#include "sim/core/machine.h"
#include "traces/mlt.h"
#include "test.h"
#include "../analysis/store.h"
#include "sim/core/machine.h"
#include "../traces/mlt.h"

extern const struct test_case badinput_tests[];

/* A run that takes longer than this is a hang (the binary is killed). */
#define RUN_TIMEOUT	20

/* Scratch directory of this test (tests run in child processes). */
static char topdir[256];
/* Directory of the current case: the input, and nothing else after. */
static char casedir[320];
static int ncases;
/* Inputs (runs of the binary or loader calls) tried by this test. */
static int ntried;

static void cleanup(void)
{
	char cmd[300];

	if (topdir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", topdir);
		if (system(cmd) != 0)
			fprintf(stderr, "cleanup of %s failed\n", topdir);
	}
}

/* A fresh, empty directory for the next case. */
static const char *new_case(void)
{
	if (!topdir[0]) {
		const char *d = getenv("TMPDIR");

		snprintf(topdir, sizeof(topdir), "%s/mlt-bad-XXXXXX",
			 d && *d ? d : "/tmp");
		if (!mkdtemp(topdir))
			abort();
		atexit(cleanup);
	}
	snprintf(casedir, sizeof(casedir), "%s/%d", topdir, ++ncases);
	if (mkdir(casedir, 0755) < 0)
		abort();
	return casedir;
}

static const char *cpath(const char *name)
{
	static char buf[4][400];
	static unsigned k;
	char *p = buf[k++ & 3];

	snprintf(p, sizeof(buf[0]), "%s/%s", casedir, name);
	return p;
}

static int put(const char *name, const void *data, size_t n)
{
	FILE *f = fopen(cpath(name), "wb");

	if (!f)
		return -1;
	if (n && fwrite(data, 1, n, f) != n) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

static int puts_file(const char *name, const char *text)
{
	return put(name, text, strlen(text));
}

/* Entries of the case directory, or -1. */
static int entries(void)
{
	return dir_entries(casedir);
}

/* ---- Running the binary ---- */

struct run {
	int status;		/* exit status, -1 if killed by a signal */
	int sig;
	char err[4096];		/* stderr, NUL-terminated */
};

/*
 * Run mmlocksim with ARGV (NULL-terminated, without argv[0]) and $TMPDIR
 * in the case directory, so its scratch files are counted too.
 */
static int run(char *const argv[], struct run *r)
{
	char bin[300], errpath[400];
	char *args[32];
	int i, status, fd;
	pid_t pid;
	FILE *f;
	size_t n;

	ntried++;
	snprintf(bin, sizeof(bin), "%s/mmlocksim", test_bindir);
	snprintf(errpath, sizeof(errpath), "%s.stderr", casedir);
	args[0] = bin;
	for (i = 0; argv[i] && i < 30; i++)
		args[i + 1] = argv[i];
	args[i + 1] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			_exit(126);
		dup2(fd, 2);
		close(fd);
		fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		close(fd);
		setenv("TMPDIR", casedir, 1);
		/* A pending alarm survives exec: a hang dies of SIGALRM. */
		alarm(RUN_TIMEOUT);
		execv(bin, args);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	r->sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	f = fopen(errpath, "r");
	n = f ? fread(r->err, 1, sizeof(r->err) - 1, f) : 0;
	r->err[n] = '\0';
	if (f)
		fclose(f);
	unlink(errpath);
	return 0;
}

static void show(const char *what, char *const argv[], const struct run *r)
{
	int i;

	fprintf(stderr, "  case %s:", what);
	for (i = 0; argv[i]; i++)
		fprintf(stderr, " %s", argv[i]);
	fprintf(stderr, "\n  status %d signal %d, stderr:\n%s\n", r->status,
		r->sig, r->err);
}

/* One line, ending in a newline, with no control characters in it. */
static int one_line(const char *s)
{
	size_t n = strlen(s);
	size_t i;

	if (!n || s[n - 1] != '\n')
		return 0;
	for (i = 0; i + 1 < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* The line says what was wanted (a list of valid names counts). */
static int says_expected(const char *s)
{
	return strstr(s, "expected") || strstr(s, "valid:");
}

/*
 * A bad-input answer: status 2, no signal, one line holding WANT1 and
 * WANT2 (NULL: not checked), saying what was expected.
 */
static int check_bad(const char *what, char *const argv[], const struct run *r,
		     const char *want1, const char *want2)
{
	if (r->sig || r->status != 2 || !one_line(r->err) ||
	    !says_expected(r->err) || (want1 && !strstr(r->err, want1)) ||
	    (want2 && !strstr(r->err, want2))) {
		fprintf(stderr, "bad-input contract broken (want '%s' '%s'):\n",
			want1 ? want1 : "", want2 ? want2 : "");
		show(what, argv, r);
		return 1;
	}
	return 0;
}

/* ---- Trace files: import and stats ---- */

/* Run only `import`, not `stats` too (for the slow, huge inputs). */
#define T_IMPORT_ONLY	1
/* Run only `stats` (a .mlt: `import` refuses it at byte 0 whatever it holds). */
#define T_STATS_ONLY	2

/*
 * DATA as trace file NAME must be refused by `import` (with no output and
 * with an output that already exists) and by `stats`, each naming the file
 * and POS right after it (e.g. ":3:" or ": byte 0"; NULL: the file only).
 */
static int bad_trace(const char *what, const char *name, const void *data,
		     size_t n, const char *pos, int flags)
{
	static const char keep[] = "an older trace, to be kept\n";
	char want[512], out[400], in[400], got[64];
	struct run r;
	FILE *f;
	size_t k;

	new_case();
	if (put(name, data, n) < 0)
		return 1;
	snprintf(in, sizeof(in), "%s", cpath(name));
	snprintf(out, sizeof(out), "%s", cpath("out.mlt"));
	snprintf(want, sizeof(want), "%s%s", in, pos ? pos : "");
	if (!(flags & T_STATS_ONLY)) {
		char *argv[] = { "import", in, "-o", out, NULL };

		if (run(argv, &r) < 0 || check_bad(what, argv, &r, want, NULL))
			return 1;
		if (entries() != 1) {
			fprintf(stderr, "%s: import left %d files behind\n",
				what, entries() - 1);
			return 1;
		}
		/* An existing output survives a failed import untouched. */
		if (puts_file("out.mlt", keep) < 0 || run(argv, &r) < 0 ||
		    check_bad(what, argv, &r, want, NULL))
			return 1;
		f = fopen(out, "r");
		k = f ? fread(got, 1, sizeof(got) - 1, f) : 0;
		got[k] = '\0';
		if (f)
			fclose(f);
		if (strcmp(got, keep) || entries() != 2) {
			fprintf(stderr, "%s: failed import touched the output or left files\n",
				what);
			return 1;
		}
		unlink(out);
	}
	if (!(flags & T_IMPORT_ONLY)) {
		char *argv[] = { "stats", in, NULL };

		if (run(argv, &r) < 0 || check_bad(what, argv, &r, want, NULL))
			return 1;
		if (entries() != 1) {
			fprintf(stderr, "%s: stats left %d files behind\n", what,
				entries() - 1);
			return 1;
		}
	}
	return 0;
}

static int bad_text(const char *what, const char *text, const char *pos)
{
	return bad_trace(what, "in.txt", text, strlen(text), pos, 0);
}

/*
 * Hostile but not necessarily wrong: whatever the answer, no signal, and
 * a refusal follows the contract.  Returns 1 on a broken promise.
 */
static int survives(const char *what, const char *name, const void *data,
		    size_t n)
{
	char in[400], out[400];
	struct run r;

	new_case();
	if (put(name, data, n) < 0)
		return 1;
	snprintf(in, sizeof(in), "%s", cpath(name));
	snprintf(out, sizeof(out), "%s", cpath("out.mlt"));
	{
		char *argv[] = { "import", in, "-o", out, NULL };

		if (run(argv, &r) < 0)
			return 1;
		if (r.sig || (r.status != 0 && check_bad(what, argv, &r, in, NULL)) ||
		    (r.status == 0 && r.err[0])) {
			show(what, argv, &r);
			return 1;
		}
		unlink(out);
	}
	{
		char *argv[] = { "stats", in, NULL };

		if (run(argv, &r) < 0)
			return 1;
		if (r.sig || (r.status != 0 && check_bad(what, argv, &r, in, NULL))) {
			show(what, argv, &r);
			return 1;
		}
	}
	if (entries() != 1) {
		fprintf(stderr, "%s: files left behind\n", what);
		return 1;
	}
	return 0;
}

#define PERF_HEAD	"   xz  1/1  [000]   1.000000: "
#define PERF_FAULT	PERF_HEAD "exceptions:page_fault_user: address=0x1000 ip=0x1 error_code=0x6\n"
#define STRACE_BRK	"7  1.000000 brk(NULL) = 0x1000000\n"

static int t_perf(void)
{
	static const struct { const char *what, *text, *pos; } cases[] = {
		{ "empty", "", ": byte 0" },
		{ "blank and comments", "\n  \n# perf\n\r\n", ": byte " },
		{ "not a trace", "hello world\n", ":1:" },
		{ "line cut in the head", PERF_FAULT "   xz  1/1  [000]   1.0000", ":2:" },
		{ "last line cut in the event name", PERF_FAULT "   xz  1/1  [000]   1.000001: "
		  "exceptions:page_fa", ":2:" },
		{ "line cut in the payload", PERF_FAULT PERF_HEAD "exceptions:page_fault_user: address=", ":2:" },
		{ "no error_code", PERF_FAULT PERF_HEAD "exceptions:page_fault_user: address=0x1000 ip=0x1\n", ":2:" },
		{ "65-bit address", PERF_HEAD "exceptions:page_fault_user: address=0x10000000000000000 ip=0x1 error_code=0x6\n", ":1:" },
		{ "21-digit address", PERF_FAULT PERF_HEAD "exceptions:page_fault_user: address=999999999999999999999 ip=0x1 error_code=0x6\n", ":2:" },
		{ "11-digit tid", PERF_FAULT "   xz  1/99999999999  [000]   1.000000: exceptions:page_fault_user: address=0x1000 ip=0x1 error_code=0x6\n", ":2:" },
		{ "time past 2^64 ns", PERF_FAULT "   xz  1/1  [000]   99999999999999999999.000000: exceptions:page_fault_user: address=0x1000 ip=0x1 error_code=0x6\n", ":2:" },
		{ "negative time", PERF_FAULT "   xz  1/1  [000]   -1.000000: exceptions:page_fault_user: address=0x1000 ip=0x1 error_code=0x6\n", ":2:" },
		{ "mmap without fields", PERF_FAULT PERF_HEAD "syscalls:sys_enter_mmap: addr: 0x0, len: 0x1000\n", ":2:" },
		{ "mmap exit without value", PERF_FAULT PERF_HEAD "syscalls:sys_enter_mmap: addr: 0x0, len: 0x1000, prot: 0x3, flags: 0x22, fd: 0xffffffff, off: 0x0\n" PERF_HEAD "syscalls:sys_exit_mmap: banana\n", ":3:" },
		{ "brk without value", PERF_FAULT PERF_HEAD "syscalls:sys_enter_brk: brk:\n", ":2:" },
		{ "mremap short", PERF_FAULT PERF_HEAD "syscalls:sys_enter_mremap: addr: 0x1000, old_len: 0x1000\n", ":2:" },
		{ "munmap short", PERF_FAULT PERF_HEAD "syscalls:sys_enter_munmap: addr: 0x1000\n", ":2:" },
		{ "mprotect short", PERF_FAULT PERF_HEAD "syscalls:sys_enter_mprotect: start: 0x1000, len: 0x1000\n", ":2:" },
		{ "madvise short", PERF_FAULT PERF_HEAD "syscalls:sys_enter_madvise: start: 0x1000\n", ":2:" },
		{ "fork without child", PERF_FAULT PERF_HEAD "sched:sched_process_fork: comm=xz pid=1\n", ":2:" },
		{ "exit without pid", PERF_FAULT PERF_HEAD "sched:sched_process_exit: comm=xz\n", ":2:" },
		{ "mmap_lock without mm", PERF_FAULT PERF_HEAD "mmap_lock:mmap_lock_released: write=true\n", ":2:" },
		{ "MMAP2 garbled", PERF_FAULT PERF_HEAD "PERF_RECORD_MMAP2 1/1: [0x400000 @ 0]: r-xp /bin/a\n", ":2:" },
		{ "MMAP2 short perms", PERF_FAULT PERF_HEAD "PERF_RECORD_MMAP2 1/1: [0x400000(0x1000) @ 0 fe:00 1 0]: r /bin/a\n", ":2:" },
		{ "CRLF with a bad line", PERF_FAULT "\r\n" PERF_HEAD "exceptions:page_fault_user: ip=0x1\r\n", ":3:" },
		{ "CR only with a bad line", PERF_HEAD "exceptions:page_fault_user: address=0x1000 ip=0x1 error_code=0x6\r" PERF_HEAD "exceptions:page_fault_user: address=0x2000 ip=0x1 error_code=0x6\r" PERF_HEAD "exceptions:page_fault_user: ip=0x1\r", ":3:" },
		{ "strace line in perf", PERF_FAULT STRACE_BRK, ":2:" },
		/* A number runs to the end of its word: no prefix of a corrupted one is taken. */
		{ "letter in the address", PERF_FAULT PERF_HEAD "exceptions:page_fault_user: address=0x7fd6g67d7b70 ip=0x1 error_code=0x6\n", ":2:" },
		{ "letter in ip", PERF_FAULT PERF_HEAD "exceptions:page_fault_user: address=0x1000 ip=0x1q error_code=0x6\n", ":2:" },
		{ "letter in error_code", PERF_FAULT PERF_HEAD "exceptions:page_fault_user: address=0x1000 ip=0x1 error_code=0x6k\n", ":2:" },
		{ "fraction in a length", PERF_FAULT PERF_HEAD "syscalls:sys_enter_munmap: addr: 0x1000, len: 4096.5\n", ":2:" },
		{ "letter in a result", PERF_FAULT PERF_HEAD "syscalls:sys_enter_mmap: addr: 0x0, len: 0x1000, prot: 0x3, flags: 0x22, fd: 0xffffffff, off: 0x0\n" PERF_HEAD "syscalls:sys_exit_mmap: 0x7f00z0000000\n", ":3:" },
		{ "letter in a child pid", PERF_FAULT PERF_HEAD "sched:sched_process_fork: comm=xz pid=1 child_comm=xz child_pid=12x\n", ":2:" },
		/* A clock set back by an hour, or a corrupted time: not raised to the latest. */
		{ "time an hour back", PERF_FAULT "   xz  1/1  [000]   3601.000000: exceptions:page_fault_user: address=0x2000 ip=0x1 error_code=0x6\n" PERF_FAULT, ":3:" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (bad_text(cases[i].what, cases[i].text, cases[i].pos))
			return 1;
	fprintf(stderr, "%d inputs\n", ntried);
	return 0;
}

static int t_strace(void)
{
	static const struct { const char *what, *text, *pos; } cases[] = {
		{ "cut in the args", STRACE_BRK "7  1.000001 mmap(NULL, 8192, PROT_READ", ":2:" },
		{ "no result", STRACE_BRK "7  1.000001 munmap(0x1000, 4096) =\n", ":2:" },
		{ "result not a number", STRACE_BRK "7  1.000001 munmap(0x1000, 4096) = zero\n", ":2:" },
		{ "unknown flag", STRACE_BRK "7  1.000001 mprotect(0x1000, 4096, PROT_BOGUS) = 0\n", ":2:" },
		{ "too few args", STRACE_BRK "7  1.000001 munmap(0x1000) = 0\n", ":2:" },
		{ "too many mremap args", STRACE_BRK "7  1.000001 mremap(0x1000, 1, 2, 3, 4, 5) = 0x1000\n", ":2:" },
		{ "65-bit address", STRACE_BRK "7  1.000001 munmap(0x10000000000000000, 4096) = 0\n", ":2:" },
		{ "21-digit length", STRACE_BRK "7  1.000001 munmap(0x1000, 999999999999999999999) = 0\n", ":2:" },
		{ "pid past 2^32", STRACE_BRK "99999999999  1.000001 brk(NULL) = 0x1000\n", ":2:" },
		{ "time past 2^64 ns", STRACE_BRK "7  99999999999999999999.000001 brk(NULL) = 0x1000\n", ":2:" },
		{ "garbage line", STRACE_BRK "this is not strace\n", ":2:" },
		{ "empty name", STRACE_BRK "7  1.000001 (NULL) = 0\n", ":2:" },
		{ "bad resumed", STRACE_BRK "7  1.000001 munmap(0x1000, 4096 <unfinished ...>\n7  1.000002 <... munmap resumed> = 0\n", ":3:" },
		{ "resumed without name end", STRACE_BRK "7  1.000001 <... munmap\n", ":2:" },
		{ "CRLF with a bad line", "7  1.000000 brk(NULL) = 0x1000000\r\n7  1.000001 munmap(0x1000) = 0\r\n", ":2:" },
		{ "CR only with a bad line", "7  1.000000 brk(NULL) = 0x1000000\r7  1.000001 munmap(0x1000) = 0\r", ":2:" },
		{ "perf line in strace", STRACE_BRK PERF_FAULT, ":2:" },
		{ "letter in a result", STRACE_BRK "7  1.000001 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f00g000\n", ":2:" },
		/* The time jumps to 4e9 s on line 3 and is back on line 4. */
		{ "time jump", STRACE_BRK "7  1.000001 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n"
		  "7  4000000000.000000 munmap(0x7f0000000000, 8192) = 0\n7  3.000000 brk(0x1021000) = 0x1021000\n", ":4:" },
		/* Back 40 s, to before the first line's time: still a step back. */
		{ "time back before the first", "7  41.000000 brk(NULL) = 0x1000000\n"
		  "7  41.000001 brk(0x1021000) = 0x1021000\n7  1.000000 brk(0x1022000) = 0x1022000\n",
		  ":3:" },
	};
	char big[1200];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (bad_text(cases[i].what, cases[i].text, cases[i].pos))
			return 1;
	/* Unfinished-call arguments are kept in a fixed buffer. */
	snprintf(big, sizeof(big), STRACE_BRK "7  1.000001 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 3, 0%0700d <unfinished ...>\n", 0);
	if (bad_text("overlong unfinished call", big, ":2:"))
		return 1;
	fprintf(stderr, "%d inputs\n", ntried);
	return 0;
}

/* Deterministic junk (a fixed LCG): the same bytes on every run. */
static void junk(unsigned char *p, size_t n, uint32_t seed, int allow_nul)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (unsigned char)(seed >> 16);
		if (!allow_nul && !p[i])
			p[i] = 0xff;
	}
}

static int t_binary(void)
{
	unsigned char buf[4096];
	char *text;
	size_t n, i;
	int rc = 1;

	junk(buf, sizeof(buf), 1, 1);
	if (bad_trace("binary junk", "junk.bin", buf, sizeof(buf), ":", 0))
		return 1;
	junk(buf, sizeof(buf), 2, 0);
	if (bad_trace("binary junk without NULs", "junk.bin", buf,
		      sizeof(buf), ":", 0))
		return 1;
	/* NULs in a perf line beyond what detection looks at (64 KiB). */
	n = 1000 * strlen(PERF_FAULT) + 200;
	text = malloc(n);
	if (!text)
		return 1;
	for (i = 0; i < 1000; i++)
		memcpy(text + i * strlen(PERF_FAULT), PERF_FAULT, strlen(PERF_FAULT));
	n = 1000 * strlen(PERF_FAULT);
	memcpy(text + n, PERF_FAULT, strlen(PERF_FAULT));
	text[n + 40] = '\0';
	n += strlen(PERF_FAULT);
	if (bad_trace("NUL in line 1001", "in.txt", text, n, ":1001:", 0))
		goto out;
	/* And at the start, where detection sees it. */
	memcpy(text, PERF_FAULT, strlen(PERF_FAULT));
	text[10] = '\0';
	if (bad_trace("NUL in line 1", "in.txt", text, strlen(PERF_FAULT), ": byte 10", 0))
		goto out;
	fprintf(stderr, "%d inputs\n", ntried);
	rc = 0;
out:
	free(text);
	return rc;
}

static int t_huge(void)
{
	size_t n = 1 << 20, i, k;
	char *text = malloc(n + 256);
	int rc = 1;

	if (!text)
		return 1;
	/* A 1 MiB line that starts like an event. */
	k = strlen(PERF_HEAD "exceptions:page_fault_user: address=0x1000 ");
	memcpy(text, PERF_HEAD "exceptions:page_fault_user: address=0x1000 ", k);
	memset(text + k, 'x', n - k);
	text[n] = '\n';
	if (bad_trace("1 MiB event line", "in.txt", text, n + 1, ":1:", 0))
		goto out;
	/* 1 MiB of one letter, no newline at all. */
	memset(text, 'a', n);
	if (bad_trace("1 MiB, no newline", "in.txt", text, n, ":1:", 0))
		goto out;
	/* A 70 KB line after good ones. */
	k = 0;
	for (i = 0; i < 3; i++)
		k += (size_t)sprintf(text + k, "%s", PERF_FAULT);
	memset(text + k, 'y', 70000);
	text[k + 70000] = '\n';
	if (bad_trace("70 KB line 4", "in.txt", text, k + 70001, ":4:", 0))
		goto out;
	free(text);
	text = NULL;
	/*
	 * More processes than a .mlt can name (65535 mms): strace gives each
	 * tid whose first call is brk(NULL) an address space of its own.  Each
	 * is a thread too, so the replay's thread limit stops it first.
	 */
	n = 66000 * 40;
	text = malloc(n);
	if (!text)
		goto out;
	for (i = 0, k = 0; i < 66000; i++)
		k += (size_t)snprintf(text + k, n - k, "%zu 1.%06zu brk(NULL) = 0x1000\n",
				      i + 1, i % 1000000);
	if (bad_trace("66000 processes", "in.txt", text, k, ":16385:", T_IMPORT_ONLY))
		goto out;
	/* The replay's thread limit, at the line of the one thread too many. */
	for (i = 0, k = 0; i < 16385; i++)
		k += (size_t)snprintf(text + k, n - k, "   xz  1/%zu  [000]   1.%06zu: "
				      "exceptions:page_fault_user: address=0x1000 ip=0x1 "
				      "error_code=0x6\n", i + 1, i);
	if (bad_trace("16385 threads", "in.txt", text, k, ":16385:", 0))
		goto out;
	fprintf(stderr, "%d inputs\n", ntried);
	rc = 0;
out:
	free(text);
	return rc;
}

static size_t gz(const void *in, size_t n, unsigned char *out, size_t cap)
{
	z_stream z = { 0 };
	size_t done;

	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		return 0;
	}
	done = z.total_out;
	deflateEnd(&z);
	return done;
}

static int t_compressed(void)
{
	static const unsigned char xz_magic[] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	static const unsigned char gz_magic[] = { 0x1f, 0x8b };
	unsigned char text[8192], z[8192];
	size_t n = 0, zn;

	while (n + strlen(PERF_FAULT) < sizeof(text)) {
		memcpy(text + n, PERF_FAULT, strlen(PERF_FAULT));
		n += strlen(PERF_FAULT);
	}
	zn = gz(text, n, z, sizeof(z));
	if (!zn)
		return 1;
	if (bad_trace("gzip cut in half", "in.txt.gz", z, zn / 2, ": byte ", 0) ||
	    bad_trace("gzip magic only", "in.txt.gz", gz_magic, 2, ": byte ", 0) ||
	    bad_trace("xz magic only", "in.txt.xz", xz_magic, 6, ": byte ", 0))
		return 1;
	z[zn / 2] ^= 0x55;
	z[zn / 2 + 1] ^= 0xaa;
	if (bad_trace("gzip corrupted", "in.txt.gz", z, zn, ": byte ", 0))
		return 1;
	/* Compressed junk: the decompressed text is what is judged. */
	junk(text, 2048, 3, 1);
	zn = gz(text, 2048, z, sizeof(z));
	if (!zn || bad_trace("gzip of junk", "in.txt.gz", z, zn, ":", 0))
		return 1;
	fprintf(stderr, "%d inputs\n", ntried);
	return 0;
}

/* ---- .mlt files ---- */

struct mlt_img {
	unsigned char b[1024];
	size_t n;
};

/* A valid trace: 2 threads, 1 mm, source "t", NREC fault records. */
static void mlt_build(struct mlt_img *m, int nrec)
{
	struct mlt_record r = { .op = MLT_FAULT, .flags = MLT_F_WRITE };
	size_t off;
	int i;

	memset(m, 0, sizeof(*m));
	memcpy(m->b, MLT_MAGIC, 4);
	mlt_put32(m->b + 4, MLT_VERSION);
	mlt_put64(m->b + 8, (uint64_t)nrec);
	mlt_put32(m->b + 16, 2);
	mlt_put32(m->b + 20, 1);
	for (i = 0, off = 24; i < 2; i++, off += MLT_THREAD_SIZE) {
		mlt_put32(m->b + off, 100 + (uint32_t)i);
		mlt_put32(m->b + off + 4, 0);
		memcpy(m->b + off + 8, "t", 1);
	}
	mlt_put64(m->b + off, 42);		/* mm id */
	mlt_put32(m->b + off + 8, 1);		/* source length */
	m->b[off + 12] = 't';
	off = (off + 13 + 7) & ~(size_t)7;	/* = 88 */
	for (i = 0; i < nrec; i++, off += MLT_RECORD_SIZE) {
		r.time_ns = (uint64_t)i * 10;
		r.addr = 0x1000 * (uint64_t)(i + 1);
		r.task = (uint32_t)i & 1;
		mlt_encode(m->b + off, &r);
	}
	m->n = off;
}

#define MLT_REC0	88	/* byte offset of record 0 in mlt_build() */

static int bad_mlt(const char *what, const struct mlt_img *m, const char *pos)
{
	return bad_trace(what, "in.mlt", m->b, m->n, pos, T_STATS_ONLY);
}

static int t_mlt(void)
{
	struct mlt_img m;
	unsigned char z[2048];
	size_t zn;
	char in[400];
	struct run r;

	/* The image itself is fine: `stats` takes it, `import` refuses it. */
	mlt_build(&m, 4);
	new_case();
	if (put("good.mlt", m.b, m.n) < 0)
		return 1;
	snprintf(in, sizeof(in), "%s", cpath("good.mlt"));
	{
		char *argv[] = { "stats", in, NULL };

		if (run(argv, &r) < 0 || r.status != 0 || r.err[0]) {
			show("valid .mlt", argv, &r);
			return 1;
		}
	}
	{
		char *argv[] = { "import", in, "-o", (char *)cpath("o.mlt"), NULL };

		if (run(argv, &r) < 0 || check_bad("import of .mlt", argv, &r, in, ": byte 0") ||
		    entries() != 1)
			return 1;
	}

	m.n = 20;
	if (bad_mlt("header cut", &m, ": byte 0"))
		return 1;
	mlt_build(&m, 4);
	mlt_put32(m.b + 4, MLT_VERSION + 1);
	if (bad_mlt("a later version", &m, ": byte 4"))
		return 1;
	mlt_build(&m, 4);
	mlt_put64(m.b + 8, 1ull << 60);
	if (bad_mlt("2^60 records claimed", &m, ": byte 280"))
		return 1;
	mlt_put64(m.b + 8, UINT64_MAX);
	if (bad_mlt("2^64-1 records claimed", &m, ": byte 280"))
		return 1;
	mlt_build(&m, 4);
	mlt_put32(m.b + 16, UINT32_MAX);
	if (bad_mlt("2^32-1 threads claimed", &m, ": byte "))
		return 1;
	mlt_build(&m, 4);
	mlt_put32(m.b + 20, 70000);
	if (bad_mlt("70000 mms", &m, ": byte 20"))
		return 1;
	mlt_build(&m, 4);
	mlt_put32(m.b + 80, UINT32_MAX);
	if (bad_mlt("source of 4 GiB claimed", &m, ": byte "))
		return 1;
	mlt_build(&m, 4);
	mlt_put32(m.b + 28, 5);
	if (bad_mlt("thread in mm 5 of 1", &m, ": byte 28"))
		return 1;
	mlt_build(&m, 4);
	m.b[MLT_REC0 + 2 * MLT_RECORD_SIZE + 46] = 200;
	if (bad_mlt("op 200", &m, ": record 2"))
		return 1;
	/* Version 1 knew no barrier or lookup: ops 9 and 10 are for version 2. */
	mlt_build(&m, 4);
	mlt_put32(m.b + 4, 1);
	m.b[MLT_REC0 + MLT_RECORD_SIZE + 46] = MLT_LOOKUP;
	if (bad_mlt("version 1 with a lookup", &m, ": record 1"))
		return 1;
	mlt_build(&m, 4);
	mlt_put32(m.b + 4, 1);
	mlt_put64(m.b + MLT_REC0 + 2 * MLT_RECORD_SIZE + 32, 2);	/* arg1: 2 tasks meet */
	m.b[MLT_REC0 + 2 * MLT_RECORD_SIZE + 46] = MLT_BARRIER;
	if (bad_mlt("version 1 with a barrier", &m, ": record 2"))
		return 1;
	mlt_build(&m, 4);
	mlt_put32(m.b + MLT_REC0 + 40, 7);
	if (bad_mlt("task 7 of 2", &m, ": record 0"))
		return 1;
	mlt_build(&m, 4);
	mlt_put16(m.b + MLT_REC0 + MLT_RECORD_SIZE + 44, 3);
	if (bad_mlt("mm 3 of 1", &m, ": record 1"))
		return 1;
	mlt_build(&m, 4);
	mlt_put64(m.b + MLT_REC0 + 3 * MLT_RECORD_SIZE, 1);
	if (bad_mlt("time going back", &m, ": record 3"))
		return 1;
	mlt_build(&m, 4);
	m.b[MLT_REC0 + 47] = 0x80;
	if (bad_mlt("unknown flag", &m, ": record 0"))
		return 1;
	mlt_build(&m, 4);
	m.n -= 10;
	if (bad_mlt("last record cut", &m, ": byte 270"))
		return 1;
	mlt_build(&m, 4);
	m.n += 7;
	if (bad_mlt("trailing bytes", &m, ": byte 280"))
		return 1;
	/* Compressed .mlt: messages name the file, not a temporary. */
	mlt_build(&m, 4);
	mlt_put64(m.b + 8, 1ull << 60);
	zn = gz(m.b, m.n, z, sizeof(z));
	if (!zn || bad_trace("gzip .mlt, 2^60 records", "in.mlt.gz", z, zn,
			     ": byte 280", T_STATS_ONLY))
		return 1;
	mlt_build(&m, 4);
	m.b[MLT_REC0 + 46] = 99;
	zn = gz(m.b, m.n, z, sizeof(z));
	if (!zn || bad_trace("gzip .mlt, op 99", "in.mlt.gz", z, zn,
			     ": record 0", T_STATS_ONLY))
		return 1;
	mlt_build(&m, 4);
	zn = gz(m.b, m.n, z, sizeof(z));
	if (!zn || bad_trace("gzip .mlt cut", "in.mlt.gz", z, zn - 12, ": byte ", T_STATS_ONLY))
		return 1;
	fprintf(stderr, "%d inputs\n", ntried);
	return 0;
}

/* Hostile input that is not wrong: no crash, and nothing left behind. */
static int t_hostile_ok(void)
{
	static const struct { const char *what, *text; } cases[] = {
		{ "CRLF perf", PERF_FAULT "\r\n" PERF_FAULT },
		{ "negative sizes", "7  1.0 brk(NULL) = 0x1000000\n"
		  "7  1.1 mmap(NULL, -4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n"
		  "7  1.2 munmap(0x7f0000000000, -1) = 0\n"
		  "7  1.3 mremap(0x7f0000000000, -4096, -8192, MREMAP_MAYMOVE) = 0x7f0000100000\n" },
		{ "mapping at the top", "7  1.0 brk(NULL) = 0x1000000\n"
		  "7  1.1 mmap(0xfffffffffffff000, 1099511627776, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0xfffffffffffff000\n"
		  "7  1.2 brk(0xffffffffffffffff) = 0xffffffffffffffff\n"
		  "7  1.3 brk(0x1000) = 0x1000\n" },
		{ "huge anonymous mapping", "7  1.0 brk(NULL) = 0x1000000\n"
		  "7  1.1 mmap(NULL, 18446744073709551615, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n" },
		{ "time going back", PERF_FAULT "   xz  1/1  [000]   0.500000: exceptions:page_fault_user: address=0x2000 ip=0x1 error_code=0x6\n" },
		{ "escape sequences in comm", "   \x1b[31mred\x1b[0m  1/1  [000]   1.000000: exceptions:page_fault_user: address=0x1000 ip=0x1 error_code=0x6\n" },
		{ "only kernel mappings", "         swapper     0/0     [000]     0.000000: PERF_RECORD_MMAP -1/0: [0xffffffff81000000(0x1276508) @ 0xffffffff81000000]: x [kernel.kallsyms]_text\n" },
		{ "exit of an unknown pid", STRACE_BRK "8  1.1 +++ exited with 0 +++\n9  1.2 <... mmap resumed>) = 0x1000\n" },
		{ "lone CRs", PERF_FAULT "\r\r\r" PERF_FAULT },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (survives(cases[i].what, "in.txt", cases[i].text,
			     strlen(cases[i].text)))
			return 1;
	fprintf(stderr, "%d inputs\n", ntried);
	return 0;
}

/* ---- Machine INI files ---- */

/*
 * TEXT (N bytes) as a machine file must be refused with one line starting
 * with the path and POS (NULL: the path and ':').
 */
static int bad_ini(const char *what, const void *text, size_t n, const char *pos)
{
	struct machine m;
	char err[512], want[512];
	const char *path;

	new_case();
	if (put("m.ini", text, n) < 0)
		return 1;
	path = cpath("m.ini");
	ntried++;
	snprintf(want, sizeof(want), "%s%s", path, pos ? pos : ":");
	err[0] = '\0';
	if (machine_load_ini(path, &m, err, sizeof(err)) == 0 ||
	    strncmp(err, want, strlen(want)) || strchr(err, '\n') ||
	    !strstr(err, "expected") || entries() != 1) {
		fprintf(stderr, "case %s: want '%s...', got: %s\n", what, want, err);
		return 1;
	}
	{
		char *p;

		for (p = err; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f) {
				fprintf(stderr, "case %s: control character in: %s\n",
					what, err);
				return 1;
			}
	}
	return 0;
}

static int good_ini(const char *what, const char *text, int ncpus)
{
	struct machine m;
	char err[512] = "";

	new_case();
	if (puts_file("m.ini", text) < 0)
		return 1;
	ntried++;
	if (machine_load_ini(cpath("m.ini"), &m, err, sizeof(err)) < 0 ||
	    m.ncpus != ncpus) {
		fprintf(stderr, "case %s: %s (%d CPUs)\n", what, err, m.ncpus);
		return 1;
	}
	return 0;
}

static int t_ini(void)
{
	static const struct { const char *what, *text, *pos; } cases[] = {
		{ "empty", "", NULL },
		{ "no costs", "[machine]\nsockets = 1\ncores_per_socket = 2\nthreads_per_core = 1\ncores_per_llc = 2\n", NULL },
		{ "no '='", "[machine]\nbase laptop-8\n", ":2:" },
		{ "section unclosed", "[machine\nbase = laptop-8\n", ":1:" },
		{ "unknown section", "[machine]\nbase = laptop-8\n[bogus]\nx = 1\n", ":4:" },
		{ "unknown key", "[machine]\nbase = laptop-8\n[cost]\nnope = 1\n", ":4:" },
		{ "unknown base", "[machine]\nbase = cray-1\n", ":2:" },
		{ "base not first", "[machine]\nsockets = 2\nbase = laptop-8\n", ":3:" },
		{ "key outside a section", "sockets = 2\n", ":1:" },
		{ "sockets negative", "[machine]\nbase = laptop-8\nsockets = -1\n", ":3:" },
		{ "sockets 0x10", "[machine]\nbase = laptop-8\nsockets = 0x10\n", ":3:" },
		{ "sockets overlong", "[machine]\nbase = laptop-8\nsockets = 99999999999999999999999999\n", ":3:" },
		{ "sockets with junk", "[machine]\nbase = laptop-8\nsockets = 2x\n", ":3:" },
		{ "cost in floating point", "[machine]\nbase = laptop-8\n[cost]\natomic = 1e3\n", ":4:" },
		{ "cost negative", "[machine]\nbase = laptop-8\n[cost]\natomic = -7\n", ":4:" },
		{ "cost past 1000 s", "[machine]\nbase = laptop-8\n[latency]\nllc = 1000000000001\n", ":4:" },
		{ "cost empty", "[machine]\nbase = laptop-8\n[latency]\nllc =\n", ":4:" },
		{ "first error wins", "[machine]\nbase = laptop-8\nsockets = x\n[cost]\nnope = 1\n", ":3:" },
		{ "syntax error before a bad key", "[machine]\nbase = laptop-8\njunk\n[cost]\nnope = 1\n", ":3:" },
		{ "too many CPUs", "[machine]\nbase = laptop-8\nsockets = 256\ncores_per_socket = 256\nthreads_per_core = 8\n", ":5:" },
		{ "threads_per_core 9", "[machine]\nbase = laptop-8\nthreads_per_core = 9\n", ":3:" },
		{ "llc not dividing", "[machine]\nbase = laptop-8\ncores_per_socket = 6\ncores_per_llc = 4\n", ":4:" },
		/* Checks across fields name the line that broke them. */
		{ "sockets 0", "[machine]\nbase = laptop-8\nsockets = 0\n", ":3:" },
		{ "cores_per_llc 0", "[machine]\nbase = laptop-8\ncores_per_llc = 0\n", ":3:" },
		{ "cores_per_llc above the cores", "[machine]\nbase = laptop-8\ncores_per_llc = 16\n", ":3:" },
		{ "cores below cores_per_llc", "[machine]\nbase = laptop-8\ncores_per_socket = 4\n", ":3:" },
		{ "SMT 8: 448 CPUs", "[machine]\nbase = xeon-8176-2s\nthreads_per_core = 8\n", ":3:" },
		{ "448 CPUs, sockets last", "[machine]\nbase = xeon-8176-2s\nthreads_per_core = 4\nsockets = 4\n", ":4:" },
		/* Zero costs and costs that would stall a run, at their line. */
		{ "latency 0 with a base", "[machine]\nbase = laptop-8\n[latency]\nllc = 0\n", ":4:" },
		{ "occupancy 0 with a base", "[machine]\nbase = laptop-8\n[occupancy]\nremote = 0\n", ":4:" },
		{ "atomic 0 with a base", "[machine]\nbase = laptop-8\n[cost]\natomic = 0\n", ":4:" },
		{ "timeslice 0", "[machine]\nbase = laptop-8\n[cost]\ntimeslice = 0\n", ":4:" },
		{ "tick 0", "[machine]\nbase = laptop-8\n[cost]\ntick = 0\n", ":4:" },
		{ "latency of 1e12 ns", "[machine]\nbase = laptop-8\n[latency]\nllc = 1000000000000\n", ":4:" },
		{ "occupancy of 1e12 ns", "[machine]\nbase = laptop-8\n[occupancy]\nllc = 1000000000000\n", ":4:" },
		{ "cost of 1e12 ns", "[machine]\nbase = laptop-8\n[cost]\nwakeup = 1000000000000\n", ":4:" },
		{ "io of 1000 s", "[machine]\nbase = laptop-8\n[cost]\nio = 1000000000000\n", ":4:" },
		/* Duplicates are refused, as in experiment files. */
		{ "key twice", "[machine]\nbase = laptop-8\nsockets = 1\nsockets = 1\n", ":4:" },
		{ "cost twice", "[machine]\nbase = laptop-8\n[cost]\natomic = 8\natomic = 9\n", ":5:" },
		{ "section twice", "[machine]\nbase = laptop-8\n[cost]\natomic = 8\n[cost]\nmb = 5\n", ":5:" },
		{ "machine twice", "[machine]\nbase = laptop-8\n[cost]\natomic = 8\n[machine]\nname = x\n", ":5:" },
		{ "value continued", "[machine]\nbase = laptop-8\n[cost]\natomic = 8\n  9\n", ":5:" },
		{ "no base, a cost missing", "[machine]\nsockets = 1\ncores_per_socket = 2\nthreads_per_core = 1\ncores_per_llc = 2\n"
		  "[latency]\nsmt = 5\nllc = 40\nsocket = 90\nremote = 250\nmemory = 100\n"
		  "[occupancy]\nsmt = 4\nllc = 30\nsocket = 40\nremote = 60\nmemory = 10\n"
		  "[cost]\natomic = 7\n", ": expected [cost] line_hold" },
		{ "escape in a value", "[machine]\nbase = laptop-8\nsockets = \x1b[2J\x07\n", ":3:" },
		{ "CRLF bad key", "[machine]\r\nbase = laptop-8\r\n[cost]\r\nnope = 1\r\n", ":4:" },
	};
	char nul[] = "[machine]\nbase = lap\0top-8\n";
	char *big;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (bad_ini(cases[i].what, cases[i].text, strlen(cases[i].text),
			    cases[i].pos))
			return 1;
	if (bad_ini("NUL byte", nul, sizeof(nul) - 1, ":2:"))
		return 1;
	big = malloc(1 << 20);
	if (!big)
		return 1;
	memcpy(big, "[machine]\nname = ", 17);
	memset(big + 17, 'n', (1 << 20) - 18);
	big[(1 << 20) - 1] = '\n';
	i = bad_ini("1 MiB line", big, 1 << 20, ":2:");
	junk((unsigned char *)big, 4096, 4, 1);
	i |= bad_ini("binary junk", big, 4096, NULL);
	free(big);
	if (i)
		return 1;
	new_case();
	{
		struct machine m;
		char err[512] = "";

		ntried++;
		if (machine_load_ini(casedir, &m, err, sizeof(err)) == 0 ||
		    strncmp(err, casedir, strlen(casedir)) || strchr(err, '\n')) {
			fprintf(stderr, "directory as INI: %s\n", err);
			return 1;
		}
		ntried++;
		if (machine_load_ini(cpath("missing.ini"), &m, err, sizeof(err)) == 0 ||
		    !strstr(err, "missing.ini") || strchr(err, '\n')) {
			fprintf(stderr, "missing INI: %s\n", err);
			return 1;
		}
	}
	/* The limits are stated once, the same at the key and across keys. */
	{
		static const struct { const char *text, *want, *not; } msgs[] = {
			{ "[machine]\nbase = laptop-8\nthreads_per_core = 9\n", "1 to 8", "256" },
			{ "[machine]\nbase = xeon-8176-2s\nthreads_per_core = 8\n", "at most 256 CPUs", NULL },
			{ "[machine]\nbase = laptop-8\nsockets = 0\n", "1 to 256", NULL },
			{ "[machine]\nbase = laptop-8\n[latency]\nllc = 0\n", "1 to 100000", "base = PRESET" },
			{ "[machine]\nbase = laptop-8\n[cost]\natomic = 0\n", "atomic", "base = PRESET" },
			{ "[machine]\nbase = laptop-8\nsockets = 1\nsockets = 1\n", "first at line 3", NULL },
			{ "[machine]\nbase = laptop-8\n[cost]\natomic = 8\n[cost]\n", "first at line 3", NULL },
		};
		struct machine m;
		char err[512];

		for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
			new_case();
			if (puts_file("m.ini", msgs[i].text) < 0)
				return 1;
			ntried++;
			err[0] = 0;
			if (machine_load_ini(cpath("m.ini"), &m, err, sizeof(err)) == 0 ||
			    !strstr(err, msgs[i].want) || (msgs[i].not && strstr(err, msgs[i].not))) {
				fprintf(stderr, "case %zu: want '%s', not '%s': %s\n", i, msgs[i].want,
					msgs[i].not ? msgs[i].not : "", err);
				return 1;
			}
		}
	}
	/* CRLF and comments are fine. */
	if (good_ini("CRLF", "; mine\r\n[machine]\r\nbase = laptop-8\r\n[cost]\r\natomic = 9 ; inline\r\n", 16))
		return 1;
	fprintf(stderr, "%d inputs\n", ntried);
	return 0;
}

/* ---- Generator parameters and the command line ---- */

/*
 * ARGV must be refused with one line holding WANT (NULL: not checked),
 * saying what was expected if SAYS_WHAT_EXPECTED, and leave the case
 * directory as it was (OUT.mlt absent, or untouched if it existed).
 */
static int refused_leaving_nothing(const char *what, char *const argv[],
				   const char *want, int says_what_expected)
{
	struct run r;
	int before = entries();

	if (run(argv, &r) < 0)
		return 1;
	if (says_what_expected) {
		if (check_bad(what, argv, &r, want, NULL))
			return 1;
	} else if (r.sig || r.status != 2 || !one_line(r.err) ||
		   (want && !strstr(r.err, want))) {
		fprintf(stderr, "refusal contract broken (want '%s'):\n", want ? want : "");
		show(what, argv, &r);
		return 1;
	}
	if (entries() != before) {
		fprintf(stderr, "%s: files appeared\n", what);
		show(what, argv, &r);
		return 1;
	}
	return 0;
}

static int bad_cli(const char *what, char *const argv[], const char *want)
{
	return refused_leaving_nothing(what, argv, want, 1);
}

static int t_gen(void)
{
	static const char *const cases[][10] = {
		/* WANT, then ARGS */
		{ "'nope'", "gen", "nope", "-o", "@", NULL },
		{ "-t", "gen", "pft", "-t", "0", "-o", "@", NULL },
		{ "-t", "gen", "pft", "-t", "-1", "-o", "@", NULL },
		{ "-t", "gen", "pft", "-t", "abc", "-o", "@", NULL },
		{ "-t", "gen", "pft", "-t", "99999999999999999999999", "-o", "@", NULL },
		{ "-t", "gen", "pft", "-t", "2x", "-o", "@", NULL },
		{ "threads", "gen", "pft", "-t", "100000", "-o", "@", NULL },
		{ "-n", "gen", "pft", "-n", "0", "-o", "@", NULL },
		{ "-n", "gen", "pft", "-n", "-5", "-o", "@", NULL },
		{ "-n", "gen", "pft", "-n", "184467440737095516160", "-o", "@", NULL },
		{ "--seed", "gen", "pft", "--seed", "-1", "-o", "@", NULL },
		{ "--seed", "gen", "pft", "--seed", "1e5", "-o", "@", NULL },
		{ "KEY=VALUE", "gen", "pft", "-p", "nokey", "-o", "@", NULL },
		{ "KEY=VALUE", "gen", "pft", "-p", "=5", "-o", "@", NULL },
		{ "'bogus'", "gen", "pft", "-p", "bogus=1", "-o", "@", NULL },
		{ "size", "gen", "page_fault1", "-p", "size=abc", "-o", "@", NULL },
		{ "size", "gen", "page_fault1", "-p", "size=4097", "-o", "@", NULL },
		{ "size", "gen", "page_fault1", "-p", "size=-4096", "-o", "@", NULL },
		{ "size", "gen", "page_fault1", "-p", "size=99999999999999999999999", "-o", "@", NULL },
		{ "size", "gen", "page_fault1", "-p", "size=16777216T", "-o", "@", NULL },
		{ "size", "gen", "page_fault1", "-p", "size=", "-o", "@", NULL },
		{ "shared", "gen", "page_fault1", "-p", "shared=2", "-o", "@", NULL },
		{ "think_fault", "gen", "pft", "-p", "think_fault=-5", "-o", "@", NULL },
		{ "think_fault", "gen", "pft", "-p", "think_fault=1e300", "-o", "@", NULL },
		{ "think_fault", "gen", "pft", "-p", "think_fault=nan", "-o", "@", NULL },
		{ "think_fault", "gen", "pft", "-p", "think_fault=5 ms", "-o", "@", NULL },
		{ "alloc_frac", "gen", "jvm", "-p", "alloc_frac=1.5", "-o", "@", NULL },
		{ "region", "gen", "jvm", "-p", "region=12288", "-o", "@", NULL },
		{ "tlab", "gen", "jvm", "-p", "tlab=2G", "-o", "@", NULL },
		{ "stack", "gen", "jvm", "-p", "stack=4096", "-o", "@", NULL },
		{ "work", "gen", "jvm", "-p", "work=0", "-o", "@", NULL },
		{ "iterations=0", "gen", "pft", "-p", "iterations=0", "-o", "@", NULL },
		{ "no room", "gen", "page_fault1", "-t", "4096", "-p", "size=4T", "-o", "@", NULL },
		{ "-o", "gen", "pft", NULL },
		{ "-t", "gen", "pft", "-o", "@", "-t", NULL },
		{ "'--bogus'", "gen", "pft", "--bogus", "-o", "@", NULL },
		{ "workload", "gen", "-o", "@", NULL },
		{ "'mmap1'", "gen", "pft", "mmap1", "-o", "@", NULL },
	};
	static const char keep[] = "not a trace, but mine\n";
	char out[400], got[64];
	size_t i, j, k;
	FILE *f;

	new_case();
	snprintf(out, sizeof(out), "%s", cpath("out.mlt"));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[10];

		for (j = 0; cases[i][j + 1]; j++)
			argv[j] = strcmp(cases[i][j + 1], "@") ?
				  (char *)cases[i][j + 1] : out;
		argv[j] = NULL;
		if (bad_cli(cases[i][2], argv, cases[i][0]))
			return 1;
		/* The same with an existing output: it stays as it was. */
		if (puts_file("out.mlt", keep) < 0 ||
		    bad_cli(cases[i][2], argv, cases[i][0]))
			return 1;
		f = fopen(out, "r");
		k = f ? fread(got, 1, sizeof(got) - 1, f) : 0;
		got[k] = '\0';
		if (f)
			fclose(f);
		if (strcmp(got, keep)) {
			fprintf(stderr, "case %zu: output changed\n", i);
			return 1;
		}
		unlink(out);
	}
	{
		/* Not bad input but a bad place: named, status 2, one line. */
		char *argv[] = { "gen", "pft", "-n", "10", "-o",
				 "/nonexistent-dir/x.mlt", NULL };
		struct run r;

		if (run(argv, &r) < 0 || r.status != 2 || !one_line(r.err) ||
		    !strstr(r.err, "/nonexistent-dir/x.mlt")) {
			show("output in a missing directory", argv, &r);
			return 1;
		}
	}
	fprintf(stderr, "%d inputs\n", ntried);
	return 0;
}

static int t_cli(void)
{
	static const char *const cases[][6] = {
		/* WANT, then ARGS */
		{ "command", NULL },
		{ "'frobnicate'", "frobnicate", NULL },
		{ "'--bogus'", "--bogus", NULL },
		{ "'bogus'", "list", "bogus", NULL },
		{ "input", "import", NULL },
		{ "'b'", "import", "a", "b", NULL },
		{ "'--bogus'", "import", "--bogus", "x", NULL },
		{ "-o needs a value", "import", "x", "-o", NULL },
		{ "TRACE", "stats", NULL },
		{ "TRACE", "stats", "a", "b", NULL },
	};
	char *argv[6];
	size_t i, j;

	new_case();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (j = 0; cases[i][j + 1]; j++)
			argv[j] = (char *)cases[i][j + 1];
		argv[j] = NULL;
		if (bad_cli(cases[i][0], argv, cases[i][0]))
			return 1;
	}
	/* Missing files: named, status 2, one line (nothing "expected"). */
	{
		char *imp[] = { "import", (char *)cpath("missing.txt"), NULL };
		char *st[] = { "stats", (char *)cpath("missing.mlt"), NULL };
		struct run r;

		if (run(imp, &r) < 0 || r.status != 2 || !one_line(r.err) ||
		    !strstr(r.err, "missing.txt") || entries() != 0) {
			show("missing input", imp, &r);
			return 1;
		}
		if (run(st, &r) < 0 || r.status != 2 || !one_line(r.err) ||
		    !strstr(r.err, "missing.mlt")) {
			show("missing trace", st, &r);
			return 1;
		}
	}
	/* Without -o the default output (next to the input) is not left. */
	if (puts_file("app.perf.txt", "nothing here\n") < 0)
		return 1;
	argv[0] = "import";
	argv[1] = (char *)cpath("app.perf.txt");
	argv[2] = NULL;
	if (bad_cli("default output", argv, ":1:"))
		return 1;
	fprintf(stderr, "%d inputs\n", ntried);
	return 0;
}

/* ---- The commands on databases: run, compare, check, report, merge, sweep ---- */

/*
 * ARGV refused: status 2, no signal, one line without control characters
 * holding WANT, and the case directory as it was (no database, timeline
 * or temporary file left, an existing one untouched).
 */
static int bad_db_cli(const char *what, char *const argv[], const char *want)
{
	return refused_leaving_nothing(what, argv, want, 0);
}

/*
 * Work in the case directory, so that relative names in the cases land
 * there and nowhere else: the binary's directory is made absolute first.
 */
static int enter_case(void)
{
	static char bindir[4096];

	if (!realpath(test_bindir, bindir))
		return -1;
	test_bindir = bindir;
	return chdir(casedir);
}

/* A file's bytes, to see that a refusal left it as it was. */
static unsigned long file_sum(const char *p)
{
	FILE *f = fopen(p, "rb");
	unsigned long s = 0;
	int c;

	if (!f)
		return 0;
	while ((c = getc(f)) != EOF)
		s = s * 31 + (unsigned char)c;
	fclose(f);
	return s;
}

static int t_cli_commands(void)
{
	static const char *const cases[][12] = {
		/* WANT, then ARGS; @ is the case directory's exp.ini */
		{ "expected -s SCHEME", "run", "pft", NULL },
		{ "'nosuch'", "run", "pft", "-s", "nosuch", NULL },
		{ "'--bogus'", "run", "pft", "-s", "global-rwsem", "--bogus", "1", NULL },
		{ "--seed needs a value", "run", "pft", "-s", "global-rwsem", "--seed", NULL },
		{ "--cpus", "run", "pft", "-s", "global-rwsem", "--cpus", "0", NULL },
		{ "--cpus", "run", "pft", "-s", "global-rwsem", "--cpus", "4x", NULL },
		{ "--threads", "run", "pft", "-s", "global-rwsem", "--threads", "-3", NULL },
		{ "--seed", "run", "pft", "-s", "global-rwsem", "--seed", "-1", NULL },
		{ "--seed", "run", "pft", "-s", "global-rwsem", "--seed", "99999999999999999999999", NULL },
		{ "'nope'", "run", "pft", "-s", "global-rwsem", "--machine", "nope", NULL },
		{ "nope.mlt", "run", "nope.mlt", "-s", "global-rwsem", NULL },
		{ "'b'", "run", "a", "b", "-s", "global-rwsem", NULL },
		{ "ops=-1", "run", "mmap1", "-s", "global-rwsem", "-p", "ops=-1", NULL },
		{ "ops=1e9", "run", "mmap1", "-s", "global-rwsem", "-p", "ops=1e9", NULL },
		{ "KEY=VALUE", "run", "pft", "-s", "global-rwsem", "-p", "nokey", NULL },
		{ "'bogus'", "run", "pft", "-s", "global-rwsem", "-p", "bogus=1", NULL },
		{ "scheme pervma-refcount has it", "run", "pft", "-s", "global-rwsem", "-p",
		  "vm_lock=embedded", NULL },
		{ "size is given twice (size=1M before)", "run", "pft", "-s", "global-rwsem", "-p",
		  "size=1M", "-p", "size=2M", NULL },
		{ "variant is given twice", "compare", "pft", "-s", "pervma-refcount", "-p",
		  "variant=rwsem", "-p", "variant=refcnt", NULL },
		{ "size is given twice", "gen", "pft", "-p", "size=1M", "-p", "size=1M", "-o",
		  "x.mlt", NULL },
		{ "fraction from 0 to 1", "run", "pft", "-s", "global-rwsem", "-p", "file_miss=nan", NULL },
		{ "fraction from 0 to 1", "run", "pft", "-s", "global-rwsem", "-p", "file_miss=", NULL },
		{ "factor from 0 to 1000", "run", "pft", "-s", "global-rwsem", "-p", "think_scale=nan", NULL },
		{ "whole number from 1 to 1000", "run", "pft", "-s", "global-rwsem", "-p",
		  "max_fault_retries=2.5", NULL },
		{ "rwsem or spinlock", "run", "pft", "-s", "global-rwsem", "-p", "i_mmap_lock=mutex", NULL },
		{ "rwsem or spinlock", "run", "pft", "-s", "global-rwsem", "-p", "anon_vma_lock=", NULL },
		{ "1 to 8", "run", "pft", "-s", "global-rwsem", "-p", "rmap_walkers=0", NULL },
		{ "1 to 8", "run", "pft", "-s", "global-rwsem", "-p", "rmap_walkers=9", NULL },
		{ "1 to 8", "run", "pft", "-s", "global-rwsem", "-p", "rmap_walkers=1.5", NULL },
		{ "1 to 8", "run", "pft", "-s", "global-rwsem", "-p", "rmap_walkers=1e99", NULL },
		{ "expected 1 (fork write-locks", "run", "pft", "-s", "global-rwsem", "-p",
		  "fork_vma_lock=yes", NULL },
		{ "expected 1 (fork write-locks", "run", "pft", "-s", "global-rwsem", "-p",
		  "fork_vma_lock=", NULL },
		{ "libs", "run", "anonvma", "-s", "global-rwsem", "-p", "libs=65", NULL },
		{ "lib_size", "run", "anonvma", "-s", "global-rwsem", "-p", "lib_size=0", NULL },
		{ "nope.so", "run", "pft", "--plugin", "nope.so", NULL },
		{ "cannot write in /nonexistent-dir", "run", "pft", "-s", "global-rwsem", "--timeline",
		  "/nonexistent-dir/t.json", NULL },
		{ "--cpus", "compare", "pft", "--cpus", "1,x", NULL },
		{ "--cpus", "compare", "pft", "--cpus", "", NULL },
		{ "'4096'", "compare", "pft", "--cpus", "4096", NULL },
		{ "--jobs", "compare", "pft", "--jobs", "0", NULL },
		{ "--jobs", "compare", "pft", "--jobs", "257", NULL },
		{ "--seeds", "compare", "pft", "--seeds", "many", NULL },
		{ "'nope'", "compare", "pft", "-s", "global-rwsem,nope", NULL },
		{ "given twice", "compare", "pft", "-s", "global-rwsem,global-rwsem", NULL },
		{ "'nope'", "compare", "pft", "--machine", "nope", NULL },
		{ "nope.txt", "compare", "nope.txt", NULL },
		{ "'--bogus'", "compare", "pft", "--bogus", "x", NULL },
		{ "--db needs a value", "compare", "pft", "--db", NULL },
		{ "expected a trace", "compare", NULL },
		{ "'--bogus'", "check", "--bogus", NULL },
		{ "'nope'", "check", "-s", "nope", NULL },
		{ "--seeds", "check", "--seeds", "x", NULL },
		{ "--preemptions", "check", "--preemptions", "9", NULL },
		{ "-p needs -s", "check", "-p", "a=1", NULL },
		{ "nope.so", "check", "--plugin", "nope.so", NULL },
		{ "expected a database", "report", NULL },
		{ "'--bogus'", "report", "x.db", "--bogus", NULL },
		{ "--plot needs a value", "report", "x.db", "--plot", NULL },
		{ "'b.db'", "report", "a.db", "b.db", NULL },
		{ "nosuch.db", "report", "nosuch.db", NULL },
		{ "expected OUT.db", "merge", "out.db", NULL },
		{ "both output and input", "merge", "out.db", "out.db", NULL },
		{ "nosuch.db", "merge", "out.db", "nosuch.db", NULL },
		{ "expected an experiment", "sweep", "--db", "x.db", NULL },
		{ "expected --db", "sweep", "@", NULL },
		{ "--jobs", "sweep", "@", "--db", "x.db", "--jobs", "x", NULL },
		{ "--shard", "sweep", "@", "--db", "x.db", "--shard", "2/2", NULL },
		{ "--shard", "sweep", "@", "--db", "x.db", "--shard", "1", NULL },
		{ "'--bogus'", "sweep", "@", "--bogus", NULL },
		{ "nosuch.ini", "sweep", "nosuch.ini", "--db", "x.db", NULL },
		/* A flag that takes one value, given twice, is refused. */
		{ "-s given twice", "run", "pft", "-s", "global-rwsem", "-s", "spf-srcu", NULL },
		{ "--cpus given twice", "run", "pft", "-s", "global-rwsem", "--cpus", "4",
		  "--cpus", "2", NULL },
		{ "--cpus given twice", "compare", "pft", "--cpus", "4", "--cpus", "2", NULL },
		{ "-s given twice", "compare", "pft", "-s", "global-rwsem", "-s", "spf-srcu", NULL },
		{ "-o given twice", "gen", "pft", "-o", "a.mlt", "-o", "b.mlt", NULL },
		{ "-o given twice", "import", "x", "-o", "a.mlt", "-o", "b.mlt", NULL },
		{ "--seeds given twice", "check", "--seeds", "1", "--seeds", "2", NULL },
		{ "--baseline given twice", "report", "x.db", "--baseline", "a", "--baseline",
		  "b", NULL },
		{ "--jobs given twice", "sweep", "@", "--db", "x.db", "--jobs", "1", "--jobs",
		  "2", NULL },
		{ "--db given twice", "sweep", "@", "--db", "x.db", "--db", "y.db", NULL },
		/* Numbers within their ranges, scheme parameters included. */
		{ "spec_tries", "run", "pft", "-s", "mt-lock", "-p", "spec_tries=-1", NULL },
		{ "spec_tries", "run", "pft", "-s", "mt-lock", "-p", "spec_tries=4294967296", NULL },
		{ "spec_tries", "run", "pft", "-s", "ww-vma", "-p", "spec_tries=0", NULL },
		{ "spec_tries", "run", "pft", "-s", "ww-vma", "-p", "spec_tries=0x10", NULL },
		{ "--seeds", "check", "--seeds", "0", NULL },
		{ "--cpus", "compare", "pft", "--cpus", "1,,2", NULL },
		{ "--cpus", "compare", "pft", "--cpus", "1,2,", NULL },
		{ "-s", "compare", "pft", "-s", "global-rwsem,", NULL },
		{ "--threads", "run", "pft", "-s", "global-rwsem", "--threads", "100000", NULL },
		{ "--seeds", "compare", "pft", "--seeds", "1000001", NULL },
		{ "'extra'", "list", "schemes", "extra", NULL },
		{ "'extra'", "stats", "a.mlt", "extra", NULL },
	};
	char ini[400], *argv[12];
	size_t i, j;

	new_case();
	snprintf(ini, sizeof(ini), "%s", cpath("exp.ini"));
	if (puts_file("exp.ini", "[experiment]\nsources = pft\nschemes = global-rwsem\n"
		      "cpus = 1\n[source pft]\nsize = 1M\n") < 0 || enter_case() < 0)
		return 1;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (j = 0; cases[i][j + 1]; j++)
			argv[j] = strcmp(cases[i][j + 1], "@") ? (char *)cases[i][j + 1] : ini;
		argv[j] = NULL;
		if (bad_db_cli(cases[i][1], argv, cases[i][0]))
			return 1;
	}
	fprintf(stderr, "%d inputs\n", ntried);
	return 0;
}

/*
 * Every command that opens a database, on files that are not one of
 * ours: refused naming the file, nothing written into it or beside it.
 */
static int t_cli_databases(void)
{
	static const char *const commands[][12] = {
		/* @ is the database under test, ! a good database */
		{ "run", "pft", "-s", "global-rwsem", "-p", "size=1M", "--db", "@", NULL },
		{ "sweep", "exp.ini", "--db", "@", "--jobs", "1", NULL },
		{ "report", "@", NULL },
		{ "merge", "@", "!", NULL },
		{ "merge", "new.db", "@", NULL },
		{ "merge", "new.db", "!", "@", NULL },
	};
	static const char text[] = "SQLite format 2? no: this is a text file, not a database\n";
	struct {
		const char *name, *want;
		int make;	/* 0 text, 1 another app, 2 other version, 3 empty, 4 truncated, 5 dir */
	} dbs[] = {
		{ "text.db", "not an SQLite database", 0 },
		{ "other.db", "not an mmlocksim database", 1 },
		{ "v99.db", "schema version 99", 2 },
		{ "empty.db", NULL, 3 },
		{ "cut.db", NULL, 4 },
		{ "dir.db", "is a directory", 5 },
		{ "not-a-dir/x.db", "x.db", 6 },
	};
	char good[400], cmd[1200], *argv[12];
	size_t c, d, j;
	unsigned long sum;
	struct run r;

	new_case();
	if (enter_case() < 0 ||
	    puts_file("exp.ini", "[experiment]\nsources = pft\nschemes = global-rwsem\n"
		      "cpus = 1\n[source pft]\nsize = 1M\n") < 0)
		return 1;
	/* A good database, and the bad ones made from it. */
	{
		char *mk[] = { "run", "pft", "-s", "global-rwsem", "-p", "size=1M", "--db",
			       "good.db", NULL };

		if (run(mk, &r) < 0 || r.status != 0) {
			show("good database", mk, &r);
			return 1;
		}
	}
	snprintf(good, sizeof(good), "%s", cpath("good.db"));
	snprintf(cmd, sizeof(cmd), "cd '%s' && sqlite3 other.db 'PRAGMA application_id = 7; "
		 "CREATE TABLE t (x);' && cp good.db v99.db && sqlite3 v99.db "
		 "'PRAGMA user_version = 99' && head -c 2048 good.db > cut.db && mkdir dir.db && "
		 "echo x > not-a-dir", casedir);
	if (system(cmd) != 0 || put("text.db", text, sizeof(text) - 1) < 0 ||
	    put("empty.db", "", 0) < 0)
		return 1;
	for (d = 0; d < sizeof(dbs) / sizeof(dbs[0]); d++) {
		for (c = 0; c < sizeof(commands) / sizeof(commands[0]); c++) {
			const char *want = dbs[d].want;

			/* An empty file is an empty database: made into one by writers. */
			if (dbs[d].make == 3 && (c == 0 || c == 1 || c == 3))
				continue;
			for (j = 0; commands[c][j]; j++)
				argv[j] = !strcmp(commands[c][j], "@") ? (char *)dbs[d].name :
					  !strcmp(commands[c][j], "!") ? good : (char *)commands[c][j];
			argv[j] = NULL;
			if (!want)
				want = dbs[d].name;
			sum = file_sum(dbs[d].name);
			if (bad_db_cli(dbs[d].name, argv, want))
				return 1;
			if (file_sum(dbs[d].name) != sum || access("new.db", F_OK) == 0) {
				fprintf(stderr, "%s: %s touched the database or left new.db\n",
					dbs[d].name, commands[c][0]);
				return 1;
			}
		}
	}
	/* compare writes a new database only: an existing file, whatever it is, stays. */
	for (d = 0; d < sizeof(dbs) / sizeof(dbs[0]); d++) {
		char *cmp[] = { "compare", "pft", "-s", "global-rwsem", "--cpus", "1", "--seeds", "1",
				"-p", "size=1M", "--db", (char *)dbs[d].name, NULL };

		if (dbs[d].make == 3 || dbs[d].make == 6)
			continue;
		if (bad_db_cli(dbs[d].name, cmp, dbs[d].name))
			return 1;
	}
	/* Outputs in places that cannot take them. */
	{
		char *const outs[][14] = {
			{ "run", "pft", "-s", "global-rwsem", "-p", "size=1M", "--timeline",
			  "not-a-dir/t.json", NULL },
			{ "run", "pft", "-s", "global-rwsem", "-p", "size=1M", "--timeline",
			  "dir.db", NULL },
			{ "run", "pft", "-s", "global-rwsem", "-p", "size=1M", "--timeline",
			  "/nonexistent-dir/t.json", NULL },
			{ "compare", "pft", "-s", "global-rwsem", "--cpus", "1", "--seeds", "1",
			  "-p", "size=1M", "--db", "/nonexistent-dir/c.db", NULL },
			{ "sweep", "exp.ini", "--db", "/nonexistent-dir/s.db", NULL },
			{ "merge", "/nonexistent-dir/m.db", "good.db", NULL },
		};

		for (c = 0; c < sizeof(outs) / sizeof(outs[0]); c++) {
			/* The message names the place. */
			for (j = 0; outs[c][j + 1] && !strstr(outs[c][j], "dir"); j++)
				;
			if (bad_db_cli(outs[c][0], outs[c], outs[c][j]))
				return 1;
		}
	}
	fprintf(stderr, "%d inputs\n", ntried);
	return 0;
}

/* ---- Databases: corruption, read-only inputs, locks, plot directories ---- */

/* One number a query of db gives, through the sqlite3 shell; -1 if none. */
static long db_number(const char *db, const char *sql)
{
	char cmd[1200];
	long v = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "sqlite3 '%s' \"%s\" 2>/dev/null", db, sql);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (fscanf(p, "%ld", &v) != 1)
		v = -1;
	pclose(p);
	return v;
}

/* A database of a few runs (three CPU counts, so that there are fits), in the case directory. */
static int make_good_db(const char *name)
{
	char *mk[] = { "compare", "pft", "-s", "global-rwsem", "--cpus", "1,2,4", "--seeds", "1",
		       "-p", "size=1M", "--db", (char *)name, NULL };
	struct run r;

	if (run(mk, &r) < 0 || r.status != 0) {
		show("good database", mk, &r);
		return -1;
	}
	return 0;
}

/* Copy from to to, with the first byte of page PAGE (1-based) set to an invalid page type. */
static int corrupt_page(const char *from, const char *to, long page, long pagesize)
{
	char cmd[1200];
	int fd;

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", from, to);
	if (system(cmd) != 0)
		return -1;
	fd = open(to, O_WRONLY);
	/* 0x07 is no b-tree page type (2, 5, 10, 13 are). */
	if (fd < 0 || pwrite(fd, "\x07\xff\xff\xff", 4, (page - 1) * pagesize + (page == 1 ? 100 : 0)) != 4) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return close(fd);
}

/*
 * A corrupt page in any table is an error naming the file, whatever the
 * command and whichever table: never a report with rows missing, nor
 * "database disk image is malformed" half-way through one.
 */
static int t_db_corrupt(void)
{
	static const char *const tables[] = {
		"run", "op_stat", "lock_stat", "counter", "lat_hist", "param", "violation",
	};
	static const char *const commands[][12] = {
		{ "report", "@", NULL },
		{ "report", "@", "--write", NULL },
		{ "merge", "new.db", "@", NULL },
		{ "run", "pft", "-s", "global-rwsem", "-p", "size=1M", "--db", "@", NULL },
	};
	char sql[200], *argv[12];
	long page, pagesize;
	size_t t, c, j;
	struct run r;

	new_case();
	if (enter_case() < 0 || make_good_db("good.db") < 0)
		return 1;
	pagesize = db_number("good.db", "PRAGMA page_size");
	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		snprintf(sql, sizeof(sql), "SELECT rootpage FROM sqlite_schema WHERE name = '%s'",
			 tables[t]);
		page = db_number("good.db", sql);
		if (page <= 0 || pagesize <= 0 || corrupt_page("good.db", "bad.db", page, pagesize) < 0) {
			fprintf(stderr, "cannot corrupt table %s (page %ld)\n", tables[t], page);
			return 1;
		}
		for (c = 0; c < sizeof(commands) / sizeof(commands[0]); c++) {
			for (j = 0; commands[c][j]; j++)
				argv[j] = !strcmp(commands[c][j], "@") ? "bad.db" : (char *)commands[c][j];
			argv[j] = NULL;
			if (run(argv, &r) < 0)
				return 1;
			if (r.sig || r.status != 2 || !one_line(r.err) || !strstr(r.err, "bad.db") ||
			    !strstr(r.err, "corrupt") || access("new.db", F_OK) == 0) {
				fprintf(stderr, "table %s corrupt:\n", tables[t]);
				show(tables[t], argv, &r);
				return 1;
			}
		}
	}
	fprintf(stderr, "%d inputs\n", ntried);
	return 0;
}

/* report and merge only read their inputs; the fits are stored with --write. */
static int t_db_readonly(void)
{
	char *rep[] = { "report", "good.db", NULL };
	char *wr[] = { "report", "good.db", "--write", NULL };
	char *mrg[] = { "merge", "new.db", "good.db", NULL };
	unsigned long sum;
	struct run r;

	new_case();
	if (enter_case() < 0 || make_good_db("good.db") < 0 ||
	    system("sqlite3 good.db 'DELETE FROM usl_fit'") != 0)
		return 1;
	sum = file_sum("good.db");
	if (run(rep, &r) < 0 || r.status != 0 || r.err[0] || file_sum("good.db") != sum ||
	    access("good.db-wal", F_OK) == 0 || access("good.db-shm", F_OK) == 0 ||
	    db_number("good.db", "SELECT count(*) FROM usl_fit") != 0) {
		fprintf(stderr, "report changed its input or left files beside it\n");
		show("report", rep, &r);
		return 1;
	}
	if (run(mrg, &r) < 0 || r.status != 0 || file_sum("good.db") != sum ||
	    access("good.db-wal", F_OK) == 0) {
		fprintf(stderr, "merge changed its input\n");
		show("merge", mrg, &r);
		return 1;
	}
	if (run(wr, &r) < 0 || r.status != 0 ||
	    db_number("good.db", "SELECT count(*) FROM usl_fit") != 1) {
		fprintf(stderr, "report --write did not store the fit\n");
		show("report --write", wr, &r);
		return 1;
	}
	/* Without write permission (not as root, who has it regardless). */
	if (geteuid() != 0) {
		if (system("chmod a-w good.db . && rm -f new.db") != 0)
			return 1;
		if (run(rep, &r) < 0 || r.status != 0 || run(mrg, &r) < 0 || r.status != 2 ||
		    !strstr(r.err, "new.db")) {
			system("chmod u+w good.db .");
			show("read-only", rep, &r);
			return 1;
		}
		if (system("chmod u+w good.db .") != 0)
			return 1;
	} else {
		printf("(as root: the permission case is left out; the file checks above stand)\n");
	}
	return 0;
}

/*
 * Another process holds the write lock: report reads through it at once
 * (a report that waited would be killed by run()'s alarm); report --write,
 * which must write, says that it waits, and goes on when the lock is let
 * go, which happens only once it has said so: no timing in the test.
 */
static int t_db_locked(void)
{
	char *rep[] = { "report", "good.db", NULL };
	char bin[300], said[4096];
	int go[2], held[2], errp[2], status, rstatus;
	size_t n = 0;
	ssize_t k;
	pid_t locker, rpid;
	struct run r;
	char c;

	new_case();
	if (enter_case() < 0 || make_good_db("good.db") < 0 || pipe(go) < 0 || pipe(held) < 0)
		return 1;
	fflush(NULL);
	locker = fork();
	if (locker < 0)
		return 1;
	if (locker == 0) {
		sqlite3 *db;

		close(go[1]);
		close(held[0]);
		if (sqlite3_open("good.db", &db) != SQLITE_OK ||
		    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
		    write(held[1], "x", 1) != 1)
			_exit(1);
		/* Hold the lock until told (or the test is gone: EOF). */
		if (read(go[0], &c, 1) < 0)
			_exit(1);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(db);
		_exit(0);
	}
	close(go[0]);
	close(held[1]);
	if (read(held[0], &c, 1) != 1)
		goto fail;
	if (run(rep, &r) < 0 || r.sig || r.status != 0 || r.err[0]) {
		show("report of a locked database", rep, &r);
		goto fail;
	}
	/* report --write, its stderr read as it comes. */
	snprintf(bin, sizeof(bin), "%s/mmlocksim", test_bindir);
	if (pipe(errp) < 0)
		goto fail;
	rpid = fork();
	if (rpid < 0)
		goto fail;
	if (rpid == 0) {
		close(errp[0]);
		dup2(errp[1], 2);
		close(errp[1]);
		if (!freopen("/dev/null", "w", stdout))
			_exit(126);
		alarm(RUN_TIMEOUT);
		execl(bin, bin, "report", "good.db", "--write", (char *)NULL);
		_exit(127);
	}
	close(errp[1]);
	while (n < sizeof(said) - 1 && (k = read(errp[0], said + n, sizeof(said) - 1 - n)) > 0) {
		n += (size_t)k;
		said[n] = 0;
		if (strstr(said, "\n"))
			break;
	}
	said[n] = 0;
	/* Now let go, and let it finish. */
	if (write(go[1], "x", 1) != 1)
		goto fail;
	while (n < sizeof(said) - 1 && (k = read(errp[0], said + n, sizeof(said) - 1 - n)) > 0)
		n += (size_t)k;
	said[n] = 0;
	close(errp[0]);
	waitpid(rpid, &rstatus, 0);
	close(go[1]);
	waitpid(locker, &status, 0);
	if (!WIFEXITED(rstatus) || WEXITSTATUS(rstatus) != 0 || !one_line(said) ||
	    !strstr(said, "good.db is locked by another process; waiting")) {
		fprintf(stderr, "report --write of a locked database: status %d, stderr:\n%s\n",
			WIFEXITED(rstatus) ? WEXITSTATUS(rstatus) : -1, said);
		return 1;
	}
	if (db_number("good.db", "SELECT count(*) FROM usl_fit") != 1)
		return 1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
fail:
	close(go[1]);
	waitpid(locker, &status, 0);
	return 1;
}

/* --plot somewhere that is no directory: one line, status 2, before anything runs. */
static int t_plot_dir(void)
{
	char *const cases[][14] = {
		{ "report", "good.db", "--plot", "/dev/full", NULL },
		{ "report", "good.db", "--plot", "good.db", NULL },
		{ "compare", "pft", "-s", "global-rwsem", "--cpus", "1", "--seeds", "1", "-p",
		  "size=1M", "--plot", "/dev/full", NULL },
	};
	size_t i;

	new_case();
	if (enter_case() < 0 || make_good_db("good.db") < 0)
		return 1;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (bad_db_cli("--plot", cases[i], "expected a directory"))
			return 1;
	/* A new directory where none can be made: said before the report. */
	{
		char *const report_into_nothing[] = { "report", "good.db", "--plot",
						      "/nonexistent-dir/plots", NULL };

		if (bad_db_cli("--plot", report_into_nothing, "cannot create it in /nonexistent-dir"))
			return 1;
	}
	return 0;
}

/* What the user typed comes back escaped: no control character reaches the terminal. */
static int t_cli_escapes(void)
{
	static const char *const cases[][8] = {
		{ "run", "a\x1b[2Jb.mlt", "-s", "global-rwsem", NULL },
		{ "run", "pft", "-s", "x\x1b]0;pwned\x07", NULL },
		{ "run", "pft", "-s", "global-rwsem", "--cpus", "1\n2", NULL },
		{ "run", "pft", "-s", "global-rwsem", "-p", "a\rb=1", NULL },
		{ "compare", "pft", "--bogus\nnext", "x", NULL },
		{ "compare", "pft", "-s", "glo\x08" "bal", NULL },
		{ "check", "--x\x1b[31m", NULL },
		{ "report", "a\nb.db", NULL },
		{ "merge", "out.db", "in\x7f.db", NULL },
		{ "sweep", "e\x1b[Kx.ini", "--db", "x.db", NULL },
		{ "list", "\x1b[31m", NULL },
		{ "fr\x1b[0mob", NULL },
	};
	char *argv[8];
	size_t i, j;

	new_case();
	if (enter_case() < 0)
		return 1;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (j = 0; cases[i][j]; j++)
			argv[j] = (char *)cases[i][j];
		argv[j] = NULL;
		/* bad_db_cli: one line, and one_line() refuses any control character. */
		if (bad_db_cli("escape", argv, "\\x"))
			return 1;
	}
	fprintf(stderr, "%d inputs\n", ntried);
	return 0;
}

/* ---- What the fuzzers found ---- */

/*
 * An experiment file through `sweep FILE --dry-run`, a database through
 * `report FILE`: no signal, a refusal is one line naming the file, and
 * the file is left as it was, alone in its directory.
 */
static int survives_command(const char *what, const char *target, const void *data, size_t n)
{
	int exp = !strcmp(target, "experiment");
	char in[400];
	char *sweep[] = { "sweep", in, "--dry-run", NULL };
	char *report[] = { "report", in, NULL };
	char **argv = exp ? sweep : report;
	unsigned long sum;
	struct run r;

	new_case();
	if (put(exp ? "exp.ini" : "in.db", data, n) < 0)
		return 1;
	snprintf(in, sizeof(in), "%s", cpath(exp ? "exp.ini" : "in.db"));
	sum = file_sum(in);
	if (run(argv, &r) < 0)
		return 1;
	if (r.sig || (r.status != 0 && (r.status != 2 || !one_line(r.err) ||
					strncmp(r.err, "mmlocksim ", 10) || !strstr(r.err, in))) ||
	    file_sum(in) != sum || entries() != 1) {
		show(what, argv, &r);
		return 1;
	}
	if (!exp) {
		/* The message itself is one line (cli_error() would escape a newline). */
		char err[1024] = "";
		struct store *s = store_open(in, STORE_READONLY, err, sizeof(err));

		ntried++;
		store_close(s);
		if (!s && (strchr(err, '\n') || strncmp(err, in, strlen(in)))) {
			fprintf(stderr, "%s: store_open: %s\n", what, err);
			return 1;
		}
	}
	return 0;
}

static int replay_dir(const char *target)
{
	char dir[256], path[600];
	struct dirent *e;
	DIR *d;
	int rc = 0;

	snprintf(dir, sizeof(dir), "tests/fuzz/regress/%s", target);
	d = opendir(dir);
	if (!d)
		return 0;	/* nothing found for this target (yet) */
	while (!rc && (e = readdir(d))) {
		FILE *f;
		char *buf;
		long n;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, "README"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0) {
			if (f)
				fclose(f);
			rc = 1;
			break;
		}
		rewind(f);
		buf = malloc((size_t)n + 1);
		if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			fclose(f);
			rc = 1;
			break;
		}
		fclose(f);
		if (!strcmp(target, "machine_ini")) {
			struct machine m;
			char err[512] = "";

			new_case();
			if (put("m.ini", buf, (size_t)n) < 0) {
				rc = 1;
			} else {
				ntried++;
				if (machine_load_ini(cpath("m.ini"), &m, err,
						     sizeof(err)) < 0 &&
				    (strncmp(err, cpath("m.ini"), strlen(cpath("m.ini"))) ||
				     strchr(err, '\n'))) {
					fprintf(stderr, "%s: %s\n", path, err);
					rc = 1;
				}
			}
		} else if (!strcmp(target, "experiment") || !strcmp(target, "db")) {
			rc = survives_command(path, target, buf, (size_t)n);
		} else {
			rc = survives(path, !strcmp(target, "mlt") ? "in.mlt" : "in.txt",
				      buf, (size_t)n);
		}
		free(buf);
	}
	closedir(d);
	return rc;
}

static int t_regress(void)
{
	static const char *const targets[] = { "perf", "strace", "mlt", "machine_ini", "experiment",
						"db" };
	size_t i;

	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		if (replay_dir(targets[i]))
			return 1;
	fprintf(stderr, "%d inputs\n", ntried);
	return 0;
}

const struct test_case badinput_tests[] = {
	{ "badinput/perf", t_perf },
	{ "badinput/strace", t_strace },
	{ "badinput/binary", t_binary },
	{ "badinput/huge", t_huge },
	{ "badinput/compressed", t_compressed },
	{ "badinput/mlt", t_mlt },
	{ "badinput/hostile_ok", t_hostile_ok },
	{ "badinput/ini", t_ini },
	{ "badinput/gen", t_gen },
	{ "badinput/cli", t_cli },
	{ "badinput/cli_commands", t_cli_commands },
	{ "badinput/cli_databases", t_cli_databases },
	{ "badinput/cli_escapes", t_cli_escapes },
	{ "badinput/db_corrupt", t_db_corrupt },
	{ "badinput/db_readonly", t_db_readonly },
	{ "badinput/db_locked", t_db_locked },
	{ "badinput/plot_dir", t_plot_dir },
	{ "badinput/fuzz_regress", t_regress },
	{ NULL, NULL },
};
