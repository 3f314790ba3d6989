/*
 * rwlock_t as the queued rwlock of kernel/locking/qrwlock.c (x86 since
 * 4.2): one atomic word `cnts` (readers in units of _QR_BIAS, the writer
 * byte in the low bits) and a spinlock that orders the slow paths.
 *
 * - read_lock(): atomic_add_return_acquire(_QR_BIAS, &cnts), one XADD; if
 *   a writer holds or waits (_QW_WMASK), queued_read_lock_slowpath()
 *   takes back the bias, queues on wait_lock, adds it again and spins
 *   until the writer byte is clear.
 * - read_unlock(): atomic_sub_return_release(_QR_BIAS), one XADD.
 * - write_lock(): cmpxchg(0 -> _QW_LOCKED); else queued_write_lock_slowpath():
 *   wait_lock, set _QW_WAITING (new readers now queue), spin until the
 *   readers drain, cmpxchg(_QW_WAITING -> _QW_LOCKED).
 * - write_unlock(): a release store of the writer byte (posted, as
 *   spin_unlock()'s is).
 * Every reader writes the lock line twice, which is why a read-mostly
 * rwlock still bounces its line between CPUs (the mm_rb_lock of Dufour's
 * SPF series on its fast path).  Simplified: no interrupt-context
 * readers (they skip the queue in the kernel).
 */
#ifndef MMLOCKSIM_RWLOCK_H
#define MMLOCKSIM_RWLOCK_H

#include "sim/core/atomic.h"
#include "sim/locking/spinlock.h"

typedef struct {
	struct cacheline line;
	atomic_long_t cnts;
	spinlock_t wait_lock;		/* on the same line, as in struct qrwlock */
	uint16_t stat_read, stat_write;
} rwlock_t;

void rwlock_init(rwlock_t *lock, const char *name);
void read_lock(rwlock_t *lock);
void read_unlock(rwlock_t *lock);
void write_lock(rwlock_t *lock);
void write_unlock(rwlock_t *lock);

#endif
