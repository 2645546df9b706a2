/*
 * cache.c (servers/fs/) - the page cache (cache.h): a hash of pages by
 * (inode, index), an LRU list for reclaiming clean pages, reads that merge
 * contiguous blocks into one driver request, and writeback of dirty pages.
 * Requests go to the block driver through servers/blk/blkc.c; completions
 * come back in cio_done, from the pager's loop.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "cache_env.h"

#define HASH_SIZE 4096
#define PG 4096u
#define IO_PAGES BLK_MAX_SEGS

struct ext2_fs cache_fs;
struct cpage *cache_miss;
static uint32_t cache_miss_epoch = ~0u;

bool cache_waiting(void) { return cache_miss_epoch == cache_epoch; }
uint32_t cache_epoch;
struct cache_stats cache_stats;
void (*cache_done_hook)(void);

static struct cpage *hash[HASH_SIZE];
int cache_swap_unit = -1; /* the swap disk's blkc unit, -1: none */
unsigned cache_root_unit;  /* the file system's */

static uint8_t cpage_unit(const struct cpage *cp)
{
	return (uint8_t)(cp->ino == CACHE_SWAP ? (unsigned)cache_swap_unit : cache_root_unit);
}
static struct cpage lru = {.prev = &lru, .next = &lru}; /* next = coldest */
static uint32_t bsize = 1024, bpp = 4;                    /* block size, blocks per page */
static bool write_failed;

/* One driver request and the pages it fills or writes. */
struct cio {
	struct blk_io io;
	struct cpage *page[IO_PAGES];
	unsigned npages;
	void (*raw_done)(void *, int);
	void *raw_arg;
};

/* Pages and requests come and go by the thousand during a big read: they
 * are kept on free lists of their own (malloc's first fit would walk a
 * long list each time). */
static struct cpage *free_pages;
static struct cio *free_cios;

static struct cpage *cpage_get(void)
{
	struct cpage *cp = free_pages;
	if (cp)
		free_pages = cp->hnext;
	else
		cp = malloc(sizeof *cp);
	if (cp)
		memset(cp, 0, sizeof *cp);
	return cp;
}

static void cpage_put(struct cpage *cp)
{
	cp->hnext = free_pages;
	free_pages = cp;
}

static unsigned cache_hash(uint32_t ino, uint64_t idx)
{
	return (unsigned)((idx * 0x9e3779b97f4a7c15ULL + ino * 0x85ebca6bULL) >> 40) % HASH_SIZE;
}

static void lru_unlink(struct cpage *cp)
{
	cp->prev->next = cp->next;
	cp->next->prev = cp->prev;
}

/* Most recently used goes last (lru.prev); reclaim starts at lru.next. */
static void lru_touch(struct cpage *cp)
{
	lru_unlink(cp);
	cp->prev = lru.prev;
	cp->next = &lru;
	lru.prev->next = cp;
	lru.prev = cp;
	cp->epoch = cache_epoch;
}

static struct cpage *cache_find(uint32_t ino, uint64_t idx)
{
	for (struct cpage *cp = hash[cache_hash(ino, idx)]; cp; cp = cp->hnext)
		if (cp->ino == ino && cp->idx == idx)
			return cp;
	return NULL;
}

static void cache_hash_out(struct cpage *cp)
{
	struct cpage **pp = &hash[cache_hash(cp->ino, cp->idx)];
	while (*pp != cp)
		pp = &(*pp)->hnext;
	*pp = cp->hnext;
}

static void cache_hash_in(struct cpage *cp)
{
	unsigned h = cache_hash(cp->ino, cp->idx);
	cp->hnext = hash[h];
	hash[h] = cp;
}

static void cache_unhash(struct cpage *cp)
{
	cache_hash_out(cp);
	cp->flags |= CP_ORPHAN;
}

/* The same frame and bytes under another key (a shared anonymous page
 * going to swap and back): no copy, no frame. */
static void cache_rekey(struct cpage *cp, uint32_t ino, uint64_t idx)
{
	cache_hash_out(cp);
	cp->ino = ino;
	cp->idx = idx;
	cache_hash_in(cp);
}

/* Dirty pages are also on a list of their own, so writeback and sync
 * cost what is dirty, not what is cached. */
static struct cpage dirty_list = {.dprev = &dirty_list, .dnext = &dirty_list};
/* writing_pages (above): pages with writes in flight */
/* Blocks were freed while writes were in flight: one of those writes may
 * carry a freed block's old bytes, and the device may finish requests in
 * any order, so no new write goes out until they are all done. */
static bool write_barrier;

static void cache_undirty(struct cpage *cp)
{
	if (!(cp->flags & CP_DIRTY))
		return;
	cache_stats.dirty--;
	cp->flags &= ~CP_DIRTY;
	cp->dprev->dnext = cp->dnext;
	cp->dnext->dprev = cp->dprev;
}

