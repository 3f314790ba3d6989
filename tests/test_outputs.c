/*
 * Where outputs go, end to end through test_bindir/mmlocksim: a device or
 * other special file named as an output is written in place or refused,
 * never renamed over; an output that is the input is refused; a write that
 * fails (a full disk, here RLIMIT_FSIZE) is reported naming the output and
 * leaves nothing behind, the database of compare --db included.
 *
 * The devices are made with mknod in the scratch directory (root, as on
 * every machine of the project): the system's own /dev/null and /dev/full
 * are never named, so a regression here cannot replace them.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "tests/scratch.h"

extern const struct test_case output_tests[];

static char errbuf[8192];

/*
 * mmlocksim ARGS... (NULL-terminated) in the scratch directory, stdout to
 * /dev/null, stderr kept in errbuf; FSIZE_KB > 0 caps the size of every
 * file it writes, with SIGXFSZ ignored so that a write past the cap fails
 * with EFBIG as a write to a full disk fails with ENOSPC.  Exit status, or
 * 128 + signal.
 */
static int mmlocksim(long fsize_kb, ...)
{
	char bin[300], errpath[600], *argv[40];
	int n = 1, st, fd;
	va_list ap;
	pid_t pid;
	FILE *f;
	size_t k;

	snprintf(bin, sizeof(bin), "%s/mmlocksim", test_bindir);
	if (bin[0] != '/') {
		char cwd[256];

		if (getcwd(cwd, sizeof(cwd)))
			snprintf(bin, sizeof(bin), "%s/%s/mmlocksim", cwd, test_bindir);
	}
	snprintf(errpath, sizeof(errpath), "%s.stderr", scratch_dir());
	argv[0] = bin;
	va_start(ap, fsize_kb);
	while (n < 39 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 2);
		close(fd);
		fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		close(fd);
		if (chdir(scratch_dir()) < 0)
			_exit(126);
		setenv("TMPDIR", scratch_dir(), 1);
		if (fsize_kb > 0) {
			struct rlimit rl = { (rlim_t)fsize_kb << 10, (rlim_t)fsize_kb << 10 };

			signal(SIGXFSZ, SIG_IGN);
			setrlimit(RLIMIT_FSIZE, &rl);
		}
		alarm(120);
		execv(bin, argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	f = fopen(errpath, "r");
	k = f ? fread(errbuf, 1, sizeof(errbuf) - 1, f) : 0;
	errbuf[k] = 0;
	if (f)
		fclose(f);
	unlink(errpath);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int is_chr(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISCHR(st.st_mode);
}

static int one_line(const char *s)
{
	const char *nl = strchr(s, '\n');

	return nl && !nl[1];
}

/* A few strace lines: three mappings written to, faults synthesized. */
static int small_strace(const char *name)
{
	return write_file(scratch_path(name),
		"7  1.000000 brk(NULL) = 0x1000000\n"
		"7  1.000100 mmap(NULL, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n"
		"7  1.000200 mmap(NULL, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000100000\n"
		"7  1.000300 munmap(0x7f0000000000, 65536) = 0\n");
}

/* The scratch directory holds EXPECTED entries: no output or temporary left. */
static int entries_are(int expected)
{
	int n = scratch_entries();

	if (n != expected)
		fprintf(stderr, "scratch directory has %d entries, expected %d\n", n, expected);
	return n == expected;
}

static int t_special_files(void)
{
	const char *full = scratch_path("full"), *null = scratch_path("null");
	int n;

	if (mknod(full, S_IFCHR | 0666, makedev(1, 7)) < 0 ||
	    mknod(null, S_IFCHR | 0666, makedev(1, 3)) < 0) {
		/* Not root: nothing here can be tried, and it says so. */
		printf("skipped: mknod needs root (%s)\n", strerror(errno));
		return 0;
	}
	CHECK(small_strace("in.strace") == 0);
	CHECK(mkdir(scratch_path("dir"), 0755) == 0);
	n = scratch_entries();

	/* /dev/full: every writer fails naming it, and it stays a device. */
	CHECKF(mmlocksim(0, "import", "in.strace", "-o", "full", NULL) == 2, "%s", errbuf);
	CHECKF(one_line(errbuf) && strstr(errbuf, "full: write"), "%s", errbuf);
	CHECK(is_chr(full));
	CHECKF(mmlocksim(0, "gen", "pft", "-p", "size=1M", "-o", "full", NULL) == 2, "%s", errbuf);
	CHECKF(one_line(errbuf) && strstr(errbuf, "full: write"), "%s", errbuf);
	CHECK(is_chr(full));
	CHECKF(mmlocksim(0, "run", "pft", "-s", "global-rwsem", "-p", "size=1M",
			 "--timeline", "full", NULL) == 2, "%s", errbuf);
	CHECKF(strstr(errbuf, "full: write failed"), "%s", errbuf);
	CHECK(is_chr(full));
	CHECK(entries_are(n));

	/* /dev/null takes any stream, and stays a device too. */
	CHECKF(mmlocksim(0, "import", "in.strace", "-o", "null", NULL) == 0, "%s", errbuf);
	CHECK(is_chr(null));
	CHECKF(mmlocksim(0, "gen", "pft", "-p", "size=1M", "-o", "null", NULL) == 0, "%s", errbuf);
	CHECK(is_chr(null));
	CHECKF(mmlocksim(0, "run", "pft", "-s", "global-rwsem", "-p", "size=1M",
			 "--timeline", "null", NULL) == 0, "%s", errbuf);
	CHECK(is_chr(null));
	CHECK(entries_are(n));

	/* A database cannot live on a device: refused before SQLite opens it. */
	CHECKF(mmlocksim(0, "run", "pft", "-s", "global-rwsem", "-p", "size=1M",
			 "--db", "good.db", NULL) == 0, "%s", errbuf);
	n++;
	CHECKF(mmlocksim(0, "merge", "full", "good.db", NULL) == 2, "%s", errbuf);
	CHECKF(one_line(errbuf) && strstr(errbuf, "full: is a character device") &&
	       strstr(errbuf, "expected"), "%s", errbuf);
	CHECKF(mmlocksim(0, "run", "pft", "-s", "global-rwsem", "-p", "size=1M",
			 "--db", "null", NULL) == 2, "%s", errbuf);
	CHECKF(mmlocksim(0, "compare", "pft", "-s", "global-rwsem", "--cpus", "1", "--seeds", "1",
			 "-p", "size=1M", "--db", "full", NULL) == 2, "%s", errbuf);
	CHECKF(strstr(errbuf, "full: is a character device"), "%s", errbuf);
	CHECK(is_chr(full) && is_chr(null));
	CHECK(entries_are(n));

	/* A directory is refused; a link is followed and stays a link. */
	CHECKF(mmlocksim(0, "import", "in.strace", "-o", "dir", NULL) == 2, "%s", errbuf);
	CHECKF(one_line(errbuf) && strstr(errbuf, "dir: is a directory"), "%s", errbuf);
	CHECK(write_file(scratch_path("real.mlt"), "old\n") == 0);
	CHECK(symlink("real.mlt", scratch_path("link.mlt")) == 0);
	n += 2;
	CHECKF(mmlocksim(0, "import", "in.strace", "-o", "link.mlt", NULL) == 0, "%s", errbuf);
	{
		struct stat st;

		CHECK(lstat(scratch_path("link.mlt"), &st) == 0 && S_ISLNK(st.st_mode));
		CHECK(stat(scratch_path("real.mlt"), &st) == 0 && st.st_size > 100);
	}
	CHECKF(mmlocksim(0, "stats", "link.mlt", NULL) == 0, "%s", errbuf);
	CHECK(entries_are(n));
	return 0;
}

static int same_bytes(const char *a, const char *b)
{
	char cmd[1200];

	snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s'", a, b);
	return system(cmd) == 0;
}

static int t_output_is_input(void)
{
	CHECK(small_strace("x.strace") == 0);
	CHECK(small_strace("keep.strace") == 0);
	CHECK(link(scratch_path("x.strace"), scratch_path("hard.strace")) == 0);

	CHECKF(mmlocksim(0, "import", "x.strace", "-o", "x.strace", NULL) == 2, "%s", errbuf);
	CHECKF(one_line(errbuf) && strstr(errbuf, "is the input"), "%s", errbuf);
	CHECK(same_bytes(scratch_path("x.strace"), scratch_path("keep.strace")));
	/* Another spelling, or another name of the same file, is the same file. */
	CHECKF(mmlocksim(0, "import", "x.strace", "-o", "./x.strace", NULL) == 2, "%s", errbuf);
	CHECKF(mmlocksim(0, "import", "x.strace", "-o", "hard.strace", NULL) == 2, "%s", errbuf);
	CHECK(same_bytes(scratch_path("x.strace"), scratch_path("keep.strace")));

	/* run's timeline over its trace or its database. */
	CHECKF(mmlocksim(0, "run", "x.strace", "-s", "global-rwsem", "--timeline", "x.strace",
			 NULL) == 2, "%s", errbuf);
	CHECKF(one_line(errbuf) && strstr(errbuf, "is the input"), "%s", errbuf);
	CHECK(same_bytes(scratch_path("x.strace"), scratch_path("keep.strace")));
	CHECKF(mmlocksim(0, "run", "x.strace", "-s", "global-rwsem", "--db", "r.db", NULL) == 0,
	       "%s", errbuf);
	CHECK(same_bytes(scratch_path("x.strace"), scratch_path("keep.strace")));
	CHECKF(mmlocksim(0, "run", "x.strace", "-s", "global-rwsem", "--db", "r.db",
			 "--timeline", "r.db", NULL) == 2, "%s", errbuf);
	CHECKF(mmlocksim(0, "report", "r.db", NULL) == 0, "%s", errbuf);
	return 0;
}

/*
 * A strace trace of 100 writable 1 MiB mappings: 25600 synthesized faults,
 * 1.2 MiB of .mlt, so that the records overflow the writer's buffer while
 * the input is still being read.
 */
static int big_strace(const char *name)
{
	FILE *f = fopen(scratch_path(name), "w");
	int i;

	if (!f)
		return -1;
	fprintf(f, "7  1.000000 brk(NULL) = 0x1000000\n");
	for (i = 0; i < 100; i++)
		fprintf(f, "7  1.%06d mmap(NULL, 1048576, PROT_READ|PROT_WRITE, "
			"MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x%llx\n", i + 1,
			0x7f0000000000ull + (unsigned long long)i * 0x100000);
	return fclose(f);
}

static int t_full_disk(void)
{
	int n;

	CHECK(big_strace("big.strace") == 0);
	CHECKF(mmlocksim(0, "gen", "pft", "-p", "size=256K", "-p", "iterations=1", "-o",
			 "small.mlt", NULL) == 0, "%s", errbuf);
	n = scratch_entries();

	/* The message names the output that failed, not a line of the input. */
	CHECKF(mmlocksim(64, "import", "big.strace", "-o", "o.mlt", NULL) == 2, "%s", errbuf);
	CHECKF(one_line(errbuf) && strstr(errbuf, "o.mlt: write") &&
	       !strstr(errbuf, "big.strace"), "%s", errbuf);
	CHECK(entries_are(n));
	CHECKF(mmlocksim(64, "gen", "pft", "-p", "size=4M", "-o", "g.mlt", NULL) == 2, "%s", errbuf);
	CHECKF(one_line(errbuf) && strstr(errbuf, "g.mlt: write"), "%s", errbuf);
	CHECK(entries_are(n));
	CHECKF(mmlocksim(16, "run", "small.mlt", "-s", "global-rwsem", "--timeline", "t.json",
			 NULL) == 2, "%s", errbuf);
	CHECKF(strstr(errbuf, "t.json: write failed"), "%s", errbuf);
	CHECK(entries_are(n));

	/*
	 * compare --db: the database fills up after a run or two of the eight.
	 * What is left must not pass for the comparison: nothing is.
	 */
	CHECKF(mmlocksim(100, "compare", "small.mlt", "-s", "global-rwsem,rcu-fault",
			 "--cpus", "1,2", "--seeds", "2", "--jobs", "1", "--db", "c.db", NULL) == 1,
	       "%s", errbuf);
	CHECKF(strstr(errbuf, "c.db: not written"), "%s", errbuf);
	CHECK(!file_exists(scratch_path("c.db")));
	CHECK(entries_are(n));
	/* The same with room: the database is there, every run in it. */
	CHECKF(mmlocksim(0, "compare", "small.mlt", "-s", "global-rwsem,rcu-fault",
			 "--cpus", "1,2", "--seeds", "2", "--jobs", "1", "--db", "c.db", NULL) == 0,
	       "%s", errbuf);
	CHECK(file_exists(scratch_path("c.db")));
	CHECK(entries_are(n + 1));
	return 0;
}

const struct test_case output_tests[] = {
	{ "outputs/special_files", t_special_files },
	{ "outputs/output_is_input", t_output_is_input },
	{ "outputs/full_disk", t_full_disk },
	{ NULL, NULL },
};
