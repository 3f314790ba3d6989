/*
 * Trace layer tests: importers against the bundled real traces (counts from
 * traces/RECORDING.md), the .mlt round trip, and the error paths (clear
 * message, no output left behind).  Run from the repository root.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "tests/test.h"
#include "tests/scratch.h"
#include "traces/import.h"
#include "traces/mlt.h"
#include "traces/trace_stats.h"
#include "traces/textin.h"

extern const struct test_case trace_tests[];

#define XZ_PERF		"traces/samples/xz.perf.txt.xz"
#define PY_PERF		"traces/samples/py.perf.txt.xz"
#define PY_STRACE	"traces/samples/py.strace.xz"

struct want {
	uint64_t faults, mmap, munmap, mprotect, madvise, brk, threads;
};

static int check_perf(const char *path, const struct want *w)
{
	struct import_summary s;
	struct mlt_file *f;
	struct mlt_record r;
	char err[512];
	uint64_t n = 0, ops[MLT_NR_OPS] = { 0 };
	int rc;

	rc = trace_import(path, scratch_path("out.mlt"), &s, err, sizeof(err));
	CHECKF(rc == 0, "%s", err);
	fprintf(stderr, "%s: faults %llu mmap %llu munmap %llu mprotect %llu madvise %llu brk %llu threads %llu (tasks %llu)\n",
		path,
		(unsigned long long)import_event_count(&s, "exceptions:page_fault_user"),
		(unsigned long long)import_event_count(&s, "syscalls:sys_enter_mmap"),
		(unsigned long long)import_event_count(&s, "syscalls:sys_enter_munmap"),
		(unsigned long long)import_event_count(&s, "syscalls:sys_enter_mprotect"),
		(unsigned long long)import_event_count(&s, "syscalls:sys_enter_madvise"),
		(unsigned long long)import_event_count(&s, "syscalls:sys_enter_brk"),
		(unsigned long long)s.tids_seen, (unsigned long long)s.tasks);
	CHECK(import_event_count(&s, "exceptions:page_fault_user") == w->faults);
	CHECK(import_event_count(&s, "syscalls:sys_enter_mmap") == w->mmap);
	CHECK(import_event_count(&s, "syscalls:sys_exit_mmap") == w->mmap);
	CHECK(import_event_count(&s, "syscalls:sys_enter_munmap") == w->munmap);
	CHECK(import_event_count(&s, "syscalls:sys_enter_mprotect") == w->mprotect);
	CHECK(import_event_count(&s, "syscalls:sys_enter_madvise") == w->madvise);
	CHECK(import_event_count(&s, "syscalls:sys_enter_brk") == w->brk);
	/* The table counts distinct tids on event lines, swapper's 0 too. */
	CHECK(s.tids_seen == w->threads);
	CHECK(s.tasks == w->threads - 1);
	/* Every event line accounted for. */
	CHECKF(s.imported_lines + s.skipped_lines == s.event_lines,
	       "%llu + %llu != %llu", (unsigned long long)s.imported_lines,
	       (unsigned long long)s.skipped_lines,
	       (unsigned long long)s.event_lines);
	CHECK(s.event_lines + s.other_lines == s.lines);
	/* Every fault line became a record; the rest as documented. */
	CHECK(s.ops[MLT_FAULT] == w->faults);
	CHECK(s.ops[MLT_MUNMAP] == w->munmap);
	CHECK(s.ops[MLT_MPROTECT] == w->mprotect);
	CHECK(s.ops[MLT_MADVISE] == w->madvise);
	CHECK(s.ops[MLT_MMAP] >= w->mmap);

	f = mlt_open(scratch_path("out.mlt"), err, sizeof(err));
	CHECKF(f, "%s", err);
	CHECK(f->nrecords == s.records);
	CHECK(f->nthreads == s.tasks);
	while ((rc = mlt_next(f, &r)) > 0) {
		ops[r.op]++;
		n++;
	}
	CHECKF(rc == 0, "%s", f->err);
	CHECK(n == s.records);
	CHECK(!memcmp(ops, s.ops, sizeof(ops)));
	CHECK(f->last_time == s.duration_ns);
	mlt_close(f);
	CHECK(scratch_entries() == 1);
	scratch_cleanup();
	return 0;
}

static int t_perf_xz(void)
{
	static const struct want w = { 72623, 42, 5, 8, 0, 3, 4 };

	return check_perf(XZ_PERF, &w);
}

