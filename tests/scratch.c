#include "tests/scratch.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char dir[256];

void scratch_cleanup(void)
{
	char cmd[600];

	if (!dir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", dir);
	dir[0] = 0;
}

const char *scratch_dir(void)
{
	static int registered;

	if (!dir[0]) {
		const char *d = getenv("TMPDIR");

		snprintf(dir, sizeof(dir), "%s/mmlocksim-test-XXXXXX", d && *d ? d : "/tmp");
		if (!mkdtemp(dir))
			abort();
		if (!registered++)
			atexit(scratch_cleanup);
	}
	return dir;
}

const char *scratch_path(const char *name)
{
	static char buf[16][512];
	static int k;
	char *p = buf[k++ & 15];

	snprintf(p, sizeof(buf[0]), "%s/%s", scratch_dir(), name);
	return p;
}

int dir_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

void dir_names(const char *path, char *buf, size_t len)
{
	DIR *d = opendir(path);
	struct dirent *e;
	size_t n = 0;

	if (len)
		buf[0] = 0;
	if (!d)
		return;
	while ((e = readdir(d)) && n + 1 < len)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? " " : "", e->d_name);
	closedir(d);
}

int scratch_entries(void)
{
	return dir_entries(scratch_dir());
}

int file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}
