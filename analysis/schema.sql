-- mmlocksim results database (DESIGN.md, "Results database").
--
-- Loaded by analysis/store.c when it creates a database: the text of this
-- file is compiled into the binary (build.ninja, rule embed), so the file is
-- the one source of the schema.  store.c reads the schema version from the
-- user_version pragma below and refuses a database with another version or
-- another application_id.
--
-- Units: every time is an integer number of nanoseconds (simulated time),
-- except run.wall_s (host seconds) and throughput_per_s (ops per simulated
-- second).  64-bit unsigned values (seed, addr) are stored as the signed
-- 64-bit integer with the same bits.
--
-- A run row is inserted with status RUNNING before the simulation starts;
-- everything else, and last the final status, is written in one
-- transaction when it ends.  A run that never finished keeps RUNNING (or is
-- marked INTERRUPTED / ERROR), so a database never looks more complete than
-- it is.  Only COMPLETE runs count in the views.

PRAGMA application_id = 1296847693;	-- 0x4d4c534d, "MLSM"
PRAGMA user_version = 2;		-- the schema version; bump on any change

CREATE TABLE run (
	run_id		INTEGER PRIMARY KEY,
	scheme		TEXT NOT NULL,
	source		TEXT NOT NULL,		-- trace path or "gen:WORKLOAD"
	machine		TEXT NOT NULL,
	cpus		INTEGER NOT NULL,
	threads		INTEGER NOT NULL,	-- 0: as recorded
	seed		INTEGER NOT NULL,
	args		TEXT NOT NULL DEFAULT '',	-- the -p KEY=VAL given, sorted, space separated
	-- args cut in two: the scheme's parameters (what makes a variant of the
	-- scheme), and the rest (model knobs, workload parameters: the conditions
	-- that schemes are compared under).  Same format.
	scheme_args	TEXT NOT NULL DEFAULT '',
	model_args	TEXT NOT NULL DEFAULT '',
	status		TEXT NOT NULL CHECK (status IN
			('RUNNING', 'COMPLETE', 'FAILED', 'ERROR', 'INTERRUPTED')),
	sim_ns		INTEGER,		-- simulated time of the run
	events		INTEGER,		-- engine events processed
	wall_s		REAL,			-- host seconds
	violations	INTEGER,		-- safety violations found (violation keeps the first ones)
	version		TEXT NOT NULL,		-- mmlocksim version
	error		TEXT,			-- why, for ERROR and INTERRUPTED
	started_at	TEXT NOT NULL		-- UTC, ISO 8601
);

-- Child tables are keyed by (run_id, name) WITHOUT ROWID where a name is
-- unique within a run: the key is then the only index, which halves the
-- cost of an insert against a table plus an index on run_id.

-- Parameters in force (scheme parameters and model knobs, defaults included).
CREATE TABLE param (
	run_id		INTEGER NOT NULL REFERENCES run(run_id),
	key		TEXT NOT NULL,
	value		TEXT NOT NULL,
	PRIMARY KEY (run_id, key)
) WITHOUT ROWID;

-- Per operation kind ("fault", "mmap", "munmap", ...).
CREATE TABLE op_stat (
	run_id		INTEGER NOT NULL REFERENCES run(run_id),
	op		TEXT NOT NULL,
	count		INTEGER NOT NULL,
	throughput_per_s REAL NOT NULL,		-- ops per simulated second
	mean_ns		INTEGER NOT NULL,
	p50_ns		INTEGER NOT NULL,
	p99_ns		INTEGER NOT NULL,
	p999_ns		INTEGER NOT NULL,
	max_ns		INTEGER NOT NULL,
	PRIMARY KEY (run_id, op)
) WITHOUT ROWID;

-- Per lock class ("mmap_lock", "ptl", "vma_lock", ...).
CREATE TABLE lock_stat (
	run_id		INTEGER NOT NULL REFERENCES run(run_id),
	lock		TEXT NOT NULL,
	acquisitions	INTEGER NOT NULL,
	contended	INTEGER NOT NULL,
	wait_ns		INTEGER NOT NULL,	-- total over the run
	hold_ns		INTEGER NOT NULL,
	line_transfers	INTEGER NOT NULL,	-- cacheline transfers of that class's lines
	PRIMARY KEY (run_id, lock)
) WITHOUT ROWID;