static int t_perf_py(void)
{
	static const struct want w = { 143269, 2561, 1654, 2181, 64, 138, 46 };

	return check_perf(PY_PERF, &w);
}

static int t_strace_py(void)
{
	struct import_opts o;
	struct import_summary s;
	char err[512];
	int rc;

	import_opts_default(&o);
	o.strace_synth_faults = 0;
	rc = trace_import_opts(PY_STRACE, scratch_path("s.mlt"), &o, &s, err,
			       sizeof(err));
	CHECKF(rc == 0, "%s", err);
	fprintf(stderr, "strace: mmap %llu munmap %llu mprotect %llu madvise %llu brk %llu exit %llu tasks %llu mms %llu\n",
		(unsigned long long)s.ops[MLT_MMAP],
		(unsigned long long)s.ops[MLT_MUNMAP],
		(unsigned long long)s.ops[MLT_MPROTECT],
		(unsigned long long)s.ops[MLT_MADVISE],
		(unsigned long long)s.ops[MLT_BRK],
		(unsigned long long)s.ops[MLT_EXIT],
		(unsigned long long)s.tasks, (unsigned long long)s.mms);
	CHECK(!strcmp(s.format, "strace"));
	CHECK(s.imported_lines + s.skipped_lines == s.event_lines);
	/* Same program as py.perf: same successful memory calls. */
	CHECK(s.ops[MLT_MMAP] == 2561);
	CHECK(s.ops[MLT_MUNMAP] == 1654);
	CHECK(s.ops[MLT_MPROTECT] == 2181);
	CHECK(s.ops[MLT_MADVISE] == 64);
	CHECK(s.ops[MLT_FAULT] == 0);
	CHECK(import_event_count(&s, "mmap resumed") > 0);
	CHECK(import_skip_count(&s, "signal") > 0);

	/* With synthesis: faults appear, nothing else changes. */
	rc = trace_import(PY_STRACE, scratch_path("s2.mlt"), &s, err, sizeof(err));
	CHECKF(rc == 0, "%s", err);
	CHECK(s.ops[MLT_FAULT] == s.synth_faults && s.synth_faults > 0);
	CHECK(s.ops[MLT_MMAP] == 2561);
	scratch_cleanup();
	return 0;
}

/* The .gz path: compress a slice of a real trace with zlib, import it. */
static int t_gzip_input(void)
{
	struct textin *t;
	struct import_summary s, s2;
	char err[512], *line;
	size_t len;
	gzFile gz;
	FILE *plain;
	int n = 0;

	t = textin_open(XZ_PERF, err, sizeof(err));
	CHECKF(t, "%s", err);
	gz = gzopen(scratch_path("in.txt.gz"), "wb");
	plain = fopen(scratch_path("in.txt"), "w");
	CHECK(gz && plain);
	while (n < 20000 && textin_getline(t, &line, &len) > 0) {
		gzprintf(gz, "%s\n", line);
		fprintf(plain, "%s\n", line);
		n++;
	}
	textin_close(t);
	CHECK(gzclose(gz) == Z_OK);
	CHECK(fclose(plain) == 0);
	CHECKF(trace_import(scratch_path("in.txt.gz"), scratch_path("gz.mlt"), &s, err,
			    sizeof(err)) == 0, "%s", err);
	CHECKF(trace_import(scratch_path("in.txt"), scratch_path("plain.mlt"), &s2, err,
			    sizeof(err)) == 0, "%s", err);
	CHECK(!strcmp(s.input_kind, "gzip") && !strcmp(s2.input_kind, "plain"));
	CHECK(s.lines == 20000 && s2.lines == 20000);
	CHECK(s.records == s2.records && s.records > 0);
	CHECK(!memcmp(s.ops, s2.ops, sizeof(s.ops)));
	scratch_cleanup();
	return 0;
}

/*
 * Files open in this process under dir that were made with a name: where
 * the file system has O_TMPFILE, a file made without one shows in
 * /proc/self/fd as dir/#INODE (deleted); 0 where it has not (nothing to
 * tell them apart by).
 */
