#!/bin/sh
# The main job, from a fresh Debian machine: install what is missing, build,
# and run mmlocksim on the bundled real trace.
set -eu
cd "$(dirname "$0")"
tools/install-deps
ninja
mkdir -p out
build/mmlocksim import traces/samples/py.perf.txt.xz -o out/py.mlt
build/mmlocksim stats out/py.mlt
build/mmlocksim list machines