-- Event counters: VMA_LOCK_SUCCESS/ABORT/RETRY/MISS, retries, shootdowns...
CREATE TABLE counter (
	run_id		INTEGER NOT NULL REFERENCES run(run_id),
	name		TEXT NOT NULL,
	value		INTEGER NOT NULL,
	PRIMARY KEY (run_id, name)
) WITHOUT ROWID;

-- Safety violations found by the oracle (the first ones of a run).
CREATE TABLE violation (
	run_id		INTEGER NOT NULL REFERENCES run(run_id),
	t_ns		INTEGER NOT NULL,
	task		INTEGER NOT NULL,
	kind		TEXT NOT NULL,		-- use-after-free, lost-update, ...
	addr		INTEGER NOT NULL,
	detail		TEXT NOT NULL
);

-- Latency histograms, non-empty buckets only.  8 buckets per power of two:
-- bucket k holds the integer latencies in [2^(k/8), 2^((k+1)/8)), i.e.
-- lo_ns = ceil(2^(k/8)) (0 for k = 0), hi_ns = ceil(2^((k+1)/8)).
CREATE TABLE lat_hist (
	run_id		INTEGER NOT NULL REFERENCES run(run_id),
	op		TEXT NOT NULL,
	lo_ns		INTEGER NOT NULL,	-- [lo_ns, hi_ns)
	hi_ns		INTEGER NOT NULL,
	count		INTEGER NOT NULL,
	PRIMARY KEY (run_id, op, lo_ns)
) WITHOUT ROWID;

-- Universal Scalability Law fits, X(N) = lambda N / (1 + sigma (N-1) +
-- kappa N (N-1)), one per scheme, source, machine, threads and args with
-- COMPLETE runs at 3 or more CPU counts, over the mean fault throughput per
-- CPU count (GSL nonlinear least squares, analysis/usl.c).  Derived data:
-- `mmlocksim report` (and compare at its end) replaces every row, so it is
-- current after a merge once report has run.  Having no run_id, it is not
-- copied by merge.
CREATE TABLE usl_fit (
	scheme		TEXT NOT NULL,
	source		TEXT NOT NULL,
	machine		TEXT NOT NULL,
	threads		INTEGER NOT NULL,
	args		TEXT NOT NULL,
	lambda		REAL NOT NULL,		-- faults per simulated second of one CPU
	sigma		REAL NOT NULL,		-- contention
	kappa		REAL NOT NULL,		-- coherency
	peak_cpus	REAL,			-- sqrt((1 - sigma) / kappa); NULL: no peak (kappa <= 0)
	r2		REAL NOT NULL,		-- coefficient of determination
	npoints		INTEGER NOT NULL,	-- CPU counts fitted
	PRIMARY KEY (scheme, source, machine, threads, args)
);

CREATE INDEX violation_run ON violation(run_id);
CREATE INDEX run_key ON run(scheme, source, machine, cpus);

-- The scheme v_compare compares against.  One row; change it with
--   UPDATE baseline SET scheme = 'spf-srcu';
-- (mmlocksim report --baseline X does not touch it: it chooses per report.)
CREATE TABLE baseline (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	scheme		TEXT NOT NULL
);
INSERT INTO baseline VALUES (1, 'global-rwsem');

-- Two-sided 95% quantiles of Student's t distribution, t(0.975, df), for
-- the confidence intervals in v_scaling (the stock sqlite3 shell has no t
-- distribution).  A df between two rows uses the row below it, which
-- gives a slightly wider (conservative) interval.  Checked against GSL's
-- gsl_cdf_tdist_Pinv by the tests.
CREATE TABLE t975 (
	df		INTEGER PRIMARY KEY,
	t		REAL NOT NULL
);
INSERT INTO t975 VALUES
	(1, 12.7062), (2, 4.3027), (3, 3.1824), (4, 2.7764),
	(5, 2.5706), (6, 2.4469), (7, 2.3646), (8, 2.3060),
	(9, 2.2622), (10, 2.2281), (11, 2.2010), (12, 2.1788),
	(13, 2.1604), (14, 2.1448), (15, 2.1314), (16, 2.1199),
	(17, 2.1098), (18, 2.1009), (19, 2.0930), (20, 2.0860),
	(21, 2.0796), (22, 2.0739), (23, 2.0687), (24, 2.0639),
	(25, 2.0595), (26, 2.0555), (27, 2.0518), (28, 2.0484),
	(29, 2.0452), (30, 2.0423), (40, 2.0211), (50, 2.0086),
	(60, 2.0003), (80, 1.9901), (100, 1.9840), (120, 1.9799),
	(200, 1.9719), (500, 1.9647), (1000, 1.9623);