static int named_files_open_in(const char *dir)
{
	size_t len = strlen(dir);
	char link[300], target[4096];
	struct dirent *e;
	int probe, named = 0;
	DIR *d;

	probe = open(dir, O_TMPFILE | O_RDWR, 0600);
	if (probe < 0)
		return 0;
	close(probe);
	d = opendir("/proc/self/fd");
	while (d && (e = readdir(d))) {
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (!strncmp(target, dir, len) && target[len] == '/' && target[len + 1] != '#') {
			printf("  open with a name: %s\n", target);
			named++;
		}
	}
	if (d)
		closedir(d);
	return named;
}

static int t_roundtrip(void)
{
	struct mlt_thread th[2] = { { 100, 0, "main" }, { 101, 1, "child" } };
	uint64_t mms[2] = { 100, 101 };
	struct mlt_record in[300], r;
	struct mlt_writer *w;
	struct mlt_file *f;
	char err[512];
	int i;

	for (i = 0; i < 300; i++) {
		in[i] = (struct mlt_record){
			.time_ns = (uint64_t)i * 1000 + (i & 1),
			.addr = 0x7f0000000000ull + (uint64_t)i * 4096,
			.len = (uint64_t)i << 33, .arg0 = ~(uint64_t)i,
			.arg1 = 0x0123456789abcdefull, .task = (uint32_t)(i & 1),
			.mm = (uint16_t)(i & 1), .op = (uint8_t)(i % MLT_NR_OPS),
			.flags = (uint8_t)(i & MLT_F_ALL),
		};
	}
	w = mlt_writer_open(scratch_path("rt.mlt"), err, sizeof(err));
	CHECKF(w, "%s", err);
	for (i = 0; i < 300; i++)
		CHECK(mlt_writer_add(w, &in[i]) == 0);
	/* Nothing visible under the final name before close, and the
	 * records' scratch file never had a name a kill could leave. */
	CHECK(!file_exists(scratch_path("rt.mlt")));
	CHECK(scratch_entries() == 0);
	CHECK(named_files_open_in(scratch_dir()) == 0);
	CHECKF(mlt_writer_close(w, th, 2, mms, 2, "round trip", err,
				sizeof(err)) == 0, "%s", err);
	f = mlt_open(scratch_path("rt.mlt"), err, sizeof(err));
	CHECKF(f, "%s", err);
	CHECK(f->nrecords == 300 && f->nthreads == 2 && f->nmms == 2);
	CHECK(!strcmp(f->source, "round trip"));
	CHECK(f->threads[1].tid == 101 && f->threads[1].mm == 1);
	CHECK(!strcmp(f->threads[1].comm, "child"));
	CHECK(f->mm_ids[1] == 101);
	for (i = 0; i < 300; i++) {
		CHECK(mlt_next(f, &r) == 1);
		CHECKF(!memcmp(&r, &in[i], sizeof(r)) ||
		       (r.time_ns == in[i].time_ns && r.addr == in[i].addr &&
			r.len == in[i].len && r.arg0 == in[i].arg0 &&
			r.arg1 == in[i].arg1 && r.task == in[i].task &&
			r.mm == in[i].mm && r.op == in[i].op &&
			r.flags == in[i].flags), "record %d differs", i);
	}
	CHECK(mlt_next(f, &r) == 0);
	mlt_get(f, 7, &r);
	CHECK(r.addr == in[7].addr);
	mlt_close(f);
	/* Abort leaves nothing; a failed close leaves nothing. */
	w = mlt_writer_open(scratch_path("ab.mlt"), err, sizeof(err));
	CHECK(w && mlt_writer_add(w, &in[0]) == 0);
	mlt_writer_abort(w);
	w = mlt_writer_open(scratch_path("bad.mlt"), err, sizeof(err));
	CHECK(w && mlt_writer_add(w, &in[1]) == 0);
	CHECK(mlt_writer_close(w, th, 1, mms, 1, "", err, sizeof(err)) < 0);
	CHECK(strstr(err, "task"));
	CHECK(scratch_entries() == 1);
	scratch_cleanup();
	return 0;
}

/* Copy SRC to DST with a patch of N bytes at OFF, or truncated to CUT. */
static int patched(const char *src, const char *dst, long off,
		   const void *bytes, size_t n, long cut)
{
	FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
	char buf[1 << 16];
	size_t k, total = 0;

	if (!in || !out)
		return -1;
	while ((k = fread(buf, 1, sizeof(buf), in)) > 0) {
		if (cut >= 0 && total + k > (size_t)cut)
			k = (size_t)cut - total;
		fwrite(buf, 1, k, out);
		total += k;
		if (cut >= 0 && total >= (size_t)cut)
			break;
	}
	if (n) {
		fseek(out, off, SEEK_SET);
		fwrite(bytes, 1, n, out);
	}
	fclose(in);
	return fclose(out);
}

