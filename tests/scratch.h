/*
 * Scratch files for a test: a directory made on first use under $TMPDIR
 * (or /tmp) and removed when the test's process exits, pass or fail.
 * Each test runs in its own child process, so each gets its own.
 */
#ifndef MMLOCKSIM_TESTS_SCRATCH_H
#define MMLOCKSIM_TESTS_SCRATCH_H

#include <stddef.h>

/* NAME inside the scratch directory (the last 16 paths stay valid). */
const char *scratch_path(const char *name);
const char *scratch_dir(void);
/* How many entries the directory holds: stray temporaries show up. */
int scratch_entries(void);
/* The same of any directory (. and .. aside), or -1 if it cannot be read. */
int dir_entries(const char *dir);
/* The names in dir, space-separated, into buf (cut to len). */
void dir_names(const char *dir, char *buf, size_t len);
/* Remove the directory now (the next scratch_path() makes a new one). */
void scratch_cleanup(void);
int file_exists(const char *path);
int write_file(const char *path, const char *text);

#endif
