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
#include "analysis/store.h"
#include "lib/outfile.h"

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

/* The first line of what gnuplot said, trimmed, into buf ("" if none). */
static void first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[512];

	buf[0] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t^\r\n");

		p[strcspn(p, "\r\n")] = 0;
		if (*p) {
			snprintf(buf, len, "%s", p);
			break;
		}
	}
	if (f)
		fclose(f);
}

int plot_check_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	char parent[4096];

	/* Said here, in one line, rather than by gnuplot failing on each file. */
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode) || access(dir, W_OK | X_OK) < 0) {
			snprintf(err, errlen, "--plot %s: expected a directory to write the plots in: %s",
				 dir, !S_ISDIR(st.st_mode) ? "not a directory" : strerror(errno));
			return -1;
		}
	} else if (parent_writable(dir, parent, sizeof(parent)) < 0) {
		/* To be made: its parent must take it. */
		snprintf(err, errlen, "--plot %s: cannot create it in %s: %s", dir, parent,
			 strerror(errno));
		return -1;
	}
	return 0;
}

int plot_all(const char *db, const char *dir, char *err, size_t errlen)
{
	char out[4096], log[320], said[256], cmd[400];
	const char *tmp = getenv("TMPDIR");
	struct stat st;
	char *uri;
	int i, fd, rc = 0;

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
		snprintf(err, errlen, "--plot %s: cannot create: %s", dir, strerror(errno));
		return PLOT_BAD_DIR;
	}
	if (plot_check_dir(dir, err, errlen))
		return PLOT_BAD_DIR;
	/* gnuplot's messages are many lines: the first says what went wrong. */
	snprintf(log, sizeof(log), "%s/mmlocksim-gnuplot-XXXXXX",
		 tmp && *tmp && strlen(tmp) < sizeof(log) - 30 ? tmp : "/tmp");
	fd = mkstemp(log);
	if (fd < 0) {
		snprintf(err, errlen, "--plot: cannot create a temporary file: %s", strerror(errno));
		return -1;
	}
	close(fd);
	uri = store_reader_uri(db);
	if (!uri) {
		snprintf(err, errlen, "--plot: out of memory");
		unlink(log);
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "gnuplot 2>'%s'", log);
	for (i = 0; plot_names[i] && rc == 0; i++) {
		FILE *p;
		int status;

		snprintf(out, sizeof(out), "%s/%s", dir, plot_names[i]);
		unlink(out);
		p = safe_path(log) ? popen(cmd, "w") : NULL;
		if (!p) {
			snprintf(err, errlen, "--plot: cannot run gnuplot: %s", strerror(errno));
			rc = -1;
			break;
		}
		fprintf(p, "db = '%s'\nout = '%s'\n%s", uri, out, scripts[i]);
		status = pclose(p);
		if (status != 0 || stat(out, &st) < 0 || st.st_size == 0) {
			first_line(log, said, sizeof(said));
			snprintf(err, errlen, "%s: gnuplot failed (status %d)%s%s", out,
				 WIFEXITED(status) ? WEXITSTATUS(status) : -1, said[0] ? ": " : "",
				 said);
			unlink(out);
			rc = -1;
		}
	}
	free(uri);
	unlink(log);
	return rc;
}
