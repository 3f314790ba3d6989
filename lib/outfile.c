/* Where an output file may go; see outfile.h. */
#include "lib/outfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind_of(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

int parent_writable(const char *path, char *dir, size_t dirlen)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, dirlen, ".");
	else
		snprintf(dir, dirlen, "%.*s", slash == path ? 1 : (int)(slash - path), path);
	return access(dir, W_OK | X_OK);
}

/*
 * The temporary file goes beside the destination: its directory must take
 * it, checked now so that a command says so before its work, not after.
 */
static int dir_writable(const char *path, struct outfile *out, char *err, size_t errlen)
{
	char dir[4096];

	if (parent_writable(out->dest, dir, sizeof(dir)) < 0) {
		snprintf(err, errlen, "%s: cannot write in %s: %s", path, dir, strerror(errno));
		outfile_free(out);
		return -1;
	}
	return 0;
}

int outfile_check(const char *path, struct outfile *out, char *err, size_t errlen)
{
	struct stat st;

	out->stream = false;
	out->dest = NULL;
	if (lstat(path, &st) < 0) {
		/* A new name (or one whose directory is missing or closed:
		 * dir_writable() says so, naming PATH). */
		out->dest = strdup(path);
		goto done;
	}
	if (S_ISLNK(st.st_mode)) {
		if (stat(path, &st) < 0) {
			snprintf(err, errlen, "%s: a symbolic link to nothing (%s); expected a "
				 "regular file, a new name or a link to a file", path,
				 strerror(errno));
			return -1;
		}
		/* Renamed over the file the link leads to, so the link stays. */
		out->dest = realpath(path, NULL);
	} else {
		out->dest = strdup(path);
	}
	if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
		out->stream = true;
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: is %s; expected a regular file or a new name",
			 path, kind_of(st.st_mode));
		outfile_free(out);
		return -1;
	}
done:
	if (!out->dest) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : ENOMEM));
		return -1;
	}
	return out->stream ? 0 : dir_writable(path, out, err, errlen);
}

void outfile_free(struct outfile *out)
{
	free(out->dest);
	out->dest = NULL;
}

int outfile_not_input(const char *out, const char *in, char *err, size_t errlen)
{
	struct stat so, si;

	if (stat(out, &so) < 0 || stat(in, &si) < 0)
		return 0;
	if (so.st_dev != si.st_dev || so.st_ino != si.st_ino)
		return 0;
	snprintf(err, errlen, "%s: is the input %s itself; expected another output name",
		 out, in);
	return -1;
}

int outfile_check_regular(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) < 0 || S_ISREG(st.st_mode))
		return 0;
	snprintf(err, errlen, "%s: is %s; expected a database file (a regular file or a new name)",
		 path, kind_of(st.st_mode));
	return -1;
}
