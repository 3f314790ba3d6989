/*
 * Plugins as a user outside the project builds them: every function and
 * variable the scheme-facing headers declare is exported by the binaries
 * that load plugins, tools/build-plugin builds a scheme from its source
 * alone, and the check catches the mistakes a per-VMA percpu-rwsem scheme
 * makes (tests/plugin_pcpu_rwsem.c and its broken variants).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "sim/core/perturb.h"
#include "sim/locking/sync.h"
#include "sim/run/sim.h"
#include "tests/scratch.h"
#include "tests/test.h"

#define MAX_HEADERS	64
#define MAX_NAMES	16384

struct names {
	char *v[MAX_NAMES];
	int n;
};

static bool names_has(const struct names *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], name))
			return true;
	return false;
}

static void names_add(struct names *s, const char *name, size_t len)
{
	char buf[128];

	if (len >= sizeof(buf) || s->n == MAX_NAMES)
		return;
	memcpy(buf, name, len);
	buf[len] = 0;
	if (!names_has(s, buf))
		s->v[s->n++] = strdup(buf);
}

static void names_free(struct names *s)
{
	while (s->n)
		free(s->v[--s->n]);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len + 1);
	if (fread(buf, 1, (size_t)len, f) != (size_t)len)
		len = 0;
	buf[len] = 0;
	fclose(f);
	return buf;
}

/*
 * The text with comments and preprocessor lines (with their continuations)
 * blanked; the project headers it includes are added to `headers`.
 */
static void strip(char *s, struct names *headers)
{
	char *p = s;
	bool bol = true;

	while (*p) {
		if (p[0] == '/' && p[1] == '*') {
			char *e = strstr(p + 2, "*/");

			e = e ? e + 2 : p + strlen(p);
			memset(p, ' ', (size_t)(e - p));
			p = e;
			continue;
		}
		if (p[0] == '/' && p[1] == '/') {
			while (*p && *p != '\n')
				*p++ = ' ';
			continue;
		}
		if (bol && *p == '#') {
			char *q = p;

			if (!strncmp(p, "#include \"", 10)) {
				char *e = strchr(p + 10, '"');

				if (e)
					names_add(headers, p + 10, (size_t)(e - p - 10));
			}
			while (*q && !(*q == '\n' && q[-1] != '\\'))
				q++;
			memset(p, ' ', (size_t)(q - p));
			p = q;
			continue;
		}
		bol = *p == '\n' || (bol && isspace((unsigned char)*p));
		p++;
	}
}

static bool is_ident(int c)
{
	return isalnum(c) || c == '_';
}

/* The name a file-scope declaration `decl` (up to its ';') declares, if any. */
static void declared_name(const char *decl, size_t len, struct names *out)
{
	const char *paren = memchr(decl, '(', len), *e, *b;

	const char *st = strstr(decl, "static");

	if (!strncmp(decl, "__attribute__", 13)) {
		/* A leading __attribute__((...)): the declaration follows it. */
		const char *q = decl + 13;
		int depth = 0;

		do {
			depth += *q == '(' ? 1 : *q == ')' ? -1 : 0;
			q++;
		} while (depth && q < decl + len);
		while (q < decl + len && isspace((unsigned char)*q))
			q++;
		declared_name(q, len - (size_t)(q - decl), out);
		return;
	}
	if (!strncmp(decl, "typedef", 7) || (st && st < decl + len))
		return;
	if (!paren) {
		/* extern TYPE name; (a struct's forward declaration declares none) */
		if (strncmp(decl, "extern", 6))
			return;
		e = decl + len;
		while (e > decl && !is_ident(e[-1]))
			e--;
		for (b = e; b > decl && is_ident(b[-1]); b--)
			;
		names_add(out, b, (size_t)(e - b));
		return;
	}
	b = paren + 1;
	while (isspace((unsigned char)*b))
		b++;
	if (*b == '*') {
		/* A pointer to function: extern void (*hook)(...); */
		for (b++; isspace((unsigned char)*b); b++)
			;
		for (e = b; is_ident(*e); e++)
			;
		names_add(out, b, (size_t)(e - b));
		return;
	}
	e = paren;
	while (e > decl && isspace((unsigned char)e[-1]))
		e--;
	for (b = e; b > decl && is_ident(b[-1]); b--)
		;
	if (e > b)
		names_add(out, b, (size_t)(e - b));
}

