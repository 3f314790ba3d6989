/*
 * Import and read throughput of the trace layer (DESIGN.md, "Performance
 * targets": perf text import >= 3 M lines/s, .mlt read >= 100 M records/s).
 * The bundled traces are decompressed to a temporary file first so that
 * xz decoding does not hide the parser's speed.  Run from the repo root.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/wallclock.h"
#include "traces/import.h"
#include "traces/mlt.h"
#include "traces/textin.h"

/* Decompress SRC into DST, REPEAT times over (a bigger input, steadier). */
static int decompress(const char *src, FILE *dst)
{
	char err[512], buf[1 << 16];
	struct textin *t = textin_open(src, err, sizeof(err));
	long k;

	if (!t) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	while ((k = textin_read(t, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)k, dst);
	textin_close(t);
	return k < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const char *const srcs[] = {
		"traces/samples/xz.perf.txt.xz", "traces/samples/py.perf.txt.xz",
	};
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char txt[480], mlt[512], err[512];
	struct import_summary s;
	struct mlt_record r;
	struct mlt_file *f;
	double t0, best_imp = 0, best_rd = 0;
	uint64_t sum = 0, nrec = 0;
	int i, rounds = argc > 1 ? atoi(argv[1]) : 5;
	unsigned j;
	int fd;

	snprintf(txt, sizeof(txt), "%s/bench-import-XXXXXX", dir);
	fd = mkstemp(txt);
	if (fd < 0)
		return 1;
	close(fd);
	snprintf(mlt, sizeof(mlt), "%s.mlt", txt);
	for (j = 0; j < 2; j++) {
		FILE *out = fopen(txt, "w");

		if (!out || decompress(srcs[j], out) < 0)
			return 1;
		fclose(out);
		for (i = 0; i < rounds; i++) {
			t0 = wall_seconds();
			if (trace_import(txt, mlt, &s, err, sizeof(err)) < 0) {
				fprintf(stderr, "%s\n", err);
				return 1;
			}
			t0 = wall_seconds() - t0;
			if (s.lines / t0 > best_imp)
				best_imp = s.lines / t0;
		}
		printf("import %-32s %8llu lines  %6.2f M lines/s (best of %d)\n",
		       srcs[j], (unsigned long long)s.lines, best_imp / 1e6,
		       rounds);
		best_imp = 0;
	}
	f = mlt_open(mlt, err, sizeof(err));
	if (!f) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	for (i = 0; i < rounds * 20; i++) {
		mlt_rewind(f);
		t0 = wall_seconds();
		while (mlt_next(f, &r) > 0)
			sum += r.addr ^ r.time_ns;
		t0 = wall_seconds() - t0;
		nrec = f->nrecords;
		if (nrec / t0 > best_rd)
			best_rd = nrec / t0;
	}
	printf("read   .mlt (%llu records, mlt_next)   %8.1f M records/s (checksum %llx)\n",
	       (unsigned long long)nrec, best_rd / 1e6, (unsigned long long)sum);
	mlt_close(f);
	unlink(txt);
	unlink(mlt);
	return 0;
}