static void cache_remove(struct cpage *cp)
{
	if (!(cp->flags & CP_ORPHAN))
		cache_unhash(cp);
	lru_unlink(cp);
	cache_undirty(cp);
	frame_put(cp->pa);
	cache_stats.pages--;
	cpage_put(cp);
}

/* The cache keeps this many frames free for those who take frames without
 * asking it first (shadow page-table nodes, the pager's own heap). */
#define CACHE_LOW 64

static unsigned writing_pages;

/* Memory is short, and what the cache holds is dirty or being written:
 * the way out is to write it and then reclaim it, so writeback starts and
 * the request waits for it (cache_waiting, cache_miss NULL) rather than
 * fail or kill anyone. Data only (CACHE_DATA): a frame may be asked for in
 * the middle of an ext2 update, whose metadata blocks must not be written
 * half-done; the flusher writes them at the end of a request. With only
 * metadata dirty and nothing in flight there is nothing to wait for: the
 * frame comes out of the low reserve. */
bool cache_urgent;

static bool cache_starved(void)
{
	if (cache_urgent || frames_free_count(&pg_frames) >= CACHE_LOW / 2 ||
	    !(cache_stats.dirty || writing_pages))
		return false;
	cache_sync(CACHE_DATA);
	if (!writing_pages)
		return false;
	cache_miss = NULL;
	cache_miss_epoch = cache_epoch;
	return true;
}

int (*cache_room_hook)(void);

uint64_t cache_frame_alloc(void)
{
	if (frames_free_count(&pg_frames) < CACHE_LOW)
		cache_reclaim(32); /* clean pages first: nothing to write */
	int room = !cache_urgent && cache_room_hook ? cache_room_hook() : CACHE_ROOM_OK;
	if (room == CACHE_ROOM_WAIT) {
		cache_miss = NULL; /* page-out started: wait for its writes */
		cache_miss_epoch = cache_epoch;
		return 0;
	}
	if (room == CACHE_ROOM_NONE)
		return 0;
	if (cache_starved())
		return 0;
	return frames_alloc(&pg_frames);
}

/* A new page (not valid yet) in frame pa (0: take one), held once. */
static struct cpage *cache_new_in(uint32_t ino, uint64_t idx, uint64_t pa)
{
	struct cpage *cp = cpage_get();
	if (cp && !pa)
		pa = cache_frame_alloc();
	if (!cp || !pa) {
		if (cp)
			cpage_put(cp);
		return NULL;
	}
	frame_get(pa);
	cp->ino = ino;
	cp->idx = idx;
	cp->pa = pa;
	cache_hash_in(cp);
	cp->prev = cp->next = cp;
	lru_touch(cp);
	cache_stats.pages++;
	return cp;
}

static struct cpage *cache_new(uint32_t ino, uint64_t idx) { return cache_new_in(ino, idx, 0); }

unsigned cache_reclaim_aged(unsigned n, uint32_t min_age)
{
	unsigned got = 0;
	for (struct cpage *cp = lru.next, *nx; cp != &lru && got < n; cp = nx) {
		nx = cp->next;
		/* only a page read and not used yet waits min_age requests */
		uint32_t age = cp->flags & CP_UNUSED ? cache_epoch - cp->epoch : UINT32_MAX;
		if ((cp->flags & ~(CP_ORPHAN | CP_UNUSED)) == CP_VALID && cp->epoch != cache_epoch &&
		    age >= min_age && frame_refs(cp->pa) == 1) {
			cache_stats.dropped += cp->ino != CACHE_SWAP;
			cache_remove(cp);
			got++;
		}
	}
	return got;
}

unsigned cache_reclaim(unsigned n) { return cache_reclaim_aged(n, 1); }

void cache_dirty(struct cpage *cp)
{
	if (cp->flags & CP_DIRTY)
		return;
	cache_stats.dirty++;
	cp->flags |= CP_DIRTY;
	cp->dnext = &dirty_list;
	cp->dprev = dirty_list.dprev;
	dirty_list.dprev->dnext = cp;
	dirty_list.dprev = cp;
}

/* ---- driver requests -------------------------------------------------- */

static unsigned inflight; /* requests given to the driver, not done yet */

unsigned cache_inflight(void) { return inflight; }

/* Writes completed, and those known to be on stable storage (a FLUSH
 * that began after them finished): cache_flush. */
static uint64_t write_gen, flushed_gen, flush_target;
static bool flushing;

static void cache_swap_write_failed(struct cpage *cp);