/* Collect the file-scope declarations of a stripped header. */
static void declarations(const char *s, struct names *out)
{
	const char *start = NULL, *p;
	int depth = 0;
	bool body = false;	/* the statement has had a { } (struct, inline) */

	for (p = s; *p; p++) {
		if (!start && !isspace((unsigned char)*p) && !depth)
			start = p, body = false;
		if (*p == '{') {
			depth++;
		} else if (*p == '}') {
			depth--;
			if (!depth)
				body = true;
			/* A function body ends its statement with no ';'. */
			if (!depth && start && memchr(start, '(', (size_t)(p - start)) &&
			    !strncmp(start, "static", 6))
				start = NULL;
		} else if (*p == ';' && !depth && start) {
			if (!body)
				declared_name(start, (size_t)(p - start), out);
			start = NULL;
		}
	}
}

/* The defined dynamic symbols of a binary. */
static int exported(const char *bin, struct names *out)
{
	char cmd[600], line[512];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "nm -D --defined-only %s", bin);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		char *name = strrchr(line, ' ');

		if (name) {
			name++;
			names_add(out, name, strcspn(name, "\n@"));
		}
	}
	return pclose(p) ? -1 : 0;
}

/*
 * Every function and variable declared in schemes/scheme.h and the project
 * headers it includes is a symbol the binaries that dlopen plugins export:
 * a plugin may call any of them.  With archives linked the ordinary way,
 * an object the binary never needs is left out, and with it what it alone
 * defines (the wait queues, the semaphores): "undefined symbol" at load.
 */
static int test_exports(void)
{
	static const char *const bins[] = { "mmlocksim", "mmlocksim-test" };
	struct names headers = { .n = 0 }, decls = { .n = 0 };
	int h, b, i, missing = 0;

	names_add(&headers, "schemes/scheme.h", strlen("schemes/scheme.h"));
	for (h = 0; h < headers.n; h++) {
		char *text = slurp(headers.v[h]);

		CHECKF(text, "cannot read %s", headers.v[h]);
		strip(text, &headers);
		declarations(text, &decls);
		free(text);
	}
	printf("  %d headers, %d declarations\n", headers.n, decls.n);
	/* The parse found what a plugin is offered, not nothing. */
	CHECK(names_has(&decls, "finish_wait") && names_has(&decls, "sema_init") &&
	      names_has(&decls, "handle_mm_fault") && names_has(&decls, "line_poison_hook") &&
	      names_has(&decls, "report_misuse") && !names_has(&decls, "refcount_inc"));
	CHECK(decls.n > 100);
	for (b = 0; b < 2; b++) {
		struct names syms = { .n = 0 };
		char bin[512];

		snprintf(bin, sizeof(bin), "%s/%s", test_bindir, bins[b]);
		CHECKF(!exported(bin, &syms), "nm -D %s failed", bin);
		for (i = 0; i < decls.n; i++) {
			if (!names_has(&syms, decls.v[i])) {
				printf("  %s does not export %s\n", bin, decls.v[i]);
				missing++;
			}
		}
		names_free(&syms);
	}
	names_free(&headers);
	names_free(&decls);
	CHECK(missing == 0);
	return 0;
}

/*
 * Litmus tests of the check's memory model, each run under every schedule
 * with one chosen point (as check --exhaustive does).  Two tasks on their
 * own CPUs, words x and y on their own lines.
 */
struct litmus {
	struct cacheline lx, ly;
	atomic_long_t x, y;
	long r0, r1;
	bool mb;		/* smp_mb() between each task's store and load */
	bool load_store;	/* the load-then-store shape (below) */
};

