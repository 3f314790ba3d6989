/*
 * A scheme plugin that crashes in its fault hook (a BUG_ON that fires): the
 * run must report the failure as this plugin's, naming it.  abort() rather
 * than a wild pointer so that the test sees a signal under ASan too.
 */
#include <stdlib.h>

#include "schemes/scheme.h"

static vm_fault_t crash_fault(struct mm_struct *mm, unsigned long address, unsigned int flags)
{
	(void)mm; (void)address; (void)flags;
	abort();
}

const struct scheme_ops mmlocksim_scheme = {
	.api_version	= SCHEME_API_VERSION,
	.abi		= SCHEME_ABI,
	.name		= "crashing-plugin",
	.summary	= "a plugin that crashes on the first fault",
	.fault		= crash_fault,
	.write_lock	= mmap_write_lock,
	.write_unlock	= mmap_write_unlock,
};