static int t_reader_rejects(void)
{
	struct mlt_thread th = { 1, 0, "x" };
	uint64_t mm = 1;
	struct mlt_record r = { .op = MLT_FAULT };
	struct mlt_writer *w;
	struct mlt_file *f;
	char err[512];
	unsigned char v2[4] = { MLT_VERSION + 1, 0, 0, 0 };	/* one this reader does not know */
	unsigned char badop = 200;
	int i;

	w = mlt_writer_open(scratch_path("good.mlt"), err, sizeof(err));
	CHECK(w);
	for (i = 0; i < 10; i++) {
		r.time_ns = (uint64_t)i;
		CHECK(mlt_writer_add(w, &r) == 0);
	}
	CHECK(mlt_writer_close(w, &th, 1, &mm, 1, "t", err, sizeof(err)) == 0);

	CHECK(patched(scratch_path("good.mlt"), scratch_path("m.mlt"), 0, "MLT2", 4, -1) == 0);
	f = mlt_open(scratch_path("m.mlt"), err, sizeof(err));
	CHECK(!f && strstr(err, "magic") && strstr(err, "byte 0"));
	fprintf(stderr, "bad magic: %s\n", err);

	CHECK(patched(scratch_path("good.mlt"), scratch_path("v.mlt"), 4, v2, 4, -1) == 0);
	f = mlt_open(scratch_path("v.mlt"), err, sizeof(err));
	CHECK(!f && strstr(err, "version") && strstr(err, "byte 4"));
	fprintf(stderr, "bad version: %s\n", err);

	/* Header 24 + 24 thread + 8 mm + 4 + 1 source -> 64; cut mid-record. */
	CHECK(patched(scratch_path("good.mlt"), scratch_path("t.mlt"), 0, NULL, 0,
		      64 + 5 * 48 + 10) == 0);
	f = mlt_open(scratch_path("t.mlt"), err, sizeof(err));
	CHECK(!f && strstr(err, "truncated") && strstr(err, "record 5"));
	fprintf(stderr, "truncated: %s\n", err);

	CHECK(patched(scratch_path("good.mlt"), scratch_path("h.mlt"), 0, NULL, 0, 10) == 0);
	f = mlt_open(scratch_path("h.mlt"), err, sizeof(err));
	CHECK(!f && strstr(err, "header"));

	/* A bad op is caught by mlt_next with the record index. */
	CHECK(patched(scratch_path("good.mlt"), scratch_path("o.mlt"), 64 + 3 * 48 + 46,
		      &badop, 1, -1) == 0);
	f = mlt_open(scratch_path("o.mlt"), err, sizeof(err));
	CHECKF(f, "%s", err);
	for (i = 0; i < 3; i++)
		CHECK(mlt_next(f, &r) == 1);
	CHECK(mlt_next(f, &r) == -1 && strstr(f->err, "record 3"));
	fprintf(stderr, "bad op: %s\n", f->err);
	mlt_close(f);
	scratch_cleanup();
	return 0;
}

/* Bad input: clear "FILE:LINE: expected" and no output file. */
static int expect_fail(const char *text, const char *want)
{
	char err[512];
	struct import_summary s;

	if (write_file(scratch_path("bad.txt"), text) < 0)
		return 1;
	if (trace_import(scratch_path("bad.txt"), scratch_path("bad.mlt"), &s, err,
			 sizeof(err)) == 0) {
		fprintf(stderr, "import of bad input succeeded\n");
		return 1;
	}
	fprintf(stderr, "error: %s\n", err);
	if (!strstr(err, want) || strncmp(err, scratch_dir(), strlen(scratch_dir()))) {
		fprintf(stderr, "expected '%s' in the message\n", want);
		return 1;
	}
	if (file_exists(scratch_path("bad.mlt")) || scratch_entries() != 1) {
		fprintf(stderr, "output or temporaries left behind\n");
		return 1;
	}
	return 0;
}

