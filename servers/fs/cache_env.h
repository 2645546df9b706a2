/*
 * cache_env.h (servers/fs/) - the little the page cache (cache.c) needs
 * from the pager around it, so cache.c also builds natively for host tests
 * (tests/host/test_cache.c supplies these there). In the pager: frame
 * references in servers/vm.c, root_frames in libsys/root.c, blkc_submit in
 * servers/blk/blkc.c, rdtime and the boot information from libsys.
 */
#ifndef SERVERS_FS_CACHE_ENV_H
#define SERVERS_FS_CACHE_ENV_H

#include <stdint.h>

#include "../blk/blkc.h"
#include "abi.h"
#include "frames.h"

/* The pager's frames (as in servers/pager.h). */
extern struct frames root_frames;
#define pg_frames root_frames
void frame_get(uint64_t pa);
void frame_put(uint64_t pa);
uint32_t frame_refs(uint64_t pa);

extern const struct bootinfo *libsys_bootinfo; /* timebase_hz */
#ifdef __riscv
#include "sys.h" /* rdtime: the time CSR */
#else
uint64_t rdtime(void);
#endif

#endif /* SERVERS_FS_CACHE_ENV_H */
