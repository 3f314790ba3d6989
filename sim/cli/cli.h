/* The subcommands of `mmlocksim`, one function each (cli_*.c). */
#ifndef MMLOCKSIM_CLI_H
#define MMLOCKSIM_CLI_H

#include <stddef.h>

/* Exit statuses: 0 ok, 1 the run failed (e.g. a safety violation), 2 bad input. */
#define EXIT_BAD_INPUT 2

int cli_list(int argc, char **argv);
int cli_import(int argc, char **argv);
int cli_stats(int argc, char **argv);
int cli_gen(int argc, char **argv);
int cli_check(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_compare(int argc, char **argv);
int cli_sweep(int argc, char **argv);
int cli_report(int argc, char **argv);
int cli_merge(int argc, char **argv);
int cli_validate(int argc, char **argv);
int cli_calibrate(int argc, char **argv);
/* validate --host (cli_validate_host.c); main.c sends `validate --host` there. */
int cli_validate_host(int argc, char **argv);
int cli_hostbench(int argc, char **argv);

/*
 * What `sweep EXPERIMENT.ini --dry-run` checks, without printing: the file
 * and every run it names (the fuzz target tests/fuzz/fuzz_experiment.c).
 * 0 with the number of runs in *nruns, or -1 with one line in err.
 */
int sweep_check(const char *path, long *nruns, char *err, size_t errlen);

#endif