static int t_bad_input(void)
{
	static const char head[] =
		"   xz  1/1  [000]   1.000000: exceptions:page_fault_user: address=0x1000 ip=0x1 error_code=0x6\n";
	char buf[1024];

	CHECK(expect_fail("", "unknown trace format") == 0);
	CHECK(expect_fail("\n\n# nothing\n", "unknown trace format") == 0);
	CHECK(expect_fail("hello world\n", "unknown trace format") == 0);
	snprintf(buf, sizeof(buf), "%s   xz  1/1  [000]   1.000001: exceptions:page_fault_user: ip=0x1\n", head);
	CHECK(expect_fail(buf, "bad.txt:2: expected address=") == 0);
	snprintf(buf, sizeof(buf), "%s   xz  1/1  [000]   1.000001: syscalls:sys_enter_mmap: addr: 0x0, len: 0x1000\n", head);
	CHECK(expect_fail(buf, "bad.txt:2: expected addr:, len:, prot:") == 0);
	snprintf(buf, sizeof(buf), "%sgarbage line\n", head);
	CHECK(expect_fail(buf, "bad.txt:2: expected an event line") == 0);
	snprintf(buf, sizeof(buf), "%s   xz  1/1  [000]   1.000002: mmap_lock:mmap_lock_released: write=true\n", head);
	CHECK(expect_fail(buf, "bad.txt:2: expected mm=") == 0);
	CHECK(expect_fail("1 1.000000 mmap(NULL, 4096, PROT_BOGUS, MAP_PRIVATE, -1, 0) = 0x1000\n",
			  "bad.txt:1: expected numbers or known flag names") == 0);
	CHECK(expect_fail("1 1.000000 mmap(NULL, 4096\n",
			  "bad.txt:1: expected ') = RESULT'") == 0);
	scratch_cleanup();
	return 0;
}

/* A truncated compressed trace is an error, not a short trace. */
static int t_truncated_xz(void)
{
	char err[512];
	struct import_summary s;

	CHECK(patched(XZ_PERF, scratch_path("cut.txt.xz"), 0, NULL, 0, 100000) == 0);
	CHECK(trace_import(scratch_path("cut.txt.xz"), scratch_path("cut.mlt"), &s, err,
			   sizeof(err)) < 0);
	fprintf(stderr, "truncated xz: %s\n", err);
	CHECK(strstr(err, "truncated") || strstr(err, "corrupt"));
	CHECK(!file_exists(scratch_path("cut.mlt")) && scratch_entries() == 1);
	scratch_cleanup();
	return 0;
}

