/*
 * The parameters of a run: the model's knobs (one table, sim/run/knobs.c)
 * for checking, setting, defaults and `list`; scheme parameters that
 * belong to the run, not to the process; the oracle's end-of-run check of
 * every mm; and the commands that take -p and -s NAME:KEY=VAL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "schemes/registry.h"
#include "sim/core/machine.h"
#include "sim/core/violation.h"
#include "sim/mm/mm.h"
#include "sim/oracle/oracle.h"
#include "sim/run/knobs.h"
#include "sim/run/run.h"
#include "sim/run/sim.h"
#include "tests/scratch.h"
#include "tests/test.h"

extern const struct test_case knob_tests[];

static int sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The whole of a small file, NUL-terminated (static buffer). */
static const char *slurp(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	buf[n] = 0;
	if (f)
		fclose(f);
	return buf;
}

/* mmlocksim ARGS > out 2> err; its exit status. */
static int mmlocksim(const char *args)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "%s/mmlocksim %s > '%s' 2> '%s'", test_bindir, args,
		 scratch_path("out"), scratch_path("err"));
	return sh(cmd);
}

/* The table's defaults are the model's (mm.c's mm_params before any run). */
static int test_defaults(void)
{
	struct run_knobs k;

	knobs_defaults(&k);
	CHECK(k.mm.file_miss == mm_params.file_miss);
	CHECK(k.mm.page_size == mm_params.page_size && k.mm.page_size == PAGE_SIZE_4K);
	CHECK(k.mm.max_fault_retries == mm_params.max_fault_retries);
	CHECK(k.mm.anon_vma_lock == mm_params.anon_vma_lock);
	CHECK(k.mm.i_mmap_lock == mm_params.i_mmap_lock);
	CHECK(k.mm.rmap_walks == mm_params.rmap_walks);
	CHECK(k.mm.rmap_walkers == mm_params.rmap_walkers);
	CHECK(k.mm.fork_vma_lock == mm_params.fork_vma_lock);
	CHECK(k.mm.zone_lock == mm_params.zone_lock && k.mm.lru_lock == mm_params.lru_lock);
	CHECK(k.mm.memcg == mm_params.memcg && k.mm.mem_bw == mm_params.mem_bw);
	CHECK(k.think_scale == 1.0);
	CHECK(k.adjacent_line_prefetch);	/* as the machine has it */
	return 0;
}

/* Each type's checking, from the one path. */
static int test_set(void)
{
	static const char *const bad[][2] = {
		{ "file_miss=1.5", "expected a fraction from 0 to 1" },
		{ "max_fault_retries=2.5", "expected a whole number from 1 to 1000" },
		{ "rmap_walkers=9", "from 1 to 8" },
		{ "anon_vma_lock=mutex", "expected rwsem or spinlock" },
		{ "memcg=yes", "expected 1 (modeled) or 0 (left out)" },
		{ "page_size=8K", "expected 4K or 16K or 64K" },
	};
	struct run_knobs k;
	char err[256];
	size_t i;

	knobs_defaults(&k);
	CHECK(knob_set(&k, "file_miss=0.5", err, sizeof(err)) == 1 && k.mm.file_miss == 0.5);
	CHECK(knob_set(&k, "i_mmap_lock=spinlock", err, sizeof(err)) == 1 &&
	      k.mm.i_mmap_lock == RMAP_LOCK_SPINLOCK);
	CHECK(knob_set(&k, "mem_bw=0", err, sizeof(err)) == 1 && !k.mm.mem_bw);
	CHECK(knob_set(&k, "page_size=64K", err, sizeof(err)) == 1 &&
	      k.mm.page_size == PAGE_SIZE_64K);
	CHECK(knob_set(&k, "think_scale=0", err, sizeof(err)) == 1 && k.think_scale == 0);
	CHECK(knob_set(&k, "adjacent_line_prefetch=0", err, sizeof(err)) == 1 &&
	      !k.adjacent_line_prefetch);
	CHECK(knob_set(&k, "variant=rwsem", err, sizeof(err)) == 0);
	CHECK(knob_known("rmap_walks") && !knob_known("rmap_walk"));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(knob_set(&k, bad[i][0], err, sizeof(err)) == -1);
		CHECKF(strstr(err, bad[i][1]) && strstr(err, bad[i][0]), "%s", err);
	}
	return 0;
}

