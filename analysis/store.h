/*
 * The SQLite results database (schema in analysis/schema.sql, compiled in).
 *
 * One writer per database: `run` and `compare` write from one process,
 * sweeps on several machines write one shard each and merge them.  Every
 * run is two steps: store_run_begin() inserts the run row with status
 * RUNNING, store_run_finish() writes the whole outcome in one transaction
 * with the status last, so a run that dies in between stays RUNNING (or is
 * marked with store_run_mark()) and never looks complete.
 */
#ifndef MMLOCKSIM_STORE_H
#define MMLOCKSIM_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "analysis/result.h"

#define STORE_APPLICATION_ID 0x4d4c534d	/* "MLSM"; the same number is in schema.sql */

struct store;

/* What identifies a run before it has a result (the run row's key columns). */
struct store_key {
	const char *scheme;
	const char *source;
	const char *machine;
	int cpus, threads;
	uint64_t seed;
	const char *args;	/* the -p KEY=VAL given, canonical (store_args()); may be NULL */
	const char *version;	/* mmlocksim version */
	/* args cut in two, each canonical: the scheme's parameters, and the
	 * rest (model knobs, workload parameters); NULL: "" */
	const char *scheme_args, *model_args;
};

/* The schema version of this binary (user_version in schema.sql). */
int store_schema_version(void);
/* store_open() modes. */
#define STORE_EXISTING	0	/* read-write, the database must exist */
#define STORE_CREATE	1	/* read-write, made (with its schema) if missing */
#define STORE_READONLY	2	/* only read: report, the inputs of merge */

/*
 * Open a database in one of the modes above.  Refuses a file that is not
 * an mmlocksim database, has another schema version, or fails PRAGMA
 * quick_check (a corrupt page would otherwise make readers drop rows or
 * stop half-way).  A database that another process has locked is waited
 * for, saying so once on stderr, up to 30 s.  NULL with one line in err
 * ("PATH: ...") on any failure.
 */
struct store *store_open(const char *path, int mode, char *err, size_t errlen);
/*
 * A URI for another program's read of PATH (the sqlite3 shell of the
 * plots): immutable when no connection is writing, so that the reader
 * leaves no -shm or -wal file beside a database it only reads; malloc'd,
 * NULL if out of memory.
 */
char *store_reader_uri(const char *path);
/* Close (checkpointing the WAL).  NULL is fine. */
void store_close(struct store *s);
/* Name S as NAME in its messages (a database built under a temporary name). */
int store_show_as(struct store *s, const char *name);

/* Delete a database file and its WAL companions (-wal, -shm), so a
 * failed or replaced run never leaves a half-written database behind. */
void store_remove(const char *path);
/* The connection, for queries (report, tests). */
sqlite3 *store_db(struct store *s);

/* Insert the run row with status RUNNING: its run_id, or -1 (message in err). */
int64_t store_run_begin(struct store *s, const struct store_key *k, char *err, size_t errlen);
/*
 * Write the outcome of run run_id: the run row's figures, params, op_stat,
 * lat_hist, lock_stat, counter, violation, then r->status (COMPLETE,
 * FAILED or ERROR), in one transaction.  0, or -1 (message in err; nothing
 * of the run changed).
 */
int store_run_finish(struct store *s, int64_t run_id, const struct run_result *r,
		     char *err, size_t errlen);
/* The most child rows of one kind that one INSERT statement carries. */
#define STORE_BATCH_ROWS 64
/*
 * Fill in the machine name and thread count of a run that ended before
 * resolving them (an ERROR), from its sibling runs, so that it is counted
 * with them.  Only empty/zero columns change.
 */
int store_run_resolve(struct store *s, int64_t run_id, const char *machine, int threads);
/* Set the status (and error text, may be NULL) of a run that did not finish. */
int store_run_mark(struct store *s, int64_t run_id, const char *status, const char *error);
/*
 * For resuming a sweep: the run_id of a finished run (COMPLETE or FAILED)
 * with this key, or 0 if there is none.  The run row holds what the run
 * resolved (the machine's name, its CPU count for cpus 0, the tasks
 * replayed), so a NULL machine, cpus 0 and threads 0 match any; version
 * is ignored.
 */
int64_t store_find_done(struct store *s, const struct store_key *k);
/*
 * Append the runs of the database at in_path (same schema version) to s,
 * renumbering their run_ids past s's, in one transaction.  Refuses a shard
 * with a finished (COMPLETE or FAILED) run whose key is finished in s too,
 * which would count twice.  Returns the number of rows copied, or -1
 * (message in err; s unchanged).
 */
int64_t store_merge(struct store *s, const char *in_path, char *err, size_t errlen);
/*
 * The canonical text of the -p KEY=VAL arguments (sorted, space separated)
 * into buf; the run.args column.
 */
void store_args(const char *const *params, int nparams, char *buf, size_t len);

#endif