-- Fault throughput of every COMPLETE run.
CREATE VIEW v_fault AS
SELECT r.run_id, r.scheme, r.scheme_args, r.source, r.machine, r.cpus, r.threads,
       r.model_args, r.seed, o.throughput_per_s AS tput, o.p99_ns
FROM run r JOIN op_stat o ON o.run_id = r.run_id AND o.op = 'fault'
WHERE r.status = 'COMPLETE';

-- The scaling curve: per variant of a scheme (scheme, scheme_args), source,
-- machine, threads, model_args and CPU count -- runs that differ only in
-- their seed -- the number of runs, the arithmetic and harmonic mean fault
-- throughput, the
-- sample standard deviation, and the half-width of the 95% confidence
-- interval of the mean, t(0.975, n-1) * sd / sqrt(n) (NULL for one run).
-- The standard deviation is computed in two passes (mean first), and uses
-- sqrt(), which the stock sqlite3 of Debian and Ubuntu has (SQLite >= 3.35
-- built with SQLITE_ENABLE_MATH_FUNCTIONS; mmlocksim registers its own if
-- the library lacks it).  Without it, var_tput is still there.
-- mean_p99_ns is the mean of the runs' own p99 fault latencies; `report`
-- (and compare) shows the p99 of all the runs' faults pooled instead.
CREATE VIEW v_scaling AS
WITH g AS (
	SELECT scheme, scheme_args, source, machine, threads, model_args, cpus,
	       count(*) AS n, avg(tput) AS mean_tput, count(*) / sum(1.0 / tput) AS hmean_tput,
	       avg(p99_ns) AS mean_p99_ns
	FROM v_fault GROUP BY scheme, scheme_args, source, machine, threads, model_args, cpus
), v AS (
	SELECT g.*, CASE WHEN g.n > 1 THEN
		sum((f.tput - g.mean_tput) * (f.tput - g.mean_tput)) / (g.n - 1)
		END AS var_tput
	FROM g JOIN v_fault f
		USING (scheme, scheme_args, source, machine, threads, model_args, cpus)
	GROUP BY scheme, scheme_args, source, machine, threads, model_args, cpus
)
SELECT scheme, scheme_args, source, machine, threads, model_args, cpus, n,
       mean_tput, hmean_tput, var_tput,
       sqrt(var_tput) AS sd_tput,
       (SELECT t FROM t975 WHERE df <= n - 1 ORDER BY df DESC LIMIT 1)
		* sqrt(var_tput / n) AS ci95_tput,
       mean_p99_ns
FROM v;

-- Every variant of every scheme against the baseline scheme (table
-- baseline) under the same conditions (source, machine, threads,
-- model_args, CPU count): mean throughput, its 95% CI, the change in
-- percent (positive: faster than the baseline) and the mean p99 fault
-- latency of both.  The baseline's variants are kept apart: with several,
-- each row is there once per baseline variant (baseline_args says which).
CREATE VIEW v_compare AS
SELECT s.scheme, s.scheme_args, s.source, s.machine, s.threads, s.model_args, s.cpus, s.n,
       s.mean_tput, s.ci95_tput,
       b.scheme AS baseline, b.scheme_args AS baseline_args, b.mean_tput AS baseline_tput,
       100.0 * (s.mean_tput - b.mean_tput) / b.mean_tput AS pct_change,
       s.mean_p99_ns, b.mean_p99_ns AS baseline_p99_ns
FROM v_scaling s
JOIN v_scaling b ON b.source = s.source AND b.machine = s.machine
	AND b.threads = s.threads AND b.model_args = s.model_args
	AND b.cpus = s.cpus AND b.scheme = (SELECT scheme FROM baseline);