/* `list` shows every knob with its default, from the same table. */
static int test_list(void)
{
	static const char *const want[] = {
		"-p file_miss=0 ", "-p max_fault_retries=8 ", "-p think_scale=1 ",
		"-p anon_vma_lock=rwsem ", "-p i_mmap_lock=rwsem ", "-p rmap_walks=0 ",
		"-p rmap_walkers=1 ", "-p fork_vma_lock=1 ", "-p zone_lock=1 ", "-p lru_lock=1 ",
		"-p memcg=1 ", "-p mem_bw=1 ", "-p page_size=4K ", "-p adjacent_line_prefetch=1 ",
	};
	const char *out;
	size_t i;

	CHECK(mmlocksim("list schemes") == 0);
	out = slurp(scratch_path("out"));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECKF(strstr(out, want[i]), "no '%s' in list", want[i]);
	return 0;
}

/* Checking a plan sets nothing a later run would see. */
static int test_check_sets_nothing(void)
{
	struct run_spec spec = { .trace = "pft", .scheme = "pervma-refcount", .seed = 1,
				 .nparams = 3, .params = { "file_miss=0.5", "variant=rwsem",
							   "mem_bw=0" } };
	char err[512];

	mm_params.file_miss = 0.25;
	mm_params.mem_bw = true;
	CHECKF(run_check(&spec, err, sizeof(err)) == 0, "%s", err);
	CHECK(mm_params.file_miss == 0.25 && mm_params.mem_bw);
	return 0;
}

/* Two mms of one scheme with other parameters side by side: each reads its own. */
static int test_params_per_run(void)
{
	const struct scheme_ops *pv = scheme_find("pervma-refcount", NULL, 0);
	const char *kv[] = { "variant=rwsem" };
	struct sim_config cfg = { .machine = machine_find("xeon-8176-2s", NULL), .ncpus = 2,
				  .seed = 1 };
	struct scheme_args args;
	struct mm_struct *a, *b;
	char err[256];

	CHECK(pv && scheme_args_parse(pv, 1, kv, &args, err, sizeof(err)) == 0);
	sim_begin(&cfg);
	a = mm_alloc(pv, &args);
	b = mm_alloc(pv, NULL);
	CHECK(!strcmp(scheme_param(a, "variant"), "rwsem"));
	CHECK(!strcmp(scheme_param(b, "variant"), "refcnt"));
	mm_teardown_all();
	sim_end();
	return 0;
}

/* The oracle checks every mm at the end of a run (mm_validate()). */
static int test_mm_validated_at_end(void)
{
	struct sim_config cfg = { .machine = machine_find("xeon-8176-2s", NULL), .ncpus = 1,
				  .seed = 1 };
	struct vm_area_struct bad = { .vm_start = 0x2000, .vm_end = 0x1000, .state = VMA_LIVE };
	struct mm_struct *mm;

	sim_begin(&cfg);
	oracle_setup();
	mm = mm_alloc(scheme_find("global-rwsem", NULL, 0), NULL);
	oracle_run_end();
	CHECK(violations_total() == 0);
	/* A VMA with its end before its start, in the tree. */
	bad.vm_mm = mm;
	mt_insert(mm, &bad);
	oracle_run_end();
	printf("  %s\n", violations_kept() ? violation_at(0)->detail : "(none)");
	CHECK(violations_of_kind("mm-inconsistent") == 1);
	mt_erase(mm, &bad);
	mm_teardown_all();
	sim_end();
	return 0;
}