static void cio_done(struct blk_io *io, int status)
{
	struct cio *c = (struct cio *)io;
	inflight--;
	bool write = io->op == BLK_OP_WRITE;
	if (status)
		cache_stats.errors++;
	if (write && !status)
		write_gen++;
	if (io->op == BLK_OP_FLUSH) {
		flushing = false;
		if (status)
			write_failed = true;
		else
			flushed_gen = flush_target;
	}
	for (unsigned i = 0; i < c->npages; i++) {
		struct cpage *cp = c->page[i];
		/* A page of several requests failed if any of them did, not
		 * only its last one. */
		if (status && write && cp->ino == CACHE_SWAP) {
			cache_swap_write_failed(cp); /* the frame keeps the only copy */
		} else if (status && write) {
			write_failed = true;
			if (!(cp->flags & CP_ORPHAN)) /* a freed block's stale data stays out */
				cache_dirty(cp); /* still not on disk */
		} else if (status) {
			cp->flags |= CP_ERROR; /* kept until its last request is done */
		}
		if (--cp->io_left)
			continue;
		if (write) {
			cp->flags &= ~CP_WRITING;
			writing_pages--;
		} else {
			cp->flags &= ~CP_READING;
			if (!(cp->flags & (CP_ERROR | CP_UNQUEUED)))
				cp->flags |= CP_VALID | CP_UNUSED; /* else cache_ready drops it */
		}
	}
	if (c->raw_done)
		c->raw_done(c->raw_arg, status);
	c->io.arg = free_cios;
	free_cios = c;
	if (cache_done_hook)
		cache_done_hook();
}

static struct cio *cio_new(uint8_t op, uint64_t sector)
{
	struct cio *c = free_cios;
	if (c)
		free_cios = c->io.arg;
	else
		c = malloc(sizeof *c);
	if (c) {
		memset(c, 0, sizeof *c);
		c->io.op = op;
		c->io.unit = (uint8_t)cache_root_unit;
		c->io.sector = sector;
		c->io.done = cio_done;
	}
	return c;
}

static void cio_submit(struct cio *c)
{
	uint32_t bytes = 0;
	for (unsigned i = 0; i < c->io.nseg; i++)
		bytes += c->io.seg[i].len;
	if (c->io.op == BLK_OP_WRITE) {
		cache_stats.writes++;
		cache_stats.write_blocks += bytes / bsize;
	} else if (c->io.op == BLK_OP_READ) {
		cache_stats.reads++;
		cache_stats.read_blocks += bytes / bsize;
	}
	inflight++;
	blkc_submit(&c->io);
}

/* Builds requests from (device block, frame address) pieces in order,
 * merging pieces that continue the previous one on disk. */
struct cio_builder {
	uint8_t op;
	struct cio *cur;
	uint64_t next_sector;
};

static bool cio_has_page(const struct cio *c, const struct cpage *cp)
{
	return c->npages && c->page[c->npages - 1] == cp;
}

/* A piece that cannot be queued (no memory) leaves its page with one
 * request less in flight: the page then completes without it, as a failed
 * read or write would. */
static void cio_add(struct cio_builder *b, struct cpage *cp, uint32_t blk, uint64_t pa)
{
	uint64_t sector = (uint64_t)blk * (bsize / 512);
	struct cio *c = b->cur;
	uint8_t unit = cpage_unit(cp);
	bool fits = c && c->io.unit == unit && sector == b->next_sector &&
		    (cio_has_page(c, cp) || c->npages < IO_PAGES);
	struct blk_seg *last = c && c->io.nseg ? &c->io.seg[c->io.nseg - 1] : NULL;
	/* A segment grows only inside its frame (the driver's rule), even when
	 * the next frame happens to follow in physical memory. */
	if (fits && last && last->pa + last->len == pa && (last->pa & (PG - 1)) + last->len + bsize <= PG) {
		last->len += bsize;
	} else if (fits && c->io.nseg < BLK_MAX_SEGS) {
		c->io.seg[c->io.nseg++] = (struct blk_seg){.pa = pa, .len = bsize};
	} else {
		if (c)
			cio_submit(c);
		c = b->cur = cio_new(b->op, sector);
		if (!c) { /* no memory for the request: this piece is not done */
			cp->flags |= CP_UNQUEUED; /* a read: not valid; a write: dirty again */
			return;
		}
		c->io.unit = unit;
		c->io.seg[c->io.nseg++] = (struct blk_seg){.pa = pa, .len = bsize};
	}
	if (!cio_has_page(c, cp)) {
		c->page[c->npages++] = cp;
		cp->io_left++;
	}
	b->next_sector = sector + bsize / 512;
}

static void cio_flush(struct cio_builder *b)
{
	if (b->cur)
		cio_submit(b->cur);
	b->cur = NULL;
}