/*
 * Store buffering (SB): x = 1; r0 = y  ||  y = 1; r1 = x.  Both loads
 * read 0 only if a store is still in its buffer: never under SC, and
 * never with smp_mb() between each store and load.
 *
 * Load then store: if (!x) y = 1 (r0 = 1 when it stored)  ||
 * xchg(x, 1); r1 = y.  Both "in" (r0 = 1, r1 = 0) needs task 0 delayed
 * between its load and its store -- rcu_sync_is_idle() then
 * this_cpu_inc() with a writer in between: reachable under SC only if the
 * store's point comes before its value lands.
 */
static void litmus_t0(void *arg)
{
	struct litmus *l = arg;

	if (l->load_store) {
		if (!atomic_long_read(&l->x)) {
			atomic_long_set(&l->y, 1);
			l->r0 = 1;
		}
		return;
	}
	atomic_long_set(&l->x, 1);
	if (l->mb)
		smp_mb();
	l->r0 = atomic_long_read(&l->y);
}

static void litmus_t1(void *arg)
{
	struct litmus *l = arg;

	task_delay(200);
	if (l->load_store) {
		atomic_long_xchg(&l->x, 1);
		l->r1 = atomic_long_read(&l->y);
		return;
	}
	atomic_long_set(&l->y, 1);
	if (l->mb)
		smp_mb();
	l->r1 = atomic_long_read(&l->x);
}

/* How many schedules (no choice, then each single choice) end in the
 * outcome the litmus test forbids or looks for. */
static int litmus_count(bool load_store, bool mb, bool tso)
{
	int hits = 0;
	uint64_t c, points = 1;

	for (c = 0; c <= points; c++) {
		struct sim_config cfg = { .machine = machine_find("xeon-8176-2s", NULL),
					  .ncpus = 2, .seed = 1 };
		struct litmus l = { .mb = mb, .load_store = load_store, .r0 = -1, .r1 = -1 };

		memset(&sim_perturb, 0, sizeof(sim_perturb));
		sim_perturb.enabled = 1;
		sim_perturb.choice_delay = 5000;
		sim_perturb.tso = tso;
		if (c) {
			sim_perturb.nchoices = 1;
			sim_perturb.choice[0] = c - 1;
		}
		sim_begin(&cfg);
		line_init(&l.lx, "litmus_x");
		line_init(&l.ly, "litmus_y");
		atomic_long_init(&l.x, &l.lx, 0);
		atomic_long_init(&l.y, &l.ly, 0);
		task_create("t0", litmus_t0, &l, 0, 0);
		task_create("t1", litmus_t1, &l, 1, 0);
		sim_run(UINT64_MAX);
		sim_end();
		if (!c)
			points = sim_perturb.points;
		hits += load_store ? l.r0 == 1 && l.r1 == 0 : l.r0 == 0 && l.r1 == 0;
	}
	memset(&sim_perturb, 0, sizeof(sim_perturb));
	return hits;
}

static int test_memory_model(void)
{
	int sc = litmus_count(false, false, false), tso = litmus_count(false, false, true);
	int tso_mb = litmus_count(false, true, true), ls = litmus_count(true, false, false);

	printf("  SB: SC %d, TSO %d, TSO with smp_mb() %d schedules with r0 = r1 = 0\n", sc, tso,
	       tso_mb);
	printf("  load then store: %d schedules with both in\n", ls);
	CHECK(sc == 0 && tso > 0 && tso_mb == 0);
	CHECK(ls > 0);
	return 0;
}

