#!/bin/sh
# The Slurm path of `mmlocksim sweep`, for real: a one-node Slurm cluster
# (munged, slurmctld, slurmd) started in a temporary directory, the job
# array of tools/slurm-sweep.sh submitted to it, then the shards merged.
# Run by tests/test_sweep.c (sweep_slurm).
#
# How the cluster is set up (Debian's slurm-wlm and munge; no init system is
# assumed, so this script starts and stops every daemon it needs):
# - munge: the package makes /etc/munge/munge.key and the munge user;
#   munged runs as that user (runuser -u munge), on a socket of its own in
#   the temporary directory; `munge -n | unmunge` must say Success.
# - No cgroups (a container or sandbox seldom delegates them):
#   ProctrackType=proctrack/linuxproc, TaskPlugin=task/none,
#   JobAcctGatherType=jobacct_gather/none,
#   AccountingStorageType=accounting_storage/none.  With these,
#   SlurmUser=root and SlurmdUser=root work.
# - Every path in the temporary directory: StateSaveLocation, SlurmdSpoolDir,
#   both pid files and both logs; every client and daemon finds the config
#   through SLURM_CONF.
# - One node, named by `hostname -s`, with CPUs= the output of nproc;
#   SelectType=select/cons_tres, SelectTypeParameters=CR_Core,
#   ReturnToService=2.
# - slurmctld -D and slurmd -D run in the foreground, so the pids this
#   script holds are the daemons'; they are up in a few seconds (sinfo shows
#   the node idle), and sbatch --array runs the tasks with
#   SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT set.
# - Each daemon is stopped by the pid this script started (never by name:
#   other daemons may run on a shared machine), and the directory removed.
# - Where a step cannot work (no package, not root, a port taken), the test
#   is skipped (exit 77) saying which step and why, rather than failed.
#
# usage: tests/slurm-local.sh MMLOCKSIM EXPERIMENT.ini NSHARDS OUTDIR
# exit: 0 done (OUTDIR/merged.db), 77 skipped (the reason on stdout), else failed.
set -u

[ $# -eq 4 ] || { echo "usage: $0 MMLOCKSIM EXPERIMENT.ini NSHARDS OUTDIR" >&2; exit 2; }
MMLOCKSIM=$(realpath "$1")
EXP=$(realpath "$2")
N=$3
OUT=$(realpath "$4")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WAIT_JOB=${SLURM_TEST_TIMEOUT:-120}

skip() {
	echo "skip: $*"
	exit 77
}

for c in munged munge unmunge slurmctld slurmd sbatch sinfo runuser; do
	command -v "$c" >/dev/null 2>&1 ||
		skip "no $c (apt-get install slurm-wlm munge; tools/install-deps does)"
done
[ "$(id -u)" -eq 0 ] || skip "slurmd runs jobs as their user only when started as root; not root"
[ -r /etc/munge/munge.key ] || skip "no readable /etc/munge/munge.key (made by the munge package)"
id munge >/dev/null 2>&1 || skip "no munge user (made by the munge package)"

T=$(mktemp -d "${TMPDIR:-/tmp}/mmlocksim-slurm.XXXXXX") || skip "mktemp failed"
chmod 755 "$T"
PIDS=""
cleanup() {
	# Our daemons, by the pids we started, slurmd first.
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $PIDS; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

log_tail() {
	[ -f "$1" ] && tail -n 5 "$1" | sed 's/^/    /'
}

# munged, on a socket of its own, as the munge user.
mkdir -p "$T/munge"
chown munge:munge "$T/munge"
chmod 755 "$T/munge"
SOCK=$T/munge/munge.sock
runuser -u munge -- munged -S "$SOCK" --pid-file="$T/munge/munged.pid" \
	--log-file="$T/munge/munged.log" --seed-file="$T/munge/munged.seed" \
	>"$T/munged.out" 2>&1 || skip "munged did not start: $(cat "$T/munged.out")"
i=0
while [ ! -s "$T/munge/munged.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
MUNGED=$(cat "$T/munge/munged.pid" 2>/dev/null)
[ -n "$MUNGED" ] || skip "munged wrote no pid file"
PIDS="$MUNGED"
munge -S "$SOCK" -n | unmunge -S "$SOCK" >/dev/null 2>&1 ||
	skip "munge -n | unmunge does not say Success"

HOST=$(hostname -s)
CPUS=$(nproc)
mkdir -p "$T/state" "$T/spool"
cat >"$T/slurm.conf" <<CONF
ClusterName=mmlocksim-test
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCK
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$HOST CPUs=$CPUS State=UNKNOWN
PartitionName=test Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$T/slurm.conf"

slurmctld -D -f "$SLURM_CONF" >"$T/slurmctld.out" 2>&1 &
PIDS="$! $PIDS"
slurmd -D -f "$SLURM_CONF" >"$T/slurmd.out" 2>&1 &
PIDS="$! $PIDS"
i=0
until sinfo -h -o %t 2>/dev/null | grep -q '^idle'; do
	for p in $PIDS; do
		if ! kill -0 "$p" 2>/dev/null; then
			echo "skip: a Slurm daemon exited at start (port 6817/6818 taken?):"
			log_tail "$T/slurmctld.log"
			log_tail "$T/slurmd.log"
			cat "$T/slurmctld.out" "$T/slurmd.out" | tail -n 5 | sed 's/^/    /'
			exit 77
		fi
	done
	i=$((i + 1))
	if [ $i -ge 100 ]; then
		echo "skip: the node did not become idle in 20 s: sinfo says '$(sinfo -h -o %t 2>&1)'"
		log_tail "$T/slurmctld.log"
		log_tail "$T/slurmd.log"
		exit 77
	fi
	sleep 0.2
done
echo "slurm: node $HOST idle with $CPUS CPUs after $((i / 5)).$((i % 5 * 2)) s"

# The job array, as the README shows it.  Polled rather than sbatch --wait,
# which sleeps up to 10 s between looks.
mkdir -p "$OUT/shards"
cd "$ROOT" || exit 1
show_outputs() {
	for f in "$OUT"/slurm-*.out; do [ -f "$f" ] && sed "s|^|  $(basename "$f"): |" "$f"; done
}
if ! JOB=$(MMLOCKSIM=$MMLOCKSIM sbatch --parsable --array=0-$((N - 1)) \
	--output="$OUT/slurm-%A_%a.out" tools/slurm-sweep.sh "$EXP" "$OUT/shards" 2>&1); then
	echo "sbatch failed: $JOB"
	log_tail "$T/slurmctld.log"
	exit 1
fi
echo "submitted job array $JOB: $N tasks"
i=0
while [ -n "$(squeue -h -j "$JOB" -o %i 2>/dev/null)" ]; do
	i=$((i + 1))
	if [ $i -ge $((WAIT_JOB * 5)) ]; then
		echo "job array $JOB still in the queue after $WAIT_JOB s:"
		squeue -j "$JOB" 2>&1 | sed 's/^/    /'
		show_outputs
		log_tail "$T/slurmctld.log"
		exit 1
	fi
	sleep 0.2
done
echo "job array done after $((i / 5)).$((i % 5 * 2)) s"
show_outputs
"$MMLOCKSIM" merge "$OUT/merged.db" "$OUT"/shards/shard-*.db