void cache_read_raw(unsigned unit, uint64_t off, uint32_t len, uint64_t pa,
		    void (*done)(void *, int), void *arg)
{
	struct cio *c = cio_new(BLK_OP_READ, off / 512);
	if (!c) {
		done(arg, -ENOMEM);
		return;
	}
	c->io.unit = (uint8_t)unit;
	c->io.nseg = 1;
	c->io.seg[0] = (struct blk_seg){.pa = pa, .len = len};
	c->raw_done = done;
	c->raw_arg = arg;
	inflight++;
	blkc_submit(&c->io);
}

/* ---- metadata blocks: ext2's io ---------------------------------------- */

static bool cache_block_ok(uint32_t blk)
{
	return blk < cache_fs.blocks_count || !cache_fs.blocks_count;
}

/* A page the caller may use now, or NULL with *err (and cache_miss). */
static struct cpage *cache_ready(struct cpage *cp, int *err)
{
	lru_touch(cp);
	if (cp->flags & CP_VALID) {
		cp->flags &= ~CP_UNUSED;
		return cp;
	}
	if ((cp->flags & (CP_ERROR | CP_READING)) == CP_ERROR) { /* all its reads are done */
		cache_remove(cp);
		*err = -EIO;
		return NULL;
	}
	if (!(cp->flags & CP_READING)) { /* a piece found no request: read again */
		cache_remove(cp);
		if (!inflight) {
			*err = -ENOMEM;
			return NULL;
		}
		cache_miss = NULL; /* after some request finishes (and frees one) */
		cache_miss_epoch = cache_epoch;
		*err = -EAGAIN;
		return NULL;
	}
	cache_miss = cp;
	cache_miss_epoch = cache_epoch;
	*err = -EAGAIN;
	return NULL;
}

/* ext2 asks for the same few blocks (group descriptors, bitmaps, the
 * inode's block) many times in one request: the last ones found are kept
 * here, good for that request only (its pages are not reclaimed under it). */
#define LOOKASIDE 16
static struct {
	uint32_t blk, epoch;
	void *data;
} lookaside[LOOKASIDE];

static void lookaside_drop(uint32_t blk)
{
	if (lookaside[blk % LOOKASIDE].blk == blk)
		lookaside[blk % LOOKASIDE].data = NULL;
}

static void *io_get(void *ctx, uint32_t blk, int *err)
{
	(void)ctx;
	unsigned h = blk % LOOKASIDE;
	if (lookaside[h].blk == blk && lookaside[h].epoch == cache_epoch && lookaside[h].data)
		return lookaside[h].data;
	struct cpage *cp = cache_find(CACHE_DEV, blk);
	if (!cp) {
		if (!cache_block_ok(blk) || !(cp = cache_new(CACHE_DEV, blk))) {
			*err = !cache_block_ok(blk) ? -EIO : cache_waiting() ? -EAGAIN : -ENOMEM;
			return NULL;
		}
		cp->pblk[0] = blk;
		struct cio_builder b = {.op = BLK_OP_READ};
		cp->flags = CP_READING;
		cio_add(&b, cp, blk, cp->pa);
		cio_flush(&b);
		if (!cp->io_left && (cp->flags & CP_READING))
			cp->flags = 0; /* no request could be queued: cache_ready drops it */
	}
	cp = cache_ready(cp, err);
	if (!cp)
		return NULL;
	lookaside[h].blk = blk;
	lookaside[h].epoch = cache_epoch;
	lookaside[h].data = cache_data(cp);
	return lookaside[h].data;
}

/* Frames for blocks ext2 allocates: the request cannot stop half-way, so
 * when memory is short we take a frame from a small reserve kept for it. */
#define RESERVE 16
static uint64_t reserve[RESERVE];
static unsigned nreserve;

static void cache_fill_reserve(void)
{
	while (nreserve < RESERVE) {
		uint64_t pa = frames_alloc(&pg_frames);
		if (!pa)
			break;
		reserve[nreserve++] = pa;
	}
}

static void *io_get_new(void *ctx, uint32_t blk)
{
	(void)ctx;
	lookaside_drop(blk);
	struct cpage *cp = cache_find(CACHE_DEV, blk);
	if (cp && (cp->flags & CP_READING)) {
		cache_unhash(cp); /* its read would land over the new zeros: let it go */
		cp = NULL;
	}
	if (!cp)
		cp = cache_new(CACHE_DEV, blk);
	if (!cp && nreserve) /* memory is short: the request cannot stop now */
		cp = cache_new_in(CACHE_DEV, blk, reserve[--nreserve]);
	if (!cp)
		abort(); /* more new blocks in one request than the reserve holds */
	lru_touch(cp);
	cp->flags = (cp->flags & (CP_WRITING | CP_DIRTY)) | CP_VALID;
	cp->pblk[0] = blk;
	memset(cache_data(cp), 0, bsize);
	cache_dirty(cp);
	return cache_data(cp);
}

