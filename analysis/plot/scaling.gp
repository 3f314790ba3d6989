# Fault throughput against CPU count, one line per scheme (variant), with the 95%
# confidence interval of the mean over seeds as error bars (view v_scaling).
# Only COMPLETE runs; the source and machine of the database's first run.
#
#   gnuplot -e "db='results.db'; out='scaling.png'" analysis/plot/scaling.gp
#
# The database is read with the sqlite3 shell; scheme names must not
# contain quotes (registered names are [a-z0-9-]).

sql(q) = sprintf("sqlite3 -readonly -separator '|' '%s' \"%s\"", db, q)
grp = "source = (SELECT source FROM run ORDER BY run_id LIMIT 1) AND machine = (SELECT machine FROM run ORDER BY run_id LIMIT 1)"
# A variant is its own series, named as compare -s names it (NAME:KEY=VAL...).
lab(p) = sprintf("(%sscheme || CASE WHEN %sscheme_args = '' THEN '' ELSE ':' || replace(%sscheme_args, ' ', ':') END)", p, p, p)
schemes = system(sql("SELECT group_concat(lab, ' ') FROM (SELECT " . lab("") . " AS lab FROM run WHERE status = 'COMPLETE' AND " . grp . " GROUP BY lab ORDER BY min(run_id))"))
what = system(sql("SELECT source || ' on ' || machine FROM run ORDER BY run_id LIMIT 1"))

set terminal pngcairo size 900,600 noenhanced
set output out
set datafile separator '|'
set title "Page fault throughput: " . what
set xlabel "CPUs"
set ylabel "faults per simulated second (mean, 95% CI)"
set logscale x 2
set format y "%.1s%c"
set yrange [0:*]
set key top left
set grid

if (words(schemes) == 0) {
	set label 1 "no COMPLETE runs in the database" at graph 0.5, 0.5 center
	plot [1:2][0:1] 2 notitle
} else {
	plot for [s in schemes] '< '.sql("SELECT cpus, mean_tput, coalesce(ci95_tput, 0) FROM v_scaling WHERE " . lab("") . " = '" . s . "' AND " . grp . " ORDER BY cpus") \
		using 1:2:3 with yerrorlines lw 2 pt 7 title s
}
