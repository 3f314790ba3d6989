/*
 * What the libFuzzer targets in tests/fuzz/ share: a private scratch
 * directory, writing the fuzz input to a file there (the entry points take
 * paths, as the command does), and the invariants every input path keeps
 * on bad input: one error line that starts with the file's path, and no
 * file left behind.  A broken invariant aborts, which libFuzzer reports
 * as a crash with the input that caused it.
 */
#ifndef MMLOCKSIM_FUZZ_COMMON_H
#define MMLOCKSIM_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "traces/builder.h"

/* Path of NAME in this process's scratch directory (also its $TMPDIR). */
const char *fuzz_path(const char *name);
/* Write DATA to fuzz_path(NAME) and return that path. */
const char *fuzz_write(const char *name, const uint8_t *data, size_t size);
/* Abort unless ERR is one non-empty line starting with "PATH:". */
void fuzz_check_err(const char *err, const char *path);
/* Abort unless the scratch directory holds exactly the files in KEEP
 * (a NULL-terminated list of names). */
void fuzz_check_dir(const char *const *keep);
/*
 * After an import of IN to OUT (both in the scratch directory) that
 * returned RC: on success OUT must open, every record must validate and
 * the counts must match SUM; on failure ERR must be one line about IN and
 * OUT must not exist.  Either way only IN may be left (OUT is removed).
 */
void fuzz_check_import(const char *in, const char *out, int rc,
		       const struct import_summary *sum, const char *err);
struct textin;
/* A text importer, as fuzz_import_text() calls it. */
typedef int (*fuzz_text_importer)(struct textin *t, const char *out,
				  struct import_summary *sum, char *err, size_t errlen);
/*
 * The whole of a text-importer target: DATA, written to in.txt, goes through
 * IMPORT itself (so every input reaches its parser, detection or not) and
 * through trace_import() (format detection and its messages), each result
 * checked by fuzz_check_import().
 */
void fuzz_import_text(const uint8_t *data, size_t size, fuzz_text_importer import);
/* Report a broken invariant with the message and abort. */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
