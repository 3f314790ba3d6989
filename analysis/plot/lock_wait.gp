# Lock wait per fault by lock class, one bar per scheme (variant) in each class
# (clustered), at the largest CPU count: total wait_ns of the class over
# all seeds divided by the faults of those runs (table lock_stat).  Only
# COMPLETE runs; the source and machine of the database's first run.
#
#   gnuplot -e "db='results.db'; out='lock_wait.png'" analysis/plot/lock_wait.gp

sql(q) = sprintf("sqlite3 -readonly -separator '|' '%s' \"%s\"", db, q)
grp = "r.status = 'COMPLETE' AND r.source = (SELECT source FROM run ORDER BY run_id LIMIT 1) AND r.machine = (SELECT machine FROM run ORDER BY run_id LIMIT 1)"
# A variant is its own series, named as compare -s names it (NAME:KEY=VAL...).
lab(p) = sprintf("(%sscheme || CASE WHEN %sscheme_args = '' THEN '' ELSE ':' || replace(%sscheme_args, ' ', ':') END)", p, p, p)
schemes = system(sql("SELECT group_concat(lab, ' ') FROM (SELECT " . lab("r.") . " AS lab FROM run r WHERE " . grp . " GROUP BY lab ORDER BY min(run_id))"))
maxcpus = system(sql("SELECT coalesce(max(cpus), 0) FROM run r WHERE " . grp))
at = grp . " AND r.cpus = " . maxcpus
locks = system(sql("SELECT group_concat(lock, ' ') FROM (SELECT DISTINCT k.lock FROM lock_stat k JOIN run r ON r.run_id = k.run_id WHERE " . at . " ORDER BY k.lock)"))
what = system(sql("SELECT source || ' on ' || machine FROM run ORDER BY run_id LIMIT 1"))

set terminal pngcairo size 900,600 noenhanced
set output out
set datafile separator '|'
set title "Lock wait per fault at " . maxcpus . " CPUs: " . what
set ylabel "wait ns per fault (all seeds)"
set style fill solid 0.8 border -1
set key top right
set grid ytics
set yrange [0:*]

# Bar of scheme i (1..n) in class j (0-based) is centred at j + (i - (n + 1) / 2) * w.
n = words(schemes)
w = n > 0 ? 0.8 / n : 0.8
rows(s) = "WITH l AS (SELECT lock, row_number() OVER (ORDER BY lock) - 1 AS idx FROM " . \
	"(SELECT DISTINCT k.lock FROM lock_stat k JOIN run r ON r.run_id = k.run_id WHERE " . at . ")), " . \
	"f AS (SELECT sum(o.count) AS faults FROM op_stat o JOIN run r ON r.run_id = o.run_id " . \
	"WHERE " . at . " AND " . lab("r.") . " = '" . s . "' AND o.op = 'fault') " . \
	"SELECT l.idx, 1.0 * sum(k.wait_ns) / max((SELECT faults FROM f), 1) FROM lock_stat k " . \
	"JOIN run r ON r.run_id = k.run_id JOIN l ON l.lock = k.lock " . \
	"WHERE " . at . " AND " . lab("r.") . " = '" . s . "' GROUP BY l.idx ORDER BY l.idx"

if (n == 0 || words(locks) == 0) {
	set label 1 "no lock statistics in COMPLETE runs" at graph 0.5, 0.5 center
	plot [0:1][0:1] 2 notitle
} else {
	set xtics ()
	do for [j = 1:words(locks)] {
		set xtics add (word(locks, j) j - 1)
	}
	set xtics rotate by -30
	set xrange [-0.6:words(locks) - 0.4]
	plot for [i = 1:n] '< '.sql(rows(word(schemes, i))) \
		using ($1 + (i - (n + 1) / 2.0) * w):2:(w) with boxes title word(schemes, i)
}