static int sh(const char *cmd)
{
	int rc = system(cmd);

	printf("  $ %s\n    -> exit %d\n", cmd, WIFEXITED(rc) ? WEXITSTATUS(rc) : -1);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/*
 * tools/build-plugin builds a scheme from its source alone, with CFLAGS
 * added to its compiler line, into the output named, and refuses bad
 * arguments with exit status 2; the plugin loads (every function it calls
 * is exported) and runs.
 */
static int test_build_plugin(void)
{
	char cmd[2048], so[600];
	const char *dir = scratch_dir();

	snprintf(so, sizeof(so), "%s/pcpu.so", dir);
	snprintf(cmd, sizeof(cmd), "CFLAGS='-O1 -Werror' tools/build-plugin tests/plugin_pcpu_rwsem.c "
		 "-o %s 2> %s/build.err && grep -q -- '-O1 -Werror tests/plugin_pcpu_rwsem.c -o %s' "
		 "%s/build.err", so, dir, so, dir);
	CHECK(sh(cmd) == 0);
	CHECK(file_exists(so));
	snprintf(cmd, sizeof(cmd), "%s/mmlocksim run pft --plugin %s --cpus 4 -p ops=2000 > /dev/null",
		 test_bindir, so);
	CHECK(sh(cmd) == 0);
	snprintf(cmd, sizeof(cmd), "%s/mmlocksim check --plugin %s --seeds 5 > /dev/null", test_bindir, so);
	CHECK(sh(cmd) == 0);
	/* A broken build through CFLAGS is what check --plugin then refuses. */
	snprintf(cmd, sizeof(cmd), "CFLAGS=-DPCPU_BROKEN_NO_DRAIN tools/build-plugin "
		 "tests/plugin_pcpu_rwsem.c -o %s/nodrain.so 2>/dev/null && %s/mmlocksim check "
		 "--plugin %s/nodrain.so > /dev/null", dir, test_bindir, dir);
	CHECK(sh(cmd) == 1);
	/* Bad arguments: one line, exit 2, nothing written. */
	CHECK(sh("tools/build-plugin 2>/dev/null") == 2);
	CHECK(sh("tools/build-plugin tests/no-such-plugin.c 2>/dev/null") == 2);
	CHECK(sh("tools/build-plugin README.md 2>/dev/null") == 2);
	snprintf(cmd, sizeof(cmd), "printf 'int x = ;\\n' > %s/bad.c && tools/build-plugin %s/bad.c "
		 "2>/dev/null", dir, dir);
	CHECK(sh(cmd) == 1);
	snprintf(so, sizeof(so), "%s/bad.so", dir);
	CHECK(!file_exists(so));
	scratch_cleanup();
	return 0;
}

/*
 * The check catches what a per-VMA percpu-rwsem plugin gets wrong, and
 * passes it when right: the default run catches a vma_write that does not
 * wait for the readers (a reader sleeps in reclaim holding the VMA), the
 * exhaustive search a mode flip without synchronize_rcu() (a reader
 * delayed between rcu_sync_is_idle() and its this_cpu_inc()).
 */
static int test_pcpu_rwsem_check(void)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "%s/mmlocksim check --plugin %s/tests/plugin_pcpu_rwsem.so "
		 "> /dev/null", test_bindir, test_bindir);
	CHECK(sh(cmd) == 0);
	snprintf(cmd, sizeof(cmd), "%s/mmlocksim check --plugin %s/tests/plugin_pcpu_rwsem.so "
		 "--exhaustive --seeds 1 --scenario fault-vs-mprotect > /dev/null", test_bindir,
		 test_bindir);
	CHECK(sh(cmd) == 0);
	snprintf(cmd, sizeof(cmd), "%s/mmlocksim check --plugin %s/tests/plugin_pcpu_rwsem_no_drain.so "
		 "> /dev/null", test_bindir, test_bindir);
	CHECK(sh(cmd) == 1);
	snprintf(cmd, sizeof(cmd), "%s/mmlocksim check --plugin %s/tests/plugin_pcpu_rwsem_no_gp.so "
		 "--exhaustive --seeds 1 --scenario fault-vs-mprotect > /dev/null", test_bindir,
		 test_bindir);
	CHECK(sh(cmd) == 1);
	snprintf(cmd, sizeof(cmd), "%s/mmlocksim check --tso --plugin %s/tests/plugin_pcpu_rwsem.so "
		 "2> /dev/null", test_bindir, test_bindir);
	CHECK(sh(cmd) == 2);
	return 0;
}

const struct test_case plugin_tests[] = {
	{ "plugins/build_plugin", test_build_plugin },
	{ "plugins/pcpu_rwsem_check", test_pcpu_rwsem_check },
	{ "plugins/exports", test_exports },
	{ "plugins/check_memory_model", test_memory_model },
	{ NULL, NULL },
};
