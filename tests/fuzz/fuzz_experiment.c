/*
 * libFuzzer target: sweep experiment files (sweep_check(), what
 * `mmlocksim sweep FILE --dry-run` checks: the INI layer, every key, and
 * the plan of runs through run_check()).  On success the run count is
 * within the sweep's bound; on error the message is one line naming the
 * file.  Nothing is left in the scratch directory either way.
 */
#include <stdint.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = fuzz_write("exp.ini", data, size);
	const char *keep[] = { "exp.ini", NULL };
	char err[1024] = "";
	long nruns = -1;

	if (sweep_check(in, &nruns, err, sizeof(err)) == 0) {
		if (nruns < 1 || nruns > 1000000)
			fuzz_fail("%ld runs accepted", nruns);
	} else {
		fuzz_check_err(err, in);
	}
	fuzz_check_dir(keep);
	return 0;
}
