/*
 * The simulator's kernel-sync library, one include for scheme and model
 * code: atomics, spinlocks, rw_semaphore, seqcount, refcount, wait queues,
 * RCU and SRCU, each named and behaving like its Linux counterpart.
 */
#ifndef MMLOCKSIM_SYNC_H
#define MMLOCKSIM_SYNC_H

#include "atomic.h"
#include "counters.h"
#include "lockstat.h"
#include "misuse.h"
#include "rcu.h"
#include "refcount.h"
#include "rwsem.h"
#include "semaphore.h"
#include "seqcount.h"
#include "spinlock.h"
#include "waitqueue.h"
#include "ww_mutex.h"

#endif
