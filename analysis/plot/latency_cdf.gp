# Cumulative distribution of page fault latency, one line per scheme (variant), at
# the largest CPU count, from the latency histograms of all seeds pooled
# (table lat_hist; log x).  Only COMPLETE runs; the source and machine of
# the database's first run.
#
#   gnuplot -e "db='results.db'; out='latency_cdf.png'" analysis/plot/latency_cdf.gp

sql(q) = sprintf("sqlite3 -readonly -separator '|' '%s' \"%s\"", db, q)
grp = "r.status = 'COMPLETE' AND r.source = (SELECT source FROM run ORDER BY run_id LIMIT 1) AND r.machine = (SELECT machine FROM run ORDER BY run_id LIMIT 1)"
# A variant is its own series, named as compare -s names it (NAME:KEY=VAL...).
lab(p) = sprintf("(%sscheme || CASE WHEN %sscheme_args = '' THEN '' ELSE ':' || replace(%sscheme_args, ' ', ':') END)", p, p, p)
schemes = system(sql("SELECT group_concat(lab, ' ') FROM (SELECT " . lab("r.") . " AS lab FROM run r WHERE " . grp . " GROUP BY lab ORDER BY min(run_id))"))
maxcpus = system(sql("SELECT coalesce(max(cpus), 0) FROM run r WHERE " . grp))
what = system(sql("SELECT source || ' on ' || machine FROM run ORDER BY run_id LIMIT 1"))

set terminal pngcairo size 900,600 noenhanced
set output out
set datafile separator '|'
set title "Page fault latency CDF at " . maxcpus . " CPUs: " . what
set xlabel "fault latency (ns, log scale)"
set ylabel "fraction of faults <= latency"
set logscale x 10
set format x "%.0s%c"
set yrange [0:1.02]
set key bottom right
set grid

# Points (hi_ns of bucket, fraction of faults up to it), after a first point
# (lo_ns of the first bucket, 0) so that each curve starts from 0.
cdf(s) = "WITH b AS (SELECT h.lo_ns, h.hi_ns, sum(h.count) AS c FROM lat_hist h " . \
	"JOIN run r ON r.run_id = h.run_id WHERE " . grp . " AND " . lab("r.") . " = '" . s . "' " . \
	"AND r.cpus = " . maxcpus . " AND h.op = 'fault' GROUP BY h.lo_ns, h.hi_ns) " . \
	"SELECT x, y FROM (SELECT min(lo_ns) AS x, 0.0 AS y FROM b UNION ALL " . \
	"SELECT hi_ns, 1.0 * sum(c) OVER (ORDER BY lo_ns) / sum(c) OVER () FROM b) ORDER BY x"

if (words(schemes) == 0) {
	set label 1 "no COMPLETE runs in the database" at graph 0.5, 0.5 center
	unset logscale x
	plot [0:1][0:1] 2 notitle
} else {
	plot for [s in schemes] '< '.sql(cdf(s)) using 1:2 with steps lw 2 title s
}
