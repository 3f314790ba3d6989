/*
 * Where an output file may go.  Outputs are written to a temporary file
 * beside their destination and renamed over it when complete, so that no
 * reader ever sees half a file.  rename() replaces whatever the name
 * points at, so the destination is looked at first:
 *
 * - missing, or a regular file: a temporary file and rename();
 * - a symbolic link: the same at the file it leads to (the link stays);
 * - a character device or a FIFO (/dev/null, a terminal, a pipe): written
 *   in place as a stream, never renamed over (renaming over /dev/null
 *   would replace the device for the whole system);
 * - anything else (a directory, a block device, a socket): refused.
 *
 * And an output that is one of the command's inputs is refused: the rename
 * would replace the input it is being made from.
 */
#ifndef MMLOCKSIM_OUTFILE_H
#define MMLOCKSIM_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>

struct outfile {
	bool stream;	/* write PATH in place, no temporary, no rename */
	char *dest;	/* the name to rename over (PATH with links followed) */
};

/*
 * 0 with *OUT filled (free with outfile_free()), or -1 with
 * "PATH: ..., expected ..." in ERR.
 */
int outfile_check(const char *path, struct outfile *out, char *err, size_t errlen);
void outfile_free(struct outfile *out);

/*
 * Can a new name be made beside PATH, in its directory?  0, or -1 with
 * errno set; either way that directory (".", "/" or PATH up to its last
 * slash) in DIR.
 */
int parent_writable(const char *path, char *dir, size_t dirlen);

/* -1 with "OUT: is the input IN ..." in ERR if OUT and IN are one file. */
int outfile_not_input(const char *out, const char *in, char *err, size_t errlen);

/*
 * For outputs that cannot be streams (a database: SQLite needs a file it
 * can seek in, with its journal beside it): 0 if PATH is missing or a
 * regular file (links followed), else -1 with the message in ERR.
 */
int outfile_check_regular(const char *path, char *err, size_t errlen);

#endif