static void io_dirty(void *ctx, uint32_t blk)
{
	(void)ctx;
	struct cpage *cp = cache_find(CACHE_DEV, blk);
	if (cp)
		cache_dirty(cp);
}

/* A freed block: its old contents must never be written over whatever
 * the block holds next. */
static void io_forget(void *ctx, uint32_t blk)
{
	(void)ctx;
	struct cpage *cp = cache_find(CACHE_DEV, blk);
	lookaside_drop(blk);
	write_barrier |= writing_pages > 0;
	if (!cp)
		return;
	cache_undirty(cp);
	if (!(cp->flags & (CP_READING | CP_WRITING)))
		cache_remove(cp);
	else
		cache_unhash(cp);
}

uint64_t cache_time_base;

/* Wall-clock seconds: the boot's base (vfs_mount) plus the uptime. */
static uint32_t io_now(void *ctx)
{
	(void)ctx;
	uint64_t hz = libsys_bootinfo->timebase_hz;
	return (uint32_t)(cache_time_base + (hz ? rdtime() / hz : 0)); /* no syscall */
}

const struct ext2_io cache_io = {NULL, io_get, io_get_new, io_dirty, io_forget, io_now};

/* Requests are what writeback needs to free memory: a stock of them is
 * set aside at mount, so a full heap never stops the writes that would
 * give memory back. */
#define CIO_STOCK 64

void cache_init(uint32_t block_size)
{
	bsize = block_size;
	bpp = PG / block_size;
	for (int i = 0; i < CIO_STOCK; i++) {
		struct cio *c = malloc(sizeof *c);
		if (!c)
			break;
		c->io.arg = free_cios;
		free_cios = c;
	}
	cache_fill_reserve();
}

/* ---- file pages --------------------------------------------------------- */

/* The device blocks of one file that the last ext2_bmap_run found, for
 * the pages after it (read-ahead maps many in a row with one walk). Good
 * for the request that found them only, and until a block is allocated or
 * freed: the block map may change. */
static struct {
	uint32_t ino, epoch, n;
	uint64_t first;
	uint32_t blk[64];
} run;

static int cache_fblk(uint32_t ino, uint64_t fblk, uint32_t *pblk)
{
	if (run.ino != ino || run.epoch != cache_epoch || fblk < run.first ||
	    fblk >= run.first + run.n) {
		if (fblk > UINT32_MAX)
			return -EFBIG;
		int got = ext2_bmap_run(&cache_fs, ino, (uint32_t)fblk, 64, run.blk);
		run.n = got < 0 ? 0 : (uint32_t)got;
		if (got < 0)
			return got;
		run.ino = ino;
		run.epoch = cache_epoch;
		run.first = fblk;
	}
	*pblk = run.blk[fblk - run.first];
	return 0;
}

/* The device blocks behind file page idx (0 past the end or for a hole). */
static int cache_map_page(uint32_t ino, uint64_t idx, uint64_t size, uint32_t *pblk)
{
	for (unsigned k = 0; k < CACHE_BPP_MAX; k++) {
		uint64_t fblk = idx * bpp + k;
		pblk[k] = 0;
		if (k >= bpp || fblk * bsize >= size)
			continue;
		int e = cache_fblk(ino, fblk, &pblk[k]);
		if (e < 0)
			return e;
	}
	return 0;
}

/* Queue the reads of cp's blocks into b; holes are zeroed now. */
static void cache_read_blocks(struct cio_builder *b, struct cpage *cp)
{
	uint8_t *d = cache_data(cp);
	cp->flags = CP_READING;
	for (unsigned k = 0; k < bpp; k++) {
		if (cp->pblk[k])
			cio_add(b, cp, cp->pblk[k], cp->pa + k * bsize);
		else
			memset(d + k * bsize, 0, bsize);
	}
}

/* After the requests went out: a page with nothing to read is ready. */
static void cache_read_queued(struct cpage *cp)
{
	bool any = false;
	for (unsigned k = 0; k < bpp; k++)
		any |= cp->pblk[k] != 0;
	if (!any)
		cp->flags = CP_VALID; /* all holes */
	else if (!cp->io_left && (cp->flags & CP_READING))
		cp->flags = 0; /* no request could be queued: cache_ready drops it */
}

