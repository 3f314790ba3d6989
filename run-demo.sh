#!/bin/sh
# The main job, from a fresh Debian machine: install what is missing, build,
# and compare every scheme on the bundled real trace: the table on stdout,
# out/demo.db (SQLite) and out/plots/*.png.
set -eu
cd "$(dirname "$0")"
tools/install-deps
ninja
mkdir -p out
rm -f out/demo.db out/demo.db-wal out/demo.db-shm
build/mmlocksim compare traces/samples/py.perf.txt.xz --cpus 1,4,16,64 --threads 64 \
	-p think_scale=0 --seeds 3 --db out/demo.db --plot out/plots
