/*
 * --plot DIR: the PNG plots of a results database, drawn by gnuplot running
 * the scripts of analysis/plot/ (compiled into the binary), which read the
 * database with the sqlite3 shell.
 */
#ifndef MMLOCKSIM_PLOT_H
#define MMLOCKSIM_PLOT_H

#include <stddef.h>

/* The plots made, in dir: "scaling.png", ... NULL-terminated. */
extern const char *const plot_names[];

/*
 * Draw every plot of the database db into dir (created if missing).
 * 0; -1 with one line in err; PLOT_NO_TOOLS if gnuplot or sqlite3 is not
 * installed (err says which package), PLOT_BAD_DIR if dir is not a
 * directory that can be written (both bad input, not a failed plot).
 */
#define PLOT_NO_TOOLS (-2)
#define PLOT_BAD_DIR (-3)
int plot_all(const char *db, const char *dir, char *err, size_t errlen);
/* The check of dir that plot_all() makes first: 0, or -1 with one line in err. */
int plot_check_dir(const char *dir, char *err, size_t errlen);

#endif