/* A -p that no run would take is one line on stderr, and nothing on stdout. */
static int test_run_bad_param_one_line(void)
{
	const char *s;

	CHECK(mmlocksim("run pft -s global-rwsem -p bogus=1") == 2);
	CHECK(!slurp(scratch_path("out"))[0]);
	s = slurp(scratch_path("err"));
	printf("  %s", s);
	CHECK(strstr(s, "bogus") && strchr(s, '\n') == s + strlen(s) - 1);
	CHECK(mmlocksim("run traces/samples/py.perf.txt.xz -s global-rwsem -p file_miss=2") == 2);
	CHECK(!slurp(scratch_path("out"))[0]);
	return 0;
}

/* check --scenario that matches nothing would check nothing and pass. */
static int test_check_scenario_unknown(void)
{
	CHECK(mmlocksim("check -s global-rwsem --scenario no-such") == 2);
	CHECK(strstr(slurp(scratch_path("err")), "fault-vs-munmap"));
	return 0;
}

/* list --plugin: the plugin's scheme, marked as such, with its parameters. */
static int test_list_plugin(void)
{
	char args[512];
	const char *out;

	snprintf(args, sizeof(args), "list schemes --plugin %s/schemes/examples/mmap_trylock.so",
		 test_bindir);
	CHECK(mmlocksim(args) == 0);
	out = slurp(scratch_path("out"));
	CHECK(strstr(out, "mmap-trylock") && strstr(out, "[plugin "));
	CHECK(mmlocksim("list schemes --plugin /nonexistent.so") == 2);
	return 0;
}

/* One value from the database at path: the first column of the first row. */
static const char *q1(const char *path, const char *sql)
{
	char cmd[2048];
	static char out[4096];
	FILE *f;
	size_t n;

	snprintf(cmd, sizeof(cmd), "sqlite3 '%s' \"%s\"", path, sql);
	f = popen(cmd, "r");
	n = f ? fread(out, 1, sizeof(out) - 1, f) : 0;
	out[n] = 0;
	if (f)
		pclose(f);
	while (n && out[n - 1] == '\n')
		out[--n] = 0;
	return out;
}

/*
 * compare: -s NAME:KEY=VAL is a variant of its own; a -p scheme parameter
 * that only some schemes have applies to those; the rows say which is
 * which, and the views and the report keep the variants apart.
 */
