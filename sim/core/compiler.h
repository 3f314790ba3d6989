/*
 * Compiler hints, spelled as in the kernel's include/linux/compiler*.h.
 * Used on the hot path only (the cacheline model and the task switch),
 * where a call's prologue and epilogue cost as much as the work.
 */
#ifndef MMLOCKSIM_COMPILER_H
#define MMLOCKSIM_COMPILER_H

/* glibc's <sys/cdefs.h> has the first one too, with the same meaning. */
#ifndef __always_inline
#define __always_inline	__inline __attribute__((__always_inline__))
#endif
#define __noinline	__attribute__((__noinline__))
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#endif