struct cpage *cache_file_page(uint32_t ino, uint64_t idx, uint64_t size, bool overwrite,
			      int *err)
{
	struct cpage *cp = cache_find(ino, idx);
	if (cp)
		return cache_ready(cp, err);
	uint32_t pblk[CACHE_BPP_MAX];
	int e = cache_map_page(ino, idx, size, pblk);
	if (e < 0 || !(cp = cache_new(ino, idx))) {
		*err = e < 0 ? e : cache_waiting() ? -EAGAIN : -ENOMEM;
		return NULL;
	}
	memcpy(cp->pblk, pblk, sizeof pblk);
	if (overwrite) { /* the caller fills it: nothing to read */
		frame_zero(cache_data(cp)); /* memset goes byte by byte */
		cp->flags = CP_VALID;
		return cp;
	}
	struct cio_builder b = {.op = BLK_OP_READ};
	cache_read_blocks(&b, cp);
	cio_flush(&b);
	cache_read_queued(cp);
	return cache_ready(cp, err);
}

void cache_readahead(uint32_t ino, uint64_t idx, unsigned n, uint64_t size)
{
	struct cio_builder b = {.op = BLK_OP_READ};
	struct cpage *list[64];
	unsigned got = 0;
	for (uint64_t i = idx + 1; i <= idx + n && i * PG < size && got < 64; i++) {
		uint32_t pblk[CACHE_BPP_MAX];
		struct cpage *cp;
		if (cache_find(ino, i) || frames_free_count(&pg_frames) < 64 ||
		    cache_map_page(ino, i, size, pblk) < 0 || !(cp = cache_new(ino, i)))
			break;
		memcpy(cp->pblk, pblk, sizeof pblk);
		cache_read_blocks(&b, cp);
		list[got++] = cp;
	}
	cio_flush(&b);
	for (unsigned i = 0; i < got; i++)
		cache_read_queued(list[i]);
}

int cache_alloc_blocks(struct cpage *cp, uint32_t lo, uint32_t hi)
{
	run.n = 0; /* the block map changes */
	for (unsigned k = lo / bsize; k < bpp && k * bsize < hi;) {
		if (cp->pblk[k]) {
			k++;
			continue;
		}
		unsigned holes = 1; /* this hole and those after it, in one call */
		while (k + holes < bpp && (k + holes) * bsize < hi && !cp->pblk[k + holes])
			holes++;
		int got = ext2_bmap_alloc_run(&cache_fs, cp->ino, (uint32_t)(cp->idx * bpp + k),
					      holes, &cp->pblk[k]);
		if (got < 0)
			return got;
		k += (unsigned)got;
	}
	return 0;
}

/* One page of a file that shrank to size (first = its first page past
 * the end): gone, or its tail past the end zeroed. */
static void cache_truncate_page(struct cpage *cp, uint64_t size, uint64_t first)
{
	if (cp->idx >= first) {
		cache_undirty(cp);
		cp->flags &= ~CP_ANON; /* an orphan is reclaimed once unused */
		memset(cp->pblk, 0, sizeof cp->pblk);
		if (!(cp->flags & (CP_READING | CP_WRITING)) && frame_refs(cp->pa) == 1)
			cache_remove(cp);
		else /* a mapper or the device still has it: orphan it */
			cache_unhash(cp);
	} else if (cp->idx == first - 1 && (size & (PG - 1))) {
		unsigned keep = (unsigned)(size & (PG - 1));
		memset((uint8_t *)cache_data(cp) + keep, 0, PG - keep);
		cache_dirty(cp); /* the zeros must reach the kept block too */
		for (unsigned k = (keep + bsize - 1) / bsize; k < bpp; k++)
			cp->pblk[k] = 0; /* freed by ext2_truncate */
	}
}

/* The work is bounded by the smaller of the pages the file had and the
 * pages the cache holds: look each index up, or walk the cache once. */
struct cpage *cache_anon_page(uint32_t ino, uint64_t idx)
{
	struct cpage *cp = cache_find(ino, idx);
	if (!cp && (cp = cache_new(ino, idx))) {
		frame_zero(cache_data(cp));
		cp->flags = CP_VALID | CP_ANON;
	}
	if (cp)
		lru_touch(cp);
	return cp;
}

struct cpage *cache_lookup(uint32_t ino, uint64_t idx) { return cache_find(ino, idx); }

uint32_t cache_blocks_from(const struct cpage *cp, uint32_t off)
{
	unsigned k = off / bsize;
	while (k < bpp && cp->pblk[k])
		k++;
	return k * bsize;
}

void (*cache_truncate_hook)(uint32_t ino, uint64_t first);

void cache_truncate(uint32_t ino, uint64_t size, uint64_t old_size)
{
	/* old_size may be UINT64_MAX (vfs: the size is unknown): no overflow */
	uint64_t first = (size + PG - 1) / PG, last = old_size / PG + (old_size % PG != 0);
	uint64_t from = first && (size & (PG - 1)) ? first - 1 : first;
	if (cache_truncate_hook)
		cache_truncate_hook(ino, first);
	run.n = 0; /* the block map changed */
	write_barrier |= writing_pages > 0; /* blocks are freed */
	if (last <= from)
		return;
	if (last - from <= cache_stats.pages) {
		for (uint64_t idx = from; idx < last; idx++) {
			struct cpage *cp = cache_find(ino, idx);
			if (cp)
				cache_truncate_page(cp, size, first);
		}
		return;
	}
	for (struct cpage *cp = lru.next, *nx; cp != &lru; cp = nx) {
		nx = cp->next;
		if (cp->ino == ino && !(cp->flags & CP_ORPHAN))
			cache_truncate_page(cp, size, first);
	}
}

