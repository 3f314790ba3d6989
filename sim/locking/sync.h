/*
 * The simulator's kernel-sync library, one include for scheme and model
 * code: atomics, spinlocks, rw_semaphore, semaphores, seqcount, refcount,
 * wait queues and ww_mutexes, each named and behaving like its Linux
 * counterpart.  RCU and SRCU, the layer above, are sim/rcu/rcu.h.
 */
#ifndef MMLOCKSIM_SYNC_H
#define MMLOCKSIM_SYNC_H

#include "sim/core/atomic.h"
#include "sim/core/counters.h"
#include "sim/locking/lockstat.h"
#include "sim/core/misuse.h"
#include "sim/locking/refcount.h"
#include "sim/locking/rwsem.h"
#include "sim/locking/semaphore.h"
#include "sim/locking/seqcount.h"
#include "sim/locking/spinlock.h"
#include "sim/locking/rwlock.h"
#include "sim/locking/waitqueue.h"
#include "sim/locking/ww_mutex.h"

#endif
