#!/usr/bin/python3
"""Model (b) of DESIGN.md, "Performance targets", in SimPy, the peer of
bench/bench_rwsem.

One task per CPU of the xeon-8176-2s preset, each looping down_read() +
up_read() on one rw_semaphore.  The point is a fair speed comparison, so
this is the same model as the C one, access by access, not a cheaper one:

  down_read: call cost (2 ns), locked RMW on the count, then
             rwsem_set_reader_owned(): a load of the owner word and a store
             to it (sim/locking/rwsem.c reads owner to keep its NONSPINNABLE bit)
  up_read:   call cost (2 ns), locked RMW on the count

and each access goes through the cacheline model of sim/core/cacheline.c: owner
CPU or sharer set, transfer latency by distance, one transfer at a time
(busy_until queueing, occupancy - line_hold per queued transfer), and the
line_hold window in which the receiver's own accesses hit.  Hits are not
events: their cost accumulates as lag, paid at the next miss or once it
exceeds TASK_LAG_MAX, as sim/core/task.c does, so both models schedule the same
events and the event counts are comparable.

Debian's python3-simpy is SimPy 2.3 (the classic Process/hold API).
Events at one instant run in scheduling order there as in the C engine, so
the two models should agree to the nanosecond, not just statistically.

Usage: /usr/bin/python3 bench/simpy_rwsem.py [--ncpus N] [--iters N]
       [--c-bench build/bench_rwsem] [--detail]
"""

import argparse
import os
import subprocess
import sys
import time

from SimPy.Simulation import Process, Simulation, hold

# xeon-8176-2s (sim/core/machine.c): 2 sockets x 28 cores x 2 threads, one LLC
# per socket.
SOCKETS, CORES_PER_SOCKET, THREADS_PER_CORE, CORES_PER_LLC = 2, 28, 2, 28
DIST_SMT, DIST_LLC, DIST_SOCKET, DIST_REMOTE, DIST_MEMORY, NR_DIST = range(6)
LATENCY = (5, 80, 80, 200, 90)
OCCUPANCY = (4, 36, 36, 45, 10)
LINE_HOLD, L1_HIT, ATOMIC, CALL = 2, 1, 7, 2
TASK_LAG_MAX = 32