/* Pairing, skip reasons and time order on a hand-written perf trace. */
static int t_perf_semantics(void)
{
	static const char text[] =
		"# a comment\n"
		"         swapper     0/0     [000]     0.000000: PERF_RECORD_MMAP -1/0: [0xffffffff81000000(0x1276508) @ 0xffffffff81000000]: x [kernel.kallsyms]_text\n"
		"   a b  10/10  [000]  5.000000: PERF_RECORD_MMAP2 10/10: [0x400000(0x1000) @ 0 fe:00 1 0]: r-xp /bin/a\n"
		"   a b  10/10  [000]  5.000001: syscalls:sys_enter_mmap: addr: 0x00000000, len: 0x00002000, prot: 0x00000003, flags: 0x00000022, fd: 0xffffffff, off: 0x00000000\n"
		"   a b  10/11  [001]  5.000002: exceptions:page_fault_user: address=0x7000 ip=0x400000 error_code=0x7\n"
		"   a b  10/10  [000]  5.000003: syscalls:sys_exit_mmap: 0x7f0000000000\n"
		"   a b  10/10  [000]  5.000004: sched:sched_process_fork: comm=a pid=10 child_comm=kid child_pid=12\n"
		"   a b  10/10  [000]  5.000005: syscalls:sys_enter_mmap: addr: 0x00000000, len: 0x00002000, prot: 0x00000003, flags: 0x00000022, fd: 0xffffffff, off: 0x00000000\n"
		"   a b  10/10  [000]  5.000006: syscalls:sys_exit_mmap: 0xfffffffffffffff4\n"
		"   kid  12/12  [001]  5.000007: syscalls:sys_enter_brk: brk: 0x00000000\n"
		"   kid  12/12  [001]  5.000008: syscalls:sys_exit_brk: 0x1000000\n"
		"   kid  12/12  [001]  5.000009: syscalls:sys_enter_brk: brk: 0x01021000\n"
		"   kid  12/12  [001]  5.000010: syscalls:sys_exit_brk: 0x1021000\n"
		"   a b  10/10  [000]  5.000011: syscalls:sys_exit_brk: 0x1021000\n"
		"   a b  10/10  [000]  5.000012: mmap_lock:mmap_lock_acquire_returned: mm=0xffff1 memcg_path=/ write=true success=true\n"
		"   a b  10/10  [000]  5.000013: sched:sched_switch: prev_comm=a\n"
		"   kid  12/12  [001]  5.000014: sched:sched_process_exit: comm=kid pid=12 prio=120 group_dead=true\n";
	struct import_summary s;
	struct mlt_file *f;
	struct mlt_record r[16];
	char err[512];
	int n = 0;

	CHECK(write_file(scratch_path("sem.txt"), text) == 0);
	CHECKF(trace_import(scratch_path("sem.txt"), scratch_path("sem.mlt"), &s, err,
			    sizeof(err)) == 0, "%s", err);
	import_summary_print(&s, stderr);
	CHECK(s.other_lines == 1 && s.event_lines == 16);
	CHECK(s.imported_lines + s.skipped_lines == s.event_lines);
	CHECK(import_skip_count(&s, "kernel mapping") == 1);
	CHECK(import_skip_count(&s, "mmap failed (negative return)") == 2);
	CHECK(import_skip_count(&s, "brk query (break unchanged)") == 2);
	CHECK(import_skip_count(&s, "unmatched sys_exit") == 1);
	CHECK(import_skip_count(&s, "event not used by the simulator") == 1);
	CHECK(s.lock_acquire_write == 1);
	f = mlt_open(scratch_path("sem.mlt"), err, sizeof(err));
	CHECKF(f, "%s", err);
	while (n < 16 && mlt_next(f, &r[n]) > 0)
		n++;
	/* mmap2, mmap (stamped at its sys_enter, before the fault), fault,
	 * fork, brk, exit */
	CHECKF(n == 6, "%d records", n);
	CHECK(r[0].op == MLT_MMAP && (r[0].flags & MLT_F_FILE) &&
	      (r[0].flags & MLT_F_EXEC) && r[0].time_ns == 0);
	CHECK(r[1].op == MLT_MMAP && r[1].addr == 0x7f0000000000ull &&
	      r[1].len == 0x2000 && r[1].arg0 == 3 && r[1].arg1 == 0x22 &&
	      r[1].time_ns == 1000 && r[1].flags == MLT_F_WRITE);
	CHECK(r[2].op == MLT_FAULT && r[2].addr == 0x7000 &&
	      r[2].flags == (MLT_F_WRITE | MLT_F_PRESENT) && r[2].time_ns == 2000);
	CHECK(r[2].mm == r[1].mm && r[2].task != r[1].task);
	CHECK(r[3].op == MLT_FORK && r[3].arg0 == r[1].task &&
	      r[3].mm != r[1].mm);
	CHECK(f->threads[r[3].task].tid == 12 &&
	      !strcmp(f->threads[r[3].task].comm, "kid"));
	CHECK(!strncmp(f->threads[0].comm, "a b", 3));
	CHECK(r[4].op == MLT_BRK && r[4].addr == 0x1021000 &&
	      r[4].arg0 == 0x1000000 && r[4].task == r[3].task &&
	      r[4].mm == r[3].mm);
	CHECK(r[5].op == MLT_EXIT && r[5].task == r[3].task);
	mlt_close(f);
	scratch_cleanup();
	return 0;
}

/* The records of an imported text, and how many. */
static int import_records(const char *name, const char *text, struct mlt_record *r, int max,
			  struct import_summary *s)
{
	struct mlt_file *f;
	char err[512];
	int n = 0;