/* ---- writeback ----------------------------------------------------------- */

static void cache_write_page(struct cio_builder *b, struct cpage *cp)
{
	cache_undirty(cp);
	cp->flags |= CP_WRITING;
	writing_pages++;
	if (cp->ino == CACHE_DEV) /* its block is its index: block 0 too (4 KiB blocks) */
		cio_add(b, cp, (uint32_t)cp->idx, cp->pa);
	for (unsigned k = 0; cp->ino != CACHE_DEV && k < bpp; k++)
		if (cp->pblk[k])
			cio_add(b, cp, cp->pblk[k], cp->pa + k * bsize);
}

/* A page's place on its disk; swap pages after the file system's, so
 * neither's run is broken by the other. */
static uint64_t cache_key(const struct cpage *cp)
{
	uint64_t blk = cp->ino == CACHE_DEV ? cp->idx : cp->pblk[0];
	return (uint64_t)(cp->ino == CACHE_SWAP) << 63 | blk;
}

static void cache_sift(struct cpage **a, unsigned n, unsigned i)
{
	for (unsigned c; (c = 2 * i + 1) < n; i = c) {
		if (c + 1 < n && cache_key(a[c + 1]) > cache_key(a[c]))
			c++;
		if (cache_key(a[i]) >= cache_key(a[c]))
			return;
		struct cpage *t = a[i];
		a[i] = a[c];
		a[c] = t;
	}
}

/* Heapsort by cache_key: no recursion (libc's qsort recursed deep enough
 * on thousands of dirty pages to overflow the pager's 64 KiB stack). */
static void cache_sort(struct cpage **a, unsigned n)
{
	for (unsigned i = n / 2; i-- > 0;)
		cache_sift(a, n, i);
	for (unsigned end = n; end-- > 1;) {
		struct cpage *t = a[0];
		a[0] = a[end];
		a[end] = t;
		cache_sift(a, end, 0);
	}
}

uint64_t cache_sync_file_pages;

/* Dirty pages are written in device order so neighbours merge. */
bool cache_sync(uint32_t ino)
{
	unsigned n = 0, cap = 0;
	bool busy = false;
	struct cpage **list = NULL;
	if (write_barrier && writing_pages)
		return false; /* the writes that may hold freed blocks finish first */
	write_barrier = false;
	for (struct cpage *cp = dirty_list.dnext; cp != &dirty_list; cp = cp->dnext) {
		bool mine = !ino || cp->ino == ino ||
			    (ino == CACHE_DATA ? cp->ino != CACHE_DEV : cp->ino == CACHE_DEV && ino != CACHE_SWAP);
		busy |= mine;
		if (!mine || (cp->flags & (CP_WRITING | CP_READING)))
			continue;
		if (n == cap) {
			struct cpage **nl = realloc(list, (cap = cap ? 2 * cap : 64) * sizeof *list);
			if (!nl)
				break;
			list = nl;
		}
		list[n++] = cp;
	}
	if (n)
		cache_sort(list, n);
	struct cio_builder b = {.op = BLK_OP_WRITE};
	cache_sync_file_pages = 0;
	for (unsigned i = 0; i < n; i++) {
		cache_sync_file_pages += list[i]->ino != CACHE_SWAP && list[i]->ino != CACHE_DEV;
		cache_write_page(&b, list[i]);
	}
	cio_flush(&b);
	for (unsigned i = 0; i < n; i++) {
		if (list[i]->flags & CP_UNQUEUED) { /* a piece did not go out */
			list[i]->flags &= ~CP_UNQUEUED;
			cache_dirty(list[i]);
		}
	}
	for (unsigned i = 0; i < n; i++) {
		if (list[i]->io_left || !(list[i]->flags & CP_WRITING))
			continue; /* in flight, or done already (a dead disk fails at once) */
		list[i]->flags &= ~CP_WRITING;
		writing_pages--;
		if (list[i]->ino == CACHE_DEV ||
		    (list[i]->pblk[0] | list[i]->pblk[1] | list[i]->pblk[2] | list[i]->pblk[3]))
			cache_dirty(list[i]); /* no request could be queued: still to write */
	}
	free(list);
	cache_fill_reserve();
	return !busy && !writing_pages; /* any write in flight may be one of ours */
}

