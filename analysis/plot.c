/*
 * Runs the gnuplot scripts of analysis/plot/ (compiled in by build.ninja,
 * rule embed, so an installed binary needs no source tree): each goes to
 * gnuplot's standard input after two lines setting db and out, exactly as
 * `gnuplot -e "db='X'; out='Y'" script.gp` would.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/plot.h"

extern const char plot_scaling_gp[], plot_latency_cdf_gp[], plot_lock_wait_gp[];

const char *const plot_names[] = { "scaling.png", "latency_cdf.png", "lock_wait.png", NULL };

/* The script of each plot, in the order of plot_names. */
static const char *const scripts[] = { plot_scaling_gp, plot_latency_cdf_gp, plot_lock_wait_gp };

static int have(const char *tool)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

/* The scripts quote paths in single quotes, for gnuplot and for sh. */
static int safe_path(const char *p)
{
	return !strpbrk(p, "'\"\\$`\n");
}

int plot_all(const char *db, const char *dir, char *err, size_t errlen)
{
	char out[4096];
	struct stat st;
	int i;

	if (!have("gnuplot")) {
		snprintf(err, errlen, "--plot: gnuplot not found (Debian package gnuplot-nox; "
			 "tools/install-deps installs it)");
		return PLOT_NO_TOOLS;
	}
	if (!have("sqlite3")) {
		snprintf(err, errlen, "--plot: the sqlite3 shell is not found (Debian package "
			 "sqlite3; tools/install-deps installs it)");
		return PLOT_NO_TOOLS;
	}
	if (!safe_path(db) || !safe_path(dir)) {
		snprintf(err, errlen, "--plot: paths with quotes, backslashes or $ are not "
			 "supported: %s, %s", db, dir);
		return -1;
	}
	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
		return -1;
	}
	for (i = 0; plot_names[i]; i++) {
		FILE *p;
		int status;

		snprintf(out, sizeof(out), "%s/%s", dir, plot_names[i]);
		unlink(out);
		/* gnuplot's own messages go to our stderr: they say what went wrong. */
		p = popen("gnuplot", "w");
		if (!p) {
			snprintf(err, errlen, "--plot: cannot run gnuplot: %s", strerror(errno));
			return -1;
		}
		fprintf(p, "db = '%s'\nout = '%s'\n%s", db, out, scripts[i]);
		status = pclose(p);
		if (status != 0 || stat(out, &st) < 0 || st.st_size == 0) {
			snprintf(err, errlen, "%s: gnuplot failed (status %d)", out,
				 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			return -1;
		}
	}
	return 0;
}
