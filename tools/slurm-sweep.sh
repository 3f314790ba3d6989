#!/bin/sh
# One shard of an mmlocksim sweep as a task of a Slurm job array (README,
# "Sweeps on many machines").  Submit from the directory the experiment's
# paths are relative to (usually the repository root):
#
#   sbatch --array=0-9 --cpus-per-task=8 tools/slurm-sweep.sh EXPERIMENT.ini OUTDIR
#   ... when the array is done:
#   build/mmlocksim merge results.db OUTDIR/shard-*.db
#
# Task I of an array of N tasks runs `mmlocksim sweep EXPERIMENT.ini
# --shard I/N --db OUTDIR/shard-I.db --jobs CPUS`, CPUS being the task's
# --cpus-per-task (1 if not given).  Array indices need not start at 0, but
# must be contiguous.  A task that is re-run (requeued, or the array
# submitted again) resumes its shard database.  MMLOCKSIM names the binary
# (default: build/mmlocksim under the submit directory).
#
#SBATCH --job-name=mmlocksim-sweep
#SBATCH --output=slurm-%A_%a.out
set -eu

if [ $# -ne 2 ]; then
	echo "usage: sbatch --array=0-(N-1) $0 EXPERIMENT.ini OUTDIR" >&2
	exit 2
fi
: "${SLURM_ARRAY_TASK_ID:?not a task of a job array (sbatch --array=0-N)}"
cd "${SLURM_SUBMIT_DIR:-.}"
i=$((SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-0}))
n=${SLURM_ARRAY_TASK_COUNT:?not a task of a job array}
mkdir -p "$2"
exec "${MMLOCKSIM:-build/mmlocksim}" sweep "$1" --shard "$i/$n" \
	--db "$2/shard-$SLURM_ARRAY_TASK_ID.db" --jobs "${SLURM_CPUS_PER_TASK:-1}"