bool cache_flush(void)
{
	if (flushing)
		return false;
	if (flushed_gen == write_gen)
		return true;
	struct cio *c = cio_new(BLK_OP_FLUSH, 0);
	if (!c)
		return true; /* no memory for it: the writes are done, at least */
	flushing = true;
	flush_target = write_gen;
	cio_submit(c);
	return false;
}

bool cache_write_error(void)
{
	bool e = write_failed;
	write_failed = false;
	return e;
}

bool cache_busy(uint32_t ino, uint64_t idx)
{
	struct cpage *cp = cache_find(ino, idx);
	return cp && (cp->flags & CP_READING);
}

bool cache_cached(uint32_t ino, uint64_t idx) { return cache_find(ino, idx) != NULL; }

/* ---- swap pages ---------------------------------------------------------- */

/* Swap slot s is the page (CACHE_SWAP, s); its blocks, in file-system
 * block units, are s * bpp .. s * bpp + bpp - 1 of the swap unit. */
static void cache_swap_blocks(struct cpage *cp)
{
	for (unsigned k = 0; k < bpp; k++)
		cp->pblk[k] = (uint32_t)(cp->idx * bpp + k);
}

/* cp, now the page of its slot, is to be written and then reclaimed
 * before any other page. */
static void cache_swap_cold(struct cpage *cp)
{
	cache_swap_blocks(cp);
	cp->flags = CP_VALID;
	lru_unlink(cp); /* coldest: reclaimed first once written */
	cp->next = lru.next;
	cp->prev = &lru;
	lru.next->prev = cp;
	lru.next = cp;
	cache_dirty(cp);
}

struct cpage *cache_swap_out(uint64_t slot, uint64_t pa)
{
	struct cpage *cp = cache_new_in(CACHE_SWAP, slot, pa);
	if (cp)
		cache_swap_cold(cp);
	return cp;
}

void cache_anon_out(struct cpage *cp, uint64_t slot)
{
	cache_rekey(cp, CACHE_SWAP, slot);
	cache_swap_cold(cp);
}

struct cpage *cache_anon_in(uint32_t ino, uint64_t idx, uint64_t slot, int *err)
{
	struct cpage *cp = cache_swap_in(slot, err);
	if (cp && (cp->flags & CP_WRITING)) { /* wait for some I/O, then again */
		cache_miss = NULL;
		cache_miss_epoch = cache_epoch;
		*err = -EAGAIN;
		return NULL;
	}
	if (!cp)
		return NULL;
	cache_undirty(cp); /* its slot goes: nothing to write */
	memset(cp->pblk, 0, sizeof cp->pblk);
	cache_rekey(cp, ino, idx);
	cp->flags = CP_VALID | CP_ANON;
	lru_touch(cp);
	return cp;
}

struct cpage *cache_swap_in(uint64_t slot, int *err)
{
	struct cpage *cp = cache_find(CACHE_SWAP, slot);
	if (cp)
		return cache_ready(cp, err);
	if (!(cp = cache_new(CACHE_SWAP, slot))) {
		*err = cache_waiting() ? -EAGAIN : -ENOMEM;
		return NULL;
	}
	cache_swap_blocks(cp);
	cache_stats.swap_reads++;
	struct cio_builder b = {.op = BLK_OP_READ};
	cache_read_blocks(&b, cp);
	cio_flush(&b);
	cache_read_queued(cp);
	return cache_ready(cp, err);
}

uint64_t cache_swap_forget(uint64_t slot, bool *still_cached)
{
	struct cpage *cp = cache_find(CACHE_SWAP, slot);
	*still_cached = false;
	if (!cp)
		return 0;
	uint64_t pa = cp->pa;
	bool mapped = frame_refs(pa) > 1;
	if (cp->flags & (CP_READING | CP_WRITING)) { /* freed when its I/O is done */
		cache_unhash(cp);
		cache_undirty(cp);
		*still_cached = true;
	} else {
		cache_remove(cp);
	}
	return mapped ? pa : 0;
}

bool cache_swap_release(uint64_t slot)
{
	struct cpage *cp = cache_find(CACHE_SWAP, slot);
	if (!cp || (cp->flags & ~CP_UNUSED) != CP_VALID || frame_refs(cp->pa) != 1)
		return false; /* in I/O, kept after a failed write, or mapped */
	cache_stats.dropped++;
	cache_remove(cp);
	return true;
}

uint64_t cache_swap_write_errors;

/* The swap disk refused a page: the frame holds its only copy, so it
 * stays, never reclaimed nor written again, until its slot is freed. */
static void cache_swap_write_failed(struct cpage *cp)
{
	cache_swap_write_errors++;
	if (!(cp->flags & CP_ORPHAN))
		cp->flags |= CP_KEPT;
}
