/*
 * cache.h (servers/fs/) - the root pager's one page cache: file pages by
 * (inode, page index) and file-system metadata by (CACHE_DEV, block), each
 * in one frame of the pager's grant, read and written by the block driver
 * straight into those frames. read, write, exec and faults all come here.
 * Invariants:
 *  - a (ino, idx) key is in at most one frame, so a file page is never in
 *    two frames; the cache holds one frame_ref on each of its frames, and
 *    every process mapping of it is one more;
 *  - nothing here waits: a miss starts the read, sets cache_miss to the page
 *    being read and returns -EAGAIN; the caller parks its request and runs it
 *    again when that page's I/O is done (pager.c: pager_park);
 *  - only clean, unmapped (frame_ref 1), idle pages are reclaimed, never one
 *    used by the request being served (epoch), so pointers the ext2 code got
 *    from cache_io stay valid for the whole request;
 *  - pblk[] of a valid page names the device blocks behind it (0 = hole or
 *    past the end): writeback needs no block-map lookup, and clean pages are
 *    never written.
 */
#ifndef SERVERS_FS_CACHE_H
#define SERVERS_FS_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "ext2.h"
#include "frames.h"

#define CACHE_DEV 0     /* the "inode" of metadata blocks: idx is a block number */
#define CACHE_SWAP 0xffffffffu /* the "inode" of swap pages: idx is a swap slot */
#define CACHE_DATA 0xfffffffeu /* cache_sync's "every page but metadata" */
#define CACHE_BPP_MAX 4 /* blocks per page at the smallest block size (1 KiB) */

enum {
	CP_VALID = 1,   /* the frame holds the data */
	CP_DIRTY = 2,   /* changed since it was last written */
	CP_READING = 4, /* reads in flight */
	CP_WRITING = 8, /* writes in flight */
	CP_ERROR = 16,  /* the read failed: the next user gets EIO and drops it */
	CP_ORPHAN = 32, /* out of the hash (file truncated): freed when unused */
	CP_ANON = 64,   /* a shared anonymous object's page: reclaimed only through swap */
	CP_UNQUEUED = 128, /* a piece of its write found no request: write it again */
	CP_UNUSED = 256,   /* read, not used yet: kept a while from reclaim at a limit */
	CP_KEPT = 512,     /* a swap page the disk refused: the only copy, kept */
};

struct cpage {
	uint32_t ino, flags;
	uint64_t idx, pa;
	uint32_t pblk[CACHE_BPP_MAX];
	uint32_t io_left; /* block requests still in flight */
	uint32_t epoch;   /* the request that last used it */
	struct cpage *hnext, *prev, *next;
	struct cpage *dprev, *dnext; /* the dirty list, while CP_DIRTY */
};

struct cache_stats {
	uint64_t pages, dirty, reads, writes, read_blocks, write_blocks, errors;
	uint64_t dropped; /* clean pages reclaimed: file pages, swap-cache pages at eviction */
	uint64_t swap_reads; /* swap pages whose read was started */
};

extern struct ext2_fs cache_fs;       /* the mounted file system */
extern const struct ext2_io cache_io; /* ext2's blocks, through this cache */
extern struct cpage *cache_miss;      /* what the last -EAGAIN waits for */
/* The request being served met a page being read (-EAGAIN from here, not
 * from anything else, such as a full process table). */
bool cache_waiting(void);
extern uint32_t cache_epoch;          /* bumped for every request served */
extern struct cache_stats cache_stats;
extern void (*cache_done_hook)(void); /* runs after any I/O completes */
extern uint64_t cache_time_base;      /* seconds since 1970 at boot */
/* The request being served must not wait for writeback (the block driver's
 * own faults: it is the one that finishes writes): it takes the frames kept
 * free instead. */
extern bool cache_urgent;

void cache_init(uint32_t block_size);
/* Device bytes [off, off + len) (len <= 4096) into frame pa, then
 * done(arg, status): for the superblock before ext2 is mounted. */
void cache_read_raw(unsigned unit, uint64_t off, uint32_t len, uint64_t pa,
		    void (*done)(void *, int), void *arg);

/* File page idx of inode ino (size bytes long), read from disk if needed.
 * overwrite: the caller will write the whole valid part, so a missing page
 * need not be read. NULL with *err = -EAGAIN, -EIO or -ENOMEM. */
struct cpage *cache_file_page(uint32_t ino, uint64_t idx, uint64_t size, bool overwrite,
			      int *err);
/* Start reading up to n pages after idx that are not cached (never waits,
 * never fails: read-ahead stops at the first obstacle). */
void cache_readahead(uint32_t ino, uint64_t idx, unsigned n, uint64_t size);
/* Make sure the blocks of cp covering page bytes [lo, hi) are allocated on
 * disk (-ENOSPC, -EAGAIN, -EIO). */
