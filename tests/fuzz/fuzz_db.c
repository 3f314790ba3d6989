/*
 * libFuzzer target: results databases as `mmlocksim report` reads them
 * (store_open() read-only, its quick_check, then report_print() without
 * storing).  A database that opens must be reported, or refused with one
 * line naming the file; a refusal at open is one line naming it too.  The
 * input is never written (its bytes are compared) and nothing is left
 * beside it (no -wal, no -shm).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/report.h"
#include "analysis/store.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_bytes(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "rb");
	uint8_t buf[4096];
	size_t off = 0, n;

	if (!f)
		return 0;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (off + n > size || memcmp(buf, data + off, n)) {
			fclose(f);
			return 0;
		}
		off += n;
	}
	fclose(f);
	return off == size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = fuzz_write("in.db", data, size);
	const char *keep[] = { "in.db", NULL };
	char err[1024] = "";
	struct store *s;
	FILE *out;

	s = store_open(in, STORE_READONLY, err, sizeof(err));
	if (!s) {
		fuzz_check_err(err, in);
	} else {
		out = fopen("/dev/null", "w");
		if (!out)
			fuzz_fail("cannot open /dev/null");
		err[0] = 0;
		if (report_print(store_db(s), NULL, out, 0, err, sizeof(err)) < 0)
			fuzz_check_err(err, in);
		fclose(out);
		store_close(s);
	}
	if (!same_bytes(in, data, size))
		fuzz_fail("the database was written");
	fuzz_check_dir(keep);
	return 0;
}
