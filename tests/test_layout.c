/*
 * The source tree's own rules: the layers include only downward
 * (tools/check-layers), every document a comment or the README cites is in
 * the repository, and the README names no path outside it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tests/scratch.h"
#include "tests/test.h"

static int sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int test_include_graph(void)
{
	char dir[] = "/tmp/mmlocksim-layers-XXXXXX", cmd[1024];

	CHECK(sh("tools/check-layers") == 0);
	/* The checker itself: an mm header that reaches up into schemes/,
	 * lib/ (below everything) including a simulator header and a source
	 * file left directly in sim/ are all found; traces/ may use lib/. */
	CHECK(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s/sim/mm %s/sim/core %s/schemes %s/lib %s/traces && "
		 "printf '#include \"sim/core/engine.h\"\\n' > %s/sim/mm/ok.c && "
		 "printf '#include \"lib/xalloc.h\"\\n' > %s/traces/ok.c && "
		 "printf '#include \"schemes/scheme.h\"\\n' > %s/sim/mm/up.c && "
		 "printf '#include \"sim/mm/mm.h\"\\n' > %s/sim/core/up2.h && "
		 "printf '#include \"sim/core/engine.h\"\\n' > %s/lib/up3.c && "
		 "touch %s/sim/flat.c && "
		 "tools/check-layers %s > %s/out; echo $? >> %s/out",
		 dir, dir, dir, dir, dir, dir, dir, dir, dir, dir, dir, dir, dir, dir);
	CHECK(sh(cmd) == 0);
	snprintf(cmd, sizeof(cmd),
		 "grep -q '^sim/mm/up.c: schemes/scheme.h$' %s/out && "
		 "grep -q '^sim/core/up2.h: sim/mm/mm.h$' %s/out && "
		 "grep -q '^lib/up3.c: sim/core/engine.h$' %s/out && "
		 "grep -q 'directly in sim/' %s/out && ! grep -q ok.c %s/out && "
		 "[ \"$(tail -n 1 %s/out)\" = 1 ]", dir, dir, dir, dir, dir, dir);
	CHECKF(sh(cmd) == 0, "tools/check-layers missed an upward include (%s/out)", dir);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	sh(cmd);
	return 0;
}

/* Every Markdown document that a source file, a script or a document cites
 * exists. */
static int test_cited_docs_exist(void)
{
	CHECKF(sh("missing=0; for d in $(grep -rhoE '[A-Za-z0-9_/.-]+\\.md\\b' "
		  "--include='*.c' --include='*.h' --include='*.S' --include='*.sh' "
		  "--include='*.md' --include='*.ini' --include='*.gp' "
		  "sim schemes traces analysis tests bench tools README.md DESIGN.md | sort -u); do "
		  "[ -e \"$d\" ] || [ -n \"$(find . -path ./build -prune -o -name \"${d##*/}\" -print | head -n 1)\" ] || "
		  "{ echo \"cited but missing: $d\" >&2; missing=1; }; done; exit $missing") == 0,
	       "a cited document is not in the repository");
	return 0;
}

static int test_readme_stays_inside(void)
{
	CHECKF(sh("[ -f README.md ] && [ -f DESIGN.md ] && ! grep -nE '\\.\\./|/work/|shared/' README.md DESIGN.md >&2") == 0,
	       "README.md or DESIGN.md names a path outside the repository");
	return 0;
}

const struct test_case layout_tests[] = {
	{ "layout/include_graph", test_include_graph },
	{ "layout/cited_docs_exist", test_cited_docs_exist },
	{ "layout/readme_stays_inside", test_readme_stays_inside },
	{ NULL, NULL },
};