int cache_alloc_blocks(struct cpage *cp, uint32_t lo, uint32_t hi);
/* The end of the run of allocated blocks of cp from page byte off on. */
uint32_t cache_blocks_from(const struct cpage *cp, uint32_t off);
void cache_dirty(struct cpage *cp);
/* Page idx of a shared anonymous object (a vnode of vfs_anon_new): zeroed
 * on first use, kept until cache_truncate of the object or until paged
 * out (cache_anon_out). NULL: no memory. */
struct cpage *cache_anon_page(uint32_t ino, uint64_t idx);
/* Page-out of such a page (evict.c, no process maps it): it becomes the
 * dirty page of swap slot, written and reclaimed as any swap page. */
void cache_anon_out(struct cpage *cp, uint64_t slot);
/* Page-in: the page of slot (read if needed: as cache_swap_in) becomes
 * page idx of object ino again. -EAGAIN also while its write is in
 * flight (the write's completion must find a swap page). The caller then
 * frees the slot. */
struct cpage *cache_anon_in(uint32_t ino, uint64_t idx, uint64_t slot, int *err);
/* Called first by cache_truncate(ino, size, ...) with the first page
 * index past the new end: pages of ino kept outside the cache (a shared
 * anonymous object's in swap, evict.c) go too. NULL: none. */
extern void (*cache_truncate_hook)(uint32_t ino, uint64_t first);
/* The page of (ino, idx) if cached, else NULL (no read started). */
struct cpage *cache_lookup(uint32_t ino, uint64_t idx);

/* The file shrank from old_size to size: drop its pages past the end,
 * zero the tail of the last one. Pages still mapped or in I/O leave the
 * hash (orphans) and are freed when unused. */
void cache_truncate(uint32_t ino, uint64_t size, uint64_t old_size);
/* Start writing every dirty page (ino = 0: all; CACHE_SWAP: swap pages;
 * CACHE_DATA: all but metadata; else that file and the metadata); returns
 * true when nothing is dirty or being written. */
bool cache_sync(uint32_t ino);
extern uint64_t cache_sync_file_pages; /* file pages the last cache_sync started writing */
/* Give back up to n clean, unused frames; returns how many. */
unsigned cache_reclaim(unsigned n);
/* The same, but a page read and not used since waits until min_age
 * requests have passed (a page read for a parked request is not taken
 * before that request runs again). */
unsigned cache_reclaim_aged(unsigned n, uint32_t min_age);
/* A frame for the cache or anyone: reclaims clean pages when none is free. */
uint64_t cache_frame_alloc(void);
bool cache_write_error(void); /* a write failed since the last call */
/* Ask the device to put every completed write on stable storage (a virtio
 * FLUSH): true once that is so, false while the flush is on its way. */
bool cache_flush(void);
bool cache_busy(uint32_t ino, uint64_t idx); /* that page is being read */
bool cache_cached(uint32_t ino, uint64_t idx);
unsigned cache_inflight(void); /* driver requests not finished yet */

/* Swap pages (servers/swap.c, evict.c): the page cache is the swap cache.
 * cache_swap_unit is the swap disk's blkc unit (-1: none), cache_root_unit
 * the file system's. A swap page is written like any dirty page
 * (cache_sync(CACHE_SWAP) writes only those) and, once clean and
 * unmapped, reclaimed before any other. */
extern int cache_swap_unit;
extern unsigned cache_root_unit;
extern uint64_t cache_swap_write_errors; /* swap pages the disk refused */
/* Frame pa (the caller's reference stays its own) becomes the dirty page
 * of slot; NULL: no memory for the page record. */
struct cpage *cache_swap_out(uint64_t slot, uint64_t pa);
/* The page of slot, read if needed: as cache_file_page. */
struct cpage *cache_swap_in(uint64_t slot, int *err);
/* Slot was freed: its page leaves the cache (or, with I/O in flight, its
 * hash: *still_cached, freed when idle). Returns its frame if processes
 * still map it, else 0. */
uint64_t cache_swap_forget(uint64_t slot, bool *still_cached);
/* A clean eviction unmapped slot's page: it goes now if clean, idle and
 * unmapped (counted in cache_stats.dropped); false: it stays. */
bool cache_swap_release(uint64_t slot);
/* Asked before every frame is handed out (evict.c; NULL: never): go on,
 * wait for page-out (the request parks), or refuse (out of memory). */
enum { CACHE_ROOM_OK, CACHE_ROOM_WAIT, CACHE_ROOM_NONE };
extern int (*cache_room_hook)(void);

extern struct frames root_frames;
static inline void *cache_data(const struct cpage *cp) { return frames_va(&root_frames, cp->pa); }

#endif /* SERVERS_FS_CACHE_H */