	if (write_file(scratch_path(name), text) != 0 ||
	    trace_import(scratch_path(name), scratch_path("le.mlt"), s, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", name, err);
		return -1;
	}
	f = mlt_open(scratch_path("le.mlt"), err, sizeof(err));
	if (!f)
		return -1;
	while (n < max && mlt_next(f, &r[n]) > 0)
		n++;
	mlt_close(f);
	return n;
}

/* LF, CRLF and CR-only text import the same records, line for line. */
static int t_line_ends(void)
{
	static const char *const ends[] = { "\n", "\r\n", "\r" };
	static const char *const lines[] = {
		"   a  10/10  [000]  5.000000: exceptions:page_fault_user: address=0x7000 ip=0x1 error_code=0x6",
		"# a comment",
		"   a  10/10  [000]  5.000001: exceptions:page_fault_user: address=0x8000 ip=0x1 error_code=0x6",
		"",
		"   a  10/11  [001]  5.000002: exceptions:page_fault_user: address=0x9000 ip=0x1 error_code=0x7",
	};
	struct mlt_record want[8], got[8];
	struct import_summary s;
	char text[1024];
	size_t e, i, k;
	int n = 0;

	for (e = 0; e < 3; e++) {
		for (i = k = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
			k += (size_t)snprintf(text + k, sizeof(text) - k, "%s%s", lines[i], ends[e]);
		n = import_records("le.txt", text, e ? got : want, 8, &s);
		CHECKF(n == 3, "line ends %zu: %d records", e, n);
		CHECKF(s.lines == 5 && s.other_lines == 2, "line ends %zu: %llu lines, %llu other",
		       e, (unsigned long long)s.lines, (unsigned long long)s.other_lines);
		if (e)
			CHECK(!memcmp(got, want, sizeof(want[0]) * 3));
	}
	CHECK(want[1].addr == 0x8000 && want[2].task != want[1].task);
	scratch_cleanup();
	return 0;
}

/*
 * A step back of up to a second is the tracer's own jitter, raised; the
 * longest gap is reported with its line (a refusal of a longer step back
 * is in tests/test_badinput.c).
 */
static int t_time_steps(void)
{
	static const char text[] =
		"7  1.000000 brk(NULL) = 0x1000000\n"
		"8  1.500000 brk(NULL) = 0x2000000\n"
		"7  1.200000 munmap(0x7f0000000000, 8192) = 0\n"
		"8  900.000000 munmap(0x7f0000000000, 8192) = 0\n"
		"7  901.000000 munmap(0x7f0000000000, 8192) = 0\n";
	struct mlt_record r[8];
	struct import_summary s;
	int n = import_records("steps.strace", text, r, 8, &s);

	CHECK(n == 3);
	CHECK(s.clamped == 1);
	CHECK(r[0].time_ns == 500000000ull);	/* 1.2 s raised to 1.5 s */
	CHECK(s.max_gap_ns == 898500000000ull && s.max_gap_line == 4);
	scratch_cleanup();
	return 0;
}

static int t_open_any_and_stats(void)
{
	struct import_summary s;
	struct mlt_file *f;
	char err[512];
	FILE *out;
	char *buf = NULL;
	size_t len = 0;

	f = trace_open_any(XZ_PERF, NULL, &s, err, sizeof(err));
	CHECKF(f, "%s", err);
	CHECK(f->nrecords == s.records && s.ops[MLT_FAULT] == 72623);
	mlt_close(f);
	CHECK(trace_import(XZ_PERF, scratch_path("x.mlt"), NULL, err, sizeof(err)) == 0);
	f = trace_open_any(scratch_path("x.mlt"), NULL, NULL, err, sizeof(err));
	CHECKF(f, "%s", err);
	CHECK(f->nrecords == s.records);
	mlt_close(f);
	out = open_memstream(&buf, &len);
	CHECK(out);
	CHECK(trace_stats(scratch_path("x.mlt"), out, err, sizeof(err)) == 0);
	fclose(out);
	fputs(buf, stderr);
	CHECK(strstr(buf, "fault=72623"));
	CHECK(strstr(buf, "distinct 4 KiB pages faulted"));
	CHECK(strstr(buf, "tid 2121"));
	free(buf);
	CHECK(trace_stats(scratch_path("missing.mlt"), stderr, err, sizeof(err)) < 0);
	CHECK(strstr(err, "missing.mlt"));
	scratch_cleanup();
	return 0;
}

const struct test_case trace_tests[] = {
	{ "traces/perf_xz_counts", t_perf_xz },
	{ "traces/perf_py_counts", t_perf_py },
	{ "traces/strace_py", t_strace_py },
	{ "traces/gzip_input", t_gzip_input },
	{ "traces/mlt_roundtrip", t_roundtrip },
	{ "traces/mlt_reader_rejects", t_reader_rejects },
	{ "traces/bad_input", t_bad_input },
	{ "traces/truncated_xz", t_truncated_xz },
	{ "traces/perf_semantics", t_perf_semantics },
	{ "traces/line_ends", t_line_ends },
	{ "traces/time_steps", t_time_steps },
	{ "traces/open_any_and_stats", t_open_any_and_stats },
	{ NULL, NULL },
};