static int test_compare_variants(void)
{
	char args[1024];
	const char *db = scratch_path("v.db"), *out;

	if (sh("command -v sqlite3 >/dev/null"))
		return 0;
	snprintf(args, sizeof(args), "compare pft -s global-rwsem,pervma-refcount,"
		 "pervma-refcount:variant=rwsem -p size=1M -p mem_bw=0 --cpus 1,2 --seeds 2 "
		 "--jobs 2 --db '%s'", db);
	CHECK(mmlocksim(args) == 0);
	out = slurp(scratch_path("out"));
	fputs(out, stdout);
	CHECK(strstr(out, "pervma-refcount:variant"));
	CHECK(!strcmp(q1(db, "SELECT group_concat(scheme || '|' || scheme_args || '|' || "
			 "model_args, ' ') FROM (SELECT DISTINCT scheme, scheme_args, model_args "
			 "FROM run ORDER BY run_id)"),
		      "global-rwsem||mem_bw=0 size=1M pervma-refcount||mem_bw=0 size=1M "
		      "pervma-refcount|variant=rwsem|mem_bw=0 size=1M"));
	/* Two variants of a scheme, never averaged together. */
	CHECK(!strcmp(q1(db, "SELECT count(*) FROM v_scaling WHERE scheme = 'pervma-refcount'"),
		      "4"));
	CHECK(!strcmp(q1(db, "SELECT group_concat(n, ',') FROM v_scaling"), "2,2,2,2,2,2"));
	/* Each against the baseline under the same conditions. */
	CHECK(!strcmp(q1(db, "SELECT count(*) FROM v_compare"), "6"));
	/* A variant of the baseline: one row per baseline variant, named. */
	CHECK(!strcmp(q1(db, "UPDATE baseline SET scheme = 'pervma-refcount'; "
			 "SELECT count(*) || ' ' || count(DISTINCT baseline_args) FROM v_compare"),
		      "12 2"));

	/* Only pervma-refcount has variant=: global-rwsem runs without it. */
	snprintf(args, sizeof(args), "compare pft -s global-rwsem,pervma-refcount -p size=1M "
		 "-p variant=rwsem --cpus 1 --seeds 1 --jobs 2 --db '%s'", scratch_path("w.db"));
	CHECK(mmlocksim(args) == 0);
	CHECK(!strcmp(q1(scratch_path("w.db"), "SELECT group_concat(scheme || '|' || args, ' ') "
			 "FROM run WHERE status = 'COMPLETE'"),
		      "global-rwsem|size=1M pervma-refcount|size=1M variant=rwsem"));
	/* Nothing compared takes it: one line, naming a scheme that does. */
	CHECK(mmlocksim("compare traces/samples/py.perf.txt.xz -s global-rwsem -p variant=rwsem") == 2);
	out = slurp(scratch_path("err"));
	printf("  %s", out);
	CHECK(strstr(out, "not a parameter of the schemes compared") && strstr(out, "has it"));
	CHECK(mmlocksim("compare pft -s global-rwsem:variant=rwsem") == 2);
	CHECK(strstr(slurp(scratch_path("err")), "has no parameter 'variant'"));
	CHECK(mmlocksim("compare pft -s pervma-refcount:variant=fast") == 2);
	CHECK(strstr(slurp(scratch_path("err")), "refcnt|rwsem"));
	return 0;
}

/* A sweep's schemes list takes variants as compare -s does. */
static int test_sweep_variants(void)
{
	char args[1024];
	const char *db = scratch_path("s.db");

	if (sh("command -v sqlite3 >/dev/null"))
		return 0;
	CHECK(write_file(scratch_path("v.ini"), "[experiment]\nsources = pft\nschemes = "
			 "global-rwsem, pervma-refcount:variant=rwsem\ncpus = 1\n[source pft]\n"
			 "size = 1M\n") == 0);
	snprintf(args, sizeof(args), "sweep '%s' --db '%s' --jobs 2", scratch_path("v.ini"), db);
	CHECK(mmlocksim(args) == 0);
	CHECK(!strcmp(q1(db, "SELECT group_concat(scheme || '|' || scheme_args || '|' || "
			 "model_args || '|' || status, ' ') FROM run"),
		      "global-rwsem||size=1M|COMPLETE pervma-refcount|variant=rwsem|size=1M|COMPLETE"));
	CHECK(write_file(scratch_path("v.ini"), "[experiment]\nsources = pft\nschemes = "
			 "global-rwsem, pervma-refcount:variant=fast\ncpus = 1\n") == 0);
	snprintf(args, sizeof(args), "sweep '%s' --db '%s'", scratch_path("v.ini"),
		 scratch_path("s2.db"));
	CHECK(mmlocksim(args) == 2);
	CHECK(strstr(slurp(scratch_path("err")), "v.ini:3: -p variant=fast: expected one of"));
	return 0;
}

const struct test_case knob_tests[] = {
	{ "knobs/defaults", test_defaults },
	{ "knobs/set", test_set },
	{ "knobs/list", test_list },
	{ "knobs/check_sets_nothing", test_check_sets_nothing },
	{ "knobs/params_per_run", test_params_per_run },
	{ "knobs/mm_validated_at_end", test_mm_validated_at_end },
	{ "knobs/run_bad_param_one_line", test_run_bad_param_one_line },
	{ "knobs/check_scenario_unknown", test_check_scenario_unknown },
	{ "knobs/list_plugin", test_list_plugin },
	{ "knobs/compare_variants", test_compare_variants },
	{ "knobs/sweep_variants", test_sweep_variants },
	{ NULL, NULL },
};