def topology():
    """Per-CPU core/LLC/socket, numbered as machine_finish() does."""
    cores = SOCKETS * CORES_PER_SOCKET
    ncpus = cores * THREADS_PER_CORE
    llcs_per_socket = CORES_PER_SOCKET // CORES_PER_LLC
    core_of, llc_of, socket_of = [], [], []
    for cpu in range(ncpus):
        core = cpu % cores
        socket = core // CORES_PER_SOCKET
        core_of.append(core)
        socket_of.append(socket)
        llc_of.append(socket * llcs_per_socket +
                      (core % CORES_PER_SOCKET) // CORES_PER_LLC)

    def dist(a, b):
        if core_of[a] == core_of[b]:
            return DIST_SMT
        if llc_of[a] == llc_of[b]:
            return DIST_LLC
        if socket_of[a] == socket_of[b]:
            return DIST_SOCKET
        return DIST_REMOTE

    dist_table = [[dist(a, b) for b in range(ncpus)] for a in range(ncpus)]
    smt = [0] * ncpus
    llc = [0] * ncpus
    sock = [0] * ncpus
    for a in range(ncpus):
        for b in range(ncpus):
            d = dist_table[a][b]
            if d == DIST_SMT:
                smt[a] |= 1 << b
            if d <= DIST_LLC:
                llc[a] |= 1 << b
            if d <= DIST_SOCKET:
                sock[a] |= 1 << b
    return ncpus, dist_table, smt, llc, sock


MACHINE_CPUS, DIST, SMT_MASK, LLC_MASK, SOCKET_MASK = topology()


class Line:
    """struct cacheline, with the fields this model touches."""

    def __init__(self):
        self.busy_until = 0
        self.owner = -1
        self.sharers = 0        # bit mask of CPUs
        self.transfers = 0

    def transfer(self, d, asked, op):
        """line_transfer(): queue one transfer, return the requester's wait."""
        keep = op + LINE_HOLD
        if asked >= self.busy_until:
            arrive = asked + LATENCY[d]
        else:
            hop = OCCUPANCY[d] - keep
            arrive = self.busy_until + (hop if hop > 0 else 0)
        self.busy_until = arrive + keep
        self.transfers += 1
        return arrive - asked

    def nearest_copy(self, cpu):
        s = self.sharers
        if s & SMT_MASK[cpu]:
            return DIST_SMT
        if s & LLC_MASK[cpu]:
            return DIST_LLC
        if s & SOCKET_MASK[cpu]:
            return DIST_SOCKET
        return DIST_REMOTE if s else DIST_MEMORY

    def farthest_copy(self, cpu):
        me = 1 << cpu
        s = self.sharers & ~me
        if s & ~SOCKET_MASK[cpu]:
            return DIST_REMOTE
        if s & ~LLC_MASK[cpu]:
            return DIST_SOCKET
        if s & ~SMT_MASK[cpu]:
            return DIST_LLC
        if s:
            return DIST_SMT
        if self.sharers & me:
            return NR_DIST
        return DIST_MEMORY

    def read_by(self, cpu, asked, op=L1_HIT):
        """line_read_by(): 0 for a hit, else the wait for the data."""
        if self.owner == cpu or self.sharers & (1 << cpu):
            return 0
        if self.owner >= 0:
            d = DIST[cpu][self.owner]
            self.sharers |= 1 << self.owner
            self.owner = -1
        else:
            d = self.nearest_copy(cpu)
        self.sharers |= 1 << cpu
        return self.transfer(d, asked, op)

    def write_by(self, cpu, asked, op):
        """line_write_by(): the wait for ownership, 0 if already owned."""
        wait = 0
        if self.owner != cpu:
            if self.owner >= 0:
                d = DIST[cpu][self.owner]
            else:
                d = self.farthest_copy(cpu)
            if d != NR_DIST:
                wait = self.transfer(d, asked, op)
            self.sharers = 0
            self.owner = cpu
        return wait


class Reader(Process):
    """One task pinned to one CPU.  The access methods return the ns the
    task must hold for (an event), or 0 when the cost went into lag."""

    def __init__(self, sim, cpu, line, iters, model):
        Process.__init__(self, name="reader%d" % cpu, sim=sim)
        self.cpu = cpu
        self.line = line
        self.iters = iters
        self.model = model
        self.lag = 0
        self.kept = False       # kept_line == line (there is one line)
        self.kept_until = 0
        self.kept_exclusive = False
        self.misses = model.misses

    def charge(self, ns):
        """task_charge()."""
        self.lag += ns
        if self.lag > TASK_LAG_MAX:
            ns = self.lag
            self.lag = 0
            return ns
        return 0

    def delay(self, ns):
        """task_delay()."""
        ns += self.lag
        self.lag = 0
        return ns

    def keeps(self, write):
        """task_keeps(): received so recently that the line is still ours
        (for a write: received Exclusive)."""
        return (self.kept and self.sim._t + self.lag < self.kept_until and
                (not write or self.kept_exclusive))

    def received(self, asked, wait, op, exclusive):
        """task_received()."""
        self.kept = True
        self.kept_exclusive = exclusive
        self.kept_until = asked + wait + op + LINE_HOLD

    def own(self, op_cost, site):
        """line_own(): a store or locked RMW."""
        if self.keeps(True):
            return self.charge(op_cost)
        asked = self.sim._t + self.lag
        wait = self.line.write_by(self.cpu, asked, op_cost)
        if wait:
            self.misses[site] += 1
            self.received(asked, wait, op_cost, True)
            return self.delay(wait + op_cost)
        return self.charge(op_cost)

    def read(self, site):
        """line_read()."""
        if self.keeps(False):
            return self.charge(L1_HIT)
        asked = self.sim._t + self.lag
        wait = self.line.read_by(self.cpu, asked)
        if wait:
            self.misses[site] += 1
            self.received(asked, wait, L1_HIT, False)
            return self.delay(wait + L1_HIT)
        return self.charge(L1_HIT)

    def run(self):
        model = self.model
        t0 = self.sim._t
        for _ in range(self.iters):
            # down_read(): fast path
            d = self.charge(CALL)
            if d:
                model.events += 1
                yield hold, self, d
            d = self.own(ATOMIC, "count RMW (down_read)")
            if d:
                model.events += 1
                yield hold, self, d
            d = self.read("owner load")
            if d:
                model.events += 1
                yield hold, self, d
            d = self.own(L1_HIT, "owner store")
            if d:
                model.events += 1
                yield hold, self, d
            # up_read()
            d = self.charge(CALL)
            if d:
                model.events += 1
                yield hold, self, d
            d = self.own(ATOMIC, "count RMW (up_read)")
            if d:
                model.events += 1
                yield hold, self, d
        d = self.delay(0)
        if d:
            model.events += 1
            yield hold, self, d
        model.total_ns += self.sim._t - t0


class Model:
    def __init__(self, ncpus, iters):
        self.ncpus = ncpus
        self.iters = iters
        self.events = 0
        self.total_ns = 0
        self.misses = {s: 0 for s in ("count RMW (down_read)", "owner load",
                                      "owner store", "count RMW (up_read)")}

    def run(self):
        sim = Simulation()
        sim.initialize()
        line = Line()
        for cpu in range(self.ncpus):
            r = Reader(sim, cpu, line, self.iters, self)
            sim.activate(r, r.run())
            # SimPy's activation event; the C engine has two per task
            # (start_event, then the resume), hence its 1 more per task
            self.events += 1
        sim.simulate(until=float("inf"))
        self.transfers = line.transfers
        return self.total_ns / self.ncpus / self.iters


def c_figures(path, ncpus, iters):
    """The C model's key/value output for the same parameters, or None."""
    if not os.access(path, os.X_OK):
        return None
    out = subprocess.run([path, str(ncpus), str(iters)], check=True,
                         capture_output=True, text=True).stdout
    return dict(line.split(None, 1) for line in out.splitlines() if line)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ncpus", type=int, default=64)
    ap.add_argument("--iters", type=int, default=2000)
    ap.add_argument("--c-bench", default="build/bench_rwsem",
                    help="C peer run with the same parameters for the check")
    ap.add_argument("--detail", action="store_true",
                    help="print line transfers per access site")
    a = ap.parse_args()
    if not 1 <= a.ncpus <= MACHINE_CPUS or a.iters < 1:
        ap.error("expected 1 <= ncpus <= %d and iters >= 1" % MACHINE_CPUS)

    m = Model(a.ncpus, a.iters)
    t0 = time.perf_counter()
    mean = m.run()
    wall = time.perf_counter() - t0
    ops = a.ncpus * a.iters

    print("simpy_version 2.3 (SimPy.Simulation, Python %d.%d)" %
          sys.version_info[:2])
    print("ncpus %d" % a.ncpus)
    print("iters %d" % a.iters)
    print("mean_ns_per_lock_unlock %.3f" % mean)
    print("wall_s %.3f" % wall)
    print("events %d" % m.events)
    print("events_per_op %.3f" % (m.events / ops))
    print("events_per_s %.0f" % (m.events / wall))
    print("lock_ops_per_wall_s %.0f" % (ops / wall))
    print("line_transfers_per_op %.3f" % (m.transfers / ops))
    if a.detail:
        for site, n in m.misses.items():
            print("transfers_per_op[%s] %.3f" % (site, n / ops))

    c = c_figures(a.c_bench, a.ncpus, a.iters)
    if c is None:
        print("c_model not found at %s: no agreement check" % a.c_bench)
        return 0
    c_mean = float(c["mean_ns_per_lock_unlock"])
    diff = (mean - c_mean) / c_mean * 100
    print("c_mean_ns_per_lock_unlock %.3f" % c_mean)
    print("c_events %s" % c["events"])
    print("mean_diff_percent %+.3f" % diff)
    if abs(diff) > 3:
        print("AGREEMENT FAILED: the SimPy and C models differ by more "
              "than 3%", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
