/*
 * test_cache.c - host tests of the root pager's page cache (servers/fs/
 * cache.c) with ext2 (servers/fs/ext2*.c) over it, on images made by mke2fs.
 * Layer: tests/host. The pager around the cache is stubbed: frames over a
 * malloc'd arena with reference counts, and a fake block driver that queues
 * requests for the test to complete in any order, with 0 or -EIO, checking
 * every segment. e2fsck -fn is the oracle for what writeback left on disk.
 */
#define _GNU_SOURCE
#include "check.h"
#include "fs/cache.h"
#include "fs/cache_env.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../guest/rng.h"

#define PG 4096u
#define NFRAMES 4096
#define FBASE 0x80000000ull

/* ---- the pager around the cache: frames, references, clock --------------- */

struct frames root_frames;
static uint8_t *arena;
static uint32_t frame_ref[NFRAMES];
static struct bootinfo boot = {.timebase_hz = 10000000};
const struct bootinfo *libsys_bootinfo = &boot;
static uint64_t ticks;

uint64_t rdtime(void) { return ticks; }

static bool frame_ok(uint64_t pa) { return pa >= FBASE && pa < FBASE + (uint64_t)NFRAMES * PG; }

static unsigned frame_idx(uint64_t pa)
{
	if (!frame_ok(pa) || pa % PG)
		abort(); /* the cache handed out something that is not a frame */
	return (unsigned)((pa - FBASE) / PG);
}

void frame_get(uint64_t pa) { frame_ref[frame_idx(pa)]++; }
uint32_t frame_refs(uint64_t pa) { return frame_ref[frame_idx(pa)]; }
void frame_put(uint64_t pa)
{
	unsigned i = frame_idx(pa);
	CHECK(frame_ref[i] > 0);
	if (frame_ref[i] && --frame_ref[i] == 0)
		frames_free(&root_frames, pa);
}

static void env_init(void)
{
	arena = aligned_alloc(PG, (size_t)NFRAMES * PG);
	if (!arena)
		abort();
	frames_init(&root_frames, FBASE, FBASE + (uint64_t)NFRAMES * PG,
		    (uint64_t)(uintptr_t)arena - FBASE);
}

/* ---- a fake block driver over a disk in memory ----------------------------- */

static uint8_t *disk;
static size_t disk_size;

#define QMAX 1024
static struct blk_io *queue[QMAX];
static unsigned nq;

/* Every request submitted, as it was then (the cache reuses its ios). */
struct logged {
	uint8_t op, nseg;
	uint64_t sector;
	struct blk_seg seg[BLK_MAX_SEGS];
};
#define LOGMAX 8192
static struct logged logv[LOGMAX];
static unsigned nlog;

static uint32_t io_bytes(const struct blk_io *io)
{
	uint32_t n = 0;
	for (unsigned i = 0; i < io->nseg && i < BLK_MAX_SEGS; i++)
		n += io->seg[i].len;
	return n;
}

/* The driver's rules (libsys/blkproto.h), and the frames must be held. */
static bool io_ok(const struct blk_io *io)
{
	if ((io->op != BLK_OP_READ && io->op != BLK_OP_WRITE) || !io->nseg ||
	    io->nseg > BLK_MAX_SEGS)
		return false;
	for (unsigned i = 0; i < io->nseg; i++) {
		const struct blk_seg *s = &io->seg[i];
		if (s->pa % 512 || s->len % 512 || !s->len || s->len > PG ||
		    (s->pa % PG) + s->len > PG || !frame_ok(s->pa) || !frame_refs(s->pa & ~(PG - 1ull)))
			return false;
	}
	return io->sector + io_bytes(io) / 512 <= disk_size / 512;
}

void blkc_submit(struct blk_io *io)
{
	CHECK(io_ok(io));
	CHECK(nq < QMAX);
	if (nq >= QMAX || !io_ok(io))
		abort(); /* nothing sane can follow */
	queue[nq++] = io;
	if (nlog < LOGMAX) {
		struct logged *l = &logv[nlog++];
		l->op = io->op;
		l->nseg = io->nseg;
		l->sector = io->sector;
		memcpy(l->seg, io->seg, sizeof l->seg);
	}
}

/* Complete queued request i: reads copy from the disk, writes into it. */
static void complete(unsigned i, int status)
{
	struct blk_io *io = queue[i];
	memmove(&queue[i], &queue[i + 1], (nq - i - 1) * sizeof *queue);
	nq--;
	CHECK(io_ok(io)); /* its frames are still held */
	uint64_t off = io->sector * 512;
	for (unsigned s = 0; !status && s < io->nseg; s++) {
		uint8_t *mem = arena + (io->seg[s].pa - FBASE);
		if (io->op == BLK_OP_READ)
			memcpy(mem, disk + off, io->seg[s].len);
		else
			memcpy(disk + off, mem, io->seg[s].len);
		off += io->seg[s].len;
	}
	io->done(io, status);
}

static uint32_t logged_bytes(const struct logged *l)
{
	uint32_t n = 0;
	for (unsigned s = 0; s < l->nseg; s++)
		n += l->seg[s].len;
	return n;
}

/* Some logged write covers device block blk (of cache_fs.block_size). */
static bool logged_write_of(uint32_t blk)
{
	uint64_t first = (uint64_t)blk * (cache_fs.block_size / 512);
	for (unsigned i = 0; i < nlog; i++)
		if (logv[i].op == BLK_OP_WRITE && logv[i].sector <= first &&
		    first < logv[i].sector + logged_bytes(&logv[i]) / 512)
			return true;
	return false;
}

static void drain(void)
{
	while (nq)
		complete(0, 0);
}

static void drain_random(void)
{
	while (nq)
		complete((unsigned)(rng() % nq), 0);
}

/* Run a cache/ext2 call until it stops asking for a retry, completing
 * everything in flight in between (what the pager's rerun does). */
#define RETRY(expr)                                             \
	({                                                      \
		int r_, n_ = 0;                                 \
		while ((r_ = (expr)) == -EAGAIN && n_++ < 64) { \
			CHECK(nq > 0);                          \
			drain_random();                         \
			cache_epoch++;                          \
		}                                               \
		r_;                                             \
	})

/* ---- images ------------------------------------------------------------------ */

static char tmpdir[64];

static int run(const char *fmt, const char *a)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, fmt, a);
	int r = system(cmd);
	return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

static void disk_load(const char *path)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st))
		abort();
	free(disk);
	disk_size = (size_t)st.st_size;
	disk = malloc(disk_size);
	if (!disk || read(fd, disk, disk_size) != (ssize_t)disk_size)
		abort();
	close(fd);
}

static void disk_save(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, disk, disk_size) != (ssize_t)disk_size)
		abort();
	close(fd);
}

/* e2fsck -fn on the fake disk as it is now: 0 when clean. */
static int disk_fsck(void)
{
	char img[128];
	snprintf(img, sizeof img, "%s/check.img", tmpdir);
	disk_save(img);
	return run("e2fsck -fn %s >/dev/null 2>&1", img);
}

/* ext2 straight over the fake disk (no cache): to build the test files
 * and to read back what writeback left there. */
static uint32_t raw_bs;
static void *raw_get(void *ctx, uint32_t blk, int *err)
{
	(void)ctx;
	if ((uint64_t)(blk + 1) * raw_bs > disk_size) {
		*err = -EIO;
		return NULL;
	}
	return disk + (size_t)blk * raw_bs;
}
static void *raw_get_new(void *ctx, uint32_t blk)
{
	int e;
	void *p = raw_get(ctx, blk, &e);
	if (!p)
		abort();
	return memset(p, 0, raw_bs);
}
static void raw_dirty(void *ctx, uint32_t blk) { (void)ctx, (void)blk; }
static void raw_forget(void *ctx, uint32_t blk) { (void)ctx, (void)blk; }
static uint32_t raw_now(void *ctx) { return (void)ctx, 1700000000; }
static const struct ext2_io raw_io = {NULL, raw_get, raw_get_new, raw_dirty, raw_forget, raw_now};

static void raw_mount(struct ext2_fs *fs)
{
	char why[128];
	uint32_t log;
	memcpy(&log, disk + 1024 + 24, 4);
	raw_bs = 1024u << log;
	CHECK_EQ(ext2_mount(fs, &raw_io, disk + 1024, why, sizeof why), 0);
}

/* The test files' contents: a byte of file ino at offset off. */
static uint8_t pat(uint32_t ino, uint64_t off)
{
	return (uint8_t)(off * 7 + ino * 13 + (off >> 10) + 1);
}

/* A file of size bytes in the raw image whose blocks are allocated in
 * the order the caller gives (interleaving files), filled with pat(). */
static void raw_alloc(struct ext2_fs *fs, uint32_t ino, uint32_t fblk)
{
	uint32_t pblk;
	CHECK_EQ(ext2_bmap(fs, ino, fblk, true, &pblk), 0);
	for (uint32_t i = 0; i < raw_bs; i++)
		disk[(size_t)pblk * raw_bs + i] = pat(ino, (uint64_t)fblk * raw_bs + i);
}

static uint32_t raw_create(struct ext2_fs *fs, const char *name)
{
	uint32_t ino = 0;
	CHECK_EQ(ext2_create(fs, EXT2_ROOT_INO, name, (unsigned)strlen(name), 0644, &ino), 0);
	return ino;
}

/* ---- the cache mounted on the fake disk ------------------------------------ */

static void raw_done(void *arg, int status) { *(int *)arg = status; }

static void cache_mount(void)
{
	uint64_t pa = frames_alloc(&root_frames);
	frame_get(pa); /* the pager's, while the driver fills it */
	int st = 1;
	nlog = 0;
	cache_read_raw(0, 1024, 1024, pa, raw_done, &st);
	CHECK_EQ(nq, 1);
	CHECK_EQ(logv[0].sector, 2);
	CHECK_EQ(logv[0].nseg, 1);
	CHECK_EQ(logv[0].seg[0].len, 1024);
	drain();
	CHECK_EQ(st, 0);
	char why[128];
	CHECK_EQ(ext2_mount(&cache_fs, &cache_io, frames_va(&root_frames, pa), why, sizeof why), 0);
	frame_put(pa);
	cache_init(cache_fs.block_size);
}

/* Everything on disk, then every page dropped. */
static void cache_flush_all(void)
{
	for (int i = 0; i < 64; i++) {
		cache_epoch++;
		if (cache_fs.sb_dirty)
			CHECK_EQ(RETRY(ext2_sync_super(&cache_fs)), 0);
		bool idle = cache_sync(0);
		drain_random();
		if (idle && !cache_fs.sb_dirty)
			break;
	}
	CHECK_EQ(cache_stats.dirty, 0);
	CHECK_EQ(cache_inflight(), 0);
	CHECK(!cache_write_error());
}

static void cache_drop_all(void)
{
	cache_flush_all();
	cache_epoch++;
	cache_reclaim(UINT_MAX);
	CHECK_EQ(cache_stats.pages, 0);
}

static uint64_t ino_size(uint32_t ino)
{
	struct ext2_inode *in;
	CHECK_EQ(RETRY(ext2_inode_get(&cache_fs, ino, &in)), 0);
	return ext2_inode_size(in);
}

/* A file page through the cache, waiting for its read. */
static struct cpage *page(uint32_t ino, uint64_t idx, bool overwrite)
{
	int e = 0;
	uint64_t size = ino_size(ino);
	struct cpage *cp;
	for (int n = 0; !(cp = cache_file_page(ino, idx, size, overwrite, &e)) && e == -EAGAIN && n < 64;
	     n++) {
		drain_random();
		cache_epoch++;
	}
	CHECK(cp != NULL);
	return cp;
}

/* Device block of file block f, through the cache. */
static uint32_t cpblk(uint32_t ino, uint32_t f)
{
	uint32_t p = 0;
	CHECK_EQ(RETRY(ext2_bmap(&cache_fs, ino, f, false, &p)), 0);
	return p;
}

static bool page_is(const struct cpage *cp, uint32_t ino, uint64_t size)
{
	const uint8_t *d = cache_data(cp);
	for (uint32_t i = 0; i < PG; i++) {
		uint64_t off = cp->idx * PG + i;
		if (d[i] != (off < size ? pat(ino, off) : 0))
			return false;
	}
	return true;
}

/* Like RETRY, for the random test: a page whose read was failed on purpose
 * gives -EIO once, then its next user reads it again. */
#define RETRY_IO(expr)                                                               \
	({                                                                           \
		int r_, n_ = 0;                                                      \
		while (((r_ = (expr)) == -EAGAIN || r_ == -EIO) && n_++ < 64) { \
			drain_random();                                              \
			cache_epoch++;                                               \
		}                                                                    \
		r_;                                                                  \
	})

/* ---- file operations as servers/fs/vfs.c does them -------------------------- */

static uint64_t size_io(uint32_t ino)
{
	struct ext2_inode *in;
	CHECK_EQ(RETRY_IO(ext2_inode_get(&cache_fs, ino, &in)), 0);
	return ext2_inode_size(in);
}

static struct cpage *page_io(uint32_t ino, uint64_t idx, uint64_t size, bool overwrite)
{
	int e = 0;
	struct cpage *cp = NULL;
	for (int n = 0; n < 64 && !(cp = cache_file_page(ino, idx, size, overwrite, &e)); n++) {
		CHECK(e == -EAGAIN || e == -EIO);
		drain_random();
		cache_epoch++;
	}
	CHECK(cp != NULL);
	return cp;
}

/* write(): one page at a time, blocks allocated first, then the size. */
static void cwrite(uint32_t ino, uint64_t pos, const uint8_t *buf, uint64_t len)
{
	while (len) {
		cache_epoch++;
		uint64_t size = size_io(ino), idx = pos / PG, off = pos % PG;
		uint64_t n = PG - off < len ? PG - off : len;
		uint64_t valid = size > idx * PG ? size - idx * PG : 0;
		struct cpage *cp = page_io(ino, idx, size, off == 0 && (n == PG || n >= valid));
		if (!cp)
			return;
		CHECK_EQ(RETRY_IO(cache_alloc_blocks(cp, (uint32_t)off, (uint32_t)(off + n))), 0);
		memcpy((uint8_t *)cache_data(cp) + off, buf, n);
		cache_dirty(cp);
		if (pos + n > size)
			CHECK_EQ(RETRY_IO(ext2_set_size(&cache_fs, ino, pos + n)), 0);
		pos += n;
		buf += n;
		len -= n;
	}
}

/* truncate(): the kept last page is read first, then ext2, then the cache. */
static void ctrunc(uint32_t ino, uint64_t size)
{
	cache_epoch++;
	uint64_t old = size_io(ino);
	if (size < old && size % PG)
		page_io(ino, size / PG, old, false);
	CHECK_EQ(RETRY_IO(ext2_truncate(&cache_fs, ino, size)), 0);
	uint64_t now = size_io(ino);
	CHECK_EQ(now, size);
	if (now < old)
		cache_truncate(ino, now, old);
}

static uint32_t ccreate(const char *name)
{
	uint32_t ino = 0;
	cache_epoch++;
	CHECK_EQ(RETRY_IO(ext2_create(&cache_fs, EXT2_ROOT_INO, name, (unsigned)strlen(name), 0644,
				      &ino)),
		 0);
	return ino;
}

/* The file as ext2 straight over the disk sees it equals want[0..size). */
static bool raw_file_is(uint32_t ino, const uint8_t *want, uint64_t size)
{
	struct ext2_fs fs;
	raw_mount(&fs);
	struct ext2_inode *in;
	if (ext2_inode_get(&fs, ino, &in) || ext2_inode_size(in) != size)
		return false;
	for (uint64_t off = 0; off < size; off += raw_bs) {
		uint32_t p;
		if (ext2_bmap(&fs, ino, (uint32_t)(off / raw_bs), false, &p))
			return false;
		for (uint32_t i = 0; i < raw_bs && off + i < size; i++)
			if ((p ? disk[(size_t)p * raw_bs + i] : 0) != want[off + i])
				return false;
	}
	return true;
}

/* ---- directed tests on a 1 KiB-block image ------------------------------------ */

static uint32_t ino_seq, ino_ia, ino_ib, ino_holes;
#define HOLES_SIZE (24 * 1024 + 100)

/* seq: 80 blocks in order (an indirect block after the 12th); ia/ib: 8
 * blocks each, allocated alternately; holes: blocks 0, 6-8 and 20 only. */
static void make_image_1k(void)
{
	char img[128];
	snprintf(img, sizeof img, "%s/a.img", tmpdir);
	CHECK_EQ(run("mke2fs -q -F -t ext2 -b 1024 -N 128 -m 0 %s 8M >/dev/null", img), 0);
	disk_load(img);
	struct ext2_fs fs;
	raw_mount(&fs);
	ino_seq = raw_create(&fs, "seq");
	ino_ia = raw_create(&fs, "ia");
	ino_ib = raw_create(&fs, "ib");
	ino_holes = raw_create(&fs, "holes");
	for (uint32_t f = 0; f < 80; f++)
		raw_alloc(&fs, ino_seq, f);
	for (uint32_t f = 0; f < 8; f++) {
		raw_alloc(&fs, ino_ia, f);
		raw_alloc(&fs, ino_ib, f);
	}
	const uint32_t hb[] = {0, 6, 7, 8, 20};
	for (unsigned i = 0; i < 5; i++)
		raw_alloc(&fs, ino_holes, hb[i]);
	CHECK_EQ(ext2_set_size(&fs, ino_seq, 80 * 1024), 0);
	CHECK_EQ(ext2_set_size(&fs, ino_ia, 8 * 1024), 0);
	CHECK_EQ(ext2_set_size(&fs, ino_ib, 8 * 1024), 0);
	CHECK_EQ(ext2_set_size(&fs, ino_holes, HOLES_SIZE), 0);
	CHECK_EQ(ext2_sync_super(&fs), 0);
	CHECK_EQ(disk_fsck(), 0); /* the starting point is sane */
}

static void check_seg(const struct logged *l, unsigned i, uint64_t pa, uint32_t len)
{
	CHECK_EQ(l->seg[i].pa, pa);
	CHECK_EQ(l->seg[i].len, len);
}

/* One request per run of contiguous blocks, at most 16 pages each, and one
 * segment per frame even when the frames follow each other in memory. */
static void test_seq_readahead(void)
{
	uint64_t size = ino_size(ino_seq);
	uint32_t x = cpblk(ino_seq, 0);
	for (uint32_t f = 0; f < 80; f++)
		CHECK_EQ(cpblk(ino_seq, f), x + f + (f >= 12)); /* layout assumed below */
	drain();
	nlog = 0;
	struct cpage *p0 = page(ino_seq, 0, false);
	CHECK_EQ(nlog, 1);
	CHECK_EQ(logv[0].op, BLK_OP_READ);
	CHECK_EQ(logv[0].sector, x * 2);
	CHECK_EQ(logv[0].nseg, 1);
	check_seg(&logv[0], 0, p0->pa, 4096);
	CHECK(page_is(p0, ino_seq, size));

	cache_epoch++;
	nlog = 0;
	cache_readahead(ino_seq, 0, 19, size);
	CHECK_EQ(nlog, 3);
	CHECK_EQ(nq, 3);
	CHECK_EQ(logv[0].sector, (x + 4) * 2);
	CHECK_EQ(logv[0].nseg, 2);
	CHECK_EQ(logv[1].sector, (x + 13) * 2);
	CHECK_EQ(logv[1].nseg, 16);
	CHECK_EQ(logv[2].sector, (x + 13 + 64) * 2);
	CHECK_EQ(logv[2].nseg, 1);
	unsigned adjacent = 0;
	for (unsigned i = 0; i + 1 < logv[1].nseg; i++)
		adjacent += logv[1].seg[i + 1].pa == logv[1].seg[i].pa + PG;
	CHECK(adjacent > 0); /* the frame rule was put to the test */
	for (uint64_t i = 1; i < 20; i++)
		CHECK(cache_busy(ino_seq, i));
	while (nq)
		complete(nq - 1, 0); /* last first */
	for (uint64_t i = 1; i < 20; i++) {
		CHECK(!cache_busy(ino_seq, i));
		struct cpage *cp = page(ino_seq, i, false);
		CHECK(page_is(cp, ino_seq, size));
		const struct logged *l = &logv[i < 3 ? 0 : i < 19 ? 1 : 2];
		check_seg(l, (unsigned)(i < 3 ? i - 1 : i < 19 ? i - 3 : 0), cp->pa, 4096);
	}
	CHECK_EQ(nlog, 3); /* all were cached */
}

/* Holes are zeroed without I/O, pieces of neighbouring pages that follow
 * on disk share a request, and pages past the end are zeros. */
static void test_holes(void)
{
	uint64_t size = ino_size(ino_holes);
	CHECK_EQ(size, HOLES_SIZE);
	uint32_t a = cpblk(ino_holes, 0), b = cpblk(ino_holes, 6), c = cpblk(ino_holes, 20);
	CHECK_EQ(cpblk(ino_holes, 7), b + 1);
	CHECK_EQ(cpblk(ino_holes, 8), b + 2);
	CHECK(c != b + 3);
	CHECK_EQ(cpblk(ino_holes, 1), 0);
	drain();
	cache_epoch++;
	nlog = 0;
	int e = 0;
	CHECK(!cache_file_page(ino_holes, 0, size, false, &e));
	CHECK_EQ(e, -EAGAIN);
	CHECK(cache_miss != NULL);
	uint64_t pa0 = cache_miss->pa;
	CHECK_EQ(nlog, 1);
	CHECK_EQ(logv[0].sector, a * 2);
	check_seg(&logv[0], 0, pa0, 1024);
	cache_readahead(ino_holes, 0, 8, size);
	CHECK_EQ(nlog, 3);
	CHECK_EQ(logv[1].sector, b * 2);
	CHECK_EQ(logv[1].nseg, 2);
	CHECK_EQ(logv[2].sector, c * 2);
	CHECK_EQ(logv[2].nseg, 1);
	for (uint64_t i = 3; i <= 6; i++)
		CHECK_EQ(cache_busy(ino_holes, i), i == 5); /* 3, 4, 6: holes, ready */
	CHECK(!cache_cached(ino_holes, 7));
	drain_random();
	for (uint64_t i = 0; i <= 6; i++) {
		struct cpage *cp = page(ino_holes, i, false);
		const uint8_t *d = cache_data(cp);
		bool ok = true;
		for (uint32_t j = 0; j < PG; j++) {
			uint64_t off = i * PG + j, f = off / 1024;
			bool data = off < size && (f == 0 || (f >= 6 && f <= 8) || f == 20);
			ok &= d[j] == (data ? pat(ino_holes, off) : 0);
		}
		CHECK(ok);
		if (i == 1) {
			check_seg(&logv[1], 0, cp->pa + 2048, 2048);
		} else if (i == 2) {
			check_seg(&logv[1], 1, cp->pa, 1024);
			CHECK(cp->pa == logv[1].seg[0].pa + 2048); /* adjacent frames */
		} else if (i == 5) {
			check_seg(&logv[2], 0, cp->pa, 1024);
		}
	}
	nlog = 0;
	cache_epoch++;
	struct cpage *past = cache_file_page(ino_holes, 9, size, false, &e);
	CHECK(past != NULL);
	CHECK_EQ(nlog, 0);
	CHECK(past && page_is(past, ino_holes, 0));
}

/* A page of four scattered blocks: four requests, ready when the last ends;
 * one failed piece gives -EIO once and the page is read again after. */
static void test_scattered_and_errors(void)
{
	uint64_t size = ino_size(ino_ia);
	uint32_t y = cpblk(ino_ia, 0);
	for (uint32_t f = 0; f < 8; f++) {
		CHECK_EQ(cpblk(ino_ia, f), y + 2 * f);
		CHECK_EQ(cpblk(ino_ib, f), y + 2 * f + 1);
	}
	CHECK_EQ(ino_size(ino_ib), size);
	drain();
	cache_epoch++;
	nlog = 0;
	int e = 0;
	CHECK(!cache_file_page(ino_ia, 0, size, false, &e));
	CHECK_EQ(e, -EAGAIN);
	uint64_t pa = cache_miss->pa;
	CHECK_EQ(nlog, 4);
	for (unsigned k = 0; k < 4; k++) {
		CHECK_EQ(logv[k].sector, (y + 2 * k) * 2);
		CHECK_EQ(logv[k].nseg, 1);
		check_seg(&logv[k], 0, pa + k * 1024, 1024);
	}
	for (int k = 0; k < 3; k++)
		complete(nq - 1, 0);
	CHECK(cache_busy(ino_ia, 0));
	CHECK(!cache_file_page(ino_ia, 0, size, false, &e));
	CHECK_EQ(e, -EAGAIN);
	CHECK_EQ(nlog, 4);
	complete(0, 0);
	struct cpage *cp = cache_file_page(ino_ia, 0, size, false, &e);
	CHECK(cp && page_is(cp, ino_ia, size));

	uint64_t errors = cache_stats.errors;
	cache_epoch++;
	nlog = 0;
	CHECK(!cache_file_page(ino_ib, 0, size, false, &e));
	CHECK_EQ(nq, 4);
	complete(1, -EIO);
	drain();
	CHECK_EQ(cache_stats.errors, errors + 1);
	CHECK(!cache_busy(ino_ib, 0));
	CHECK(!cache_file_page(ino_ib, 0, size, false, &e));
	CHECK_EQ(e, -EIO);
	CHECK(!cache_cached(ino_ib, 0)); /* dropped */
	CHECK(!cache_file_page(ino_ib, 0, size, false, &e));
	CHECK_EQ(e, -EAGAIN);
	CHECK_EQ(nlog, 8);
	drain();
	cp = cache_file_page(ino_ib, 0, size, false, &e);
	CHECK(cp && page_is(cp, ino_ib, size));

	/* A metadata block's failed read: -EIO to ext2, then read again. */
	cache_drop_all();
	cache_epoch++;
	struct ext2_inode *in;
	CHECK_EQ(ext2_inode_get(&cache_fs, ino_ia, &in), -EAGAIN);
	CHECK(nq > 0);
	while (nq)
		complete(0, -EIO);
	CHECK_EQ(ext2_inode_get(&cache_fs, ino_ia, &in), -EIO);
	CHECK_EQ(ext2_inode_get(&cache_fs, ino_ia, &in), -EAGAIN); /* read again */
	CHECK_EQ(RETRY(ext2_inode_get(&cache_fs, ino_ia, &in)), 0);
	CHECK_EQ(ext2_inode_size(in), size);
}

/* A page written in several requests stays dirty if any of them failed,
 * not only when its last one did. */
static void test_write_piece_error(void)
{
	static uint8_t want[PG];
	cache_flush_all();
	for (uint32_t i = 0; i < PG; i++)
		want[i] = (uint8_t)~pat(ino_ia, i);
	cwrite(ino_ia, 0, want, PG);
	drain();
	nlog = 0;
	CHECK(!cache_sync(ino_ia));
	CHECK_EQ(nlog, 4); /* its four scattered blocks */
	CHECK_EQ(nq, 4);
	complete(0, -EIO);
	drain();
	CHECK(cache_write_error());
	CHECK(page(ino_ia, 0, false)->flags & CP_DIRTY);
	cache_flush_all();
	struct ext2_fs fs;
	raw_mount(&fs);
	for (uint32_t f = 0; f < 4; f++) { /* the failed piece was written again */
		uint32_t p = 0;
		CHECK_EQ(ext2_bmap(&fs, ino_ia, f, false, &p), 0);
		CHECK(p && !memcmp(disk + (size_t)p * 1024, want + f * 1024, 1024));
	}
}

/* Only clean, unmapped, idle pages not used by the current request go. */
static void test_reclaim(void)
{
	cache_drop_all();
	uint64_t size = ino_size(ino_seq);
	struct cpage *p1 = page(ino_seq, 1, false), *p2 = page(ino_seq, 2, false);
	page(ino_seq, 0, false);
	frame_get(p1->pa); /* mapped by a process */
	cache_dirty(p2);
	cpblk(ino_seq, 16);
	cache_epoch++;
	int e = 0;
	CHECK(!cache_file_page(ino_seq, 4, size, false, &e)); /* being read */
	CHECK_EQ(e, -EAGAIN);
	cache_epoch++;
	struct cpage *p5 = cache_file_page(ino_seq, 5, size, true, &e); /* this request's */
	CHECK(p5 != NULL);
	for (uint32_t i = 0; p5 && i < PG; i++)
		((uint8_t *)cache_data(p5))[i] = pat(ino_seq, 5 * PG + i);
	CHECK_EQ(cache_reclaim(0), 0);
	uint64_t before = cache_stats.pages;
	unsigned got = cache_reclaim(1000);
	CHECK_EQ(got, before - cache_stats.pages);
	CHECK(!cache_cached(ino_seq, 0));
	for (uint64_t i = 1; i <= 5; i++)
		CHECK_EQ(cache_cached(ino_seq, i), i != 3);
	nlog = 0;
	CHECK_EQ(ino_size(ino_seq), size); /* this request's metadata stayed */
	CHECK_EQ(cpblk(ino_seq, 20), cpblk(ino_seq, 0) + 21);
	CHECK_EQ(nlog, 0);

	frame_put(p1->pa);
	drain();
	cache_epoch++;
	cache_reclaim(1000);
	CHECK(!cache_cached(ino_seq, 1));
	CHECK(!cache_cached(ino_seq, 4));
	CHECK(!cache_cached(ino_seq, 5));
	CHECK(cache_cached(ino_seq, 2)); /* dirty */
	cache_drop_all();
	CHECK(!cache_cached(ino_seq, 2));
	CHECK_EQ(frames_free_count(&root_frames), NFRAMES - 16); /* the reserve only */
}

/* Writeback: device order, only dirty pages, and the disk then equals
 * what ext2 and the cache say. */
static void test_sync(uint32_t *ino_out, uint8_t *want, uint64_t len)
{
	uint32_t ino = ccreate("w");
	*ino_out = ino;
	for (uint64_t i = 0; i < len; i++)
		want[i] = (uint8_t)(rng() | 1);
	cwrite(ino, 0, want, len);
	CHECK_EQ(RETRY(ext2_sync_super(&cache_fs)), 0);
	drain();
	uint64_t dirty = cache_stats.dirty, blocks = 0, data_pages = (len + PG - 1) / PG;
	nlog = 0;
	CHECK(!cache_sync(0));
	CHECK_EQ(cache_stats.dirty, 0);
	for (unsigned i = 0; i < nlog; i++) {
		CHECK_EQ(logv[i].op, BLK_OP_WRITE);
		blocks += logged_bytes(&logv[i]) / 1024;
		if (i)
			CHECK(logv[i].sector > logv[i - 1].sector); /* device order */
	}
	/* the file's pages (whole blocks up to len), one block per metadata page */
	CHECK_EQ(blocks, (len + 1023) / 1024 + (dirty - data_pages));
	drain_random();
	nlog = 0;
	CHECK(cache_sync(0));
	CHECK_EQ(nlog, 0); /* clean pages are never written */
	CHECK(!cache_write_error());
	CHECK_EQ(disk_fsck(), 0);
	CHECK(raw_file_is(ino, want, len));
	CHECK(!memcmp(disk + 1024, cache_fs.sb, 1024));
}

/* Truncation: pages past the end go, or leave the hash while mapped or
 * being written; the kept page's tail is zeroed and dirtied. */
static void test_truncate(void)
{
	static uint8_t want[5 * PG];
	uint32_t ino = ccreate("t");
	for (uint32_t i = 0; i < sizeof want; i++)
		want[i] = pat(ino, i);
	cwrite(ino, 0, want, sizeof want);
	cache_flush_all();
	struct cpage *p3 = page(ino, 3, false), *p4 = page(ino, 4, false);
	uint64_t pa3 = p3->pa, pa4 = p4->pa;
	frame_get(pa4); /* mapped */
	cache_dirty(p3);
	nlog = 0;
	CHECK(!cache_sync(ino));
	CHECK_EQ(nlog, 1); /* page 3 is being written */
	uint64_t free_before = frames_free_count(&root_frames);
	ctrunc(ino, 6000);
	struct cpage *p1 = page(ino, 1, false);
	const uint8_t *d = cache_data(p1);
	bool ok = true;
	for (uint32_t i = 0; i < PG; i++)
		ok &= d[i] == (PG + i < 6000 ? want[PG + i] : 0);
	CHECK(ok);
	CHECK(p1->flags & CP_DIRTY);
	CHECK(p1->pblk[0] && p1->pblk[1]);
	CHECK_EQ(p1->pblk[2], 0);
	CHECK_EQ(p1->pblk[3], 0);
	CHECK(cache_cached(ino, 0));
	CHECK(!(page(ino, 0, false)->flags & CP_DIRTY));
	for (uint64_t i = 2; i < 5; i++)
		CHECK(!cache_cached(ino, i));
	CHECK_EQ(frames_free_count(&root_frames), free_before + 2); /* page 2, the indirect block */
	CHECK_EQ(frame_refs(pa3), 1);
	CHECK_EQ(frame_refs(pa4), 2);
	drain();
	frame_put(pa4);
	cache_epoch++;
	cache_reclaim(1000);
	CHECK_EQ(frame_refs(pa3), 0); /* orphans freed once unused */
	CHECK_EQ(frame_refs(pa4), 0);
	uint8_t one = 0x5a;
	cwrite(ino, 10000, &one, 1); /* the bytes between read as zeros */
	memset(want + 6000, 0, sizeof want - 6000);
	want[10000] = one;
	cache_flush_all();
	CHECK_EQ(disk_fsck(), 0);
	CHECK(raw_file_is(ino, want, 10001));
	CHECK(page_is(page(ino, 0, false), ino, PG));
}

/* vfs frees an inode it could not read with cache_truncate(ino, 0,
 * UINT64_MAX): every page of it must go, or dirty ones would be written to
 * freed blocks and a new file of that number would see them. */
static void test_truncate_all(void)
{
	static uint8_t buf[2 * PG];
	uint32_t ino = ccreate("u");
	memset(buf, 0x77, sizeof buf);
	cwrite(ino, 0, buf, sizeof buf);
	CHECK(cache_cached(ino, 0) && cache_cached(ino, 1));
	cache_truncate(ino, 0, UINT64_MAX);
	CHECK(!cache_cached(ino, 0));
	CHECK(!cache_cached(ino, 1));
	CHECK_EQ(RETRY(ext2_truncate(&cache_fs, ino, 0)), 0);
	cache_flush_all();
	CHECK_EQ(disk_fsck(), 0);
}

/* A freed metadata block whose write fails must not be written again. */
static void test_forget_failed_write(void)
{
	static uint8_t buf[17 * 1024];
	uint32_t ino = ccreate("f2");
	memset(buf, 0x33, sizeof buf);
	cwrite(ino, 0, buf, 16 * 1024);
	cache_flush_all();
	uint32_t ind = 0;
	struct ext2_inode *in;
	CHECK_EQ(RETRY(ext2_inode_get(&cache_fs, ino, &in)), 0);
	ind = in->i_block[12];
	CHECK(ind != 0);
	cwrite(ino, 16 * 1024, buf, 1024); /* a new pointer in the indirect block */
	CHECK(!cache_sync(0));
	ctrunc(ino, 0); /* frees the indirect block while it is written */
	while (nq)
		complete(0, -EIO);
	CHECK(cache_write_error());
	nlog = 0;
	cache_flush_all();
	CHECK(!logged_write_of(ind));
	CHECK_EQ(disk_fsck(), 0);
}

/* ext2's io: a forgotten block is never found again, in the same request
 * either (the lookaside); a new block is zeros. */
static void test_io_lookaside(void)
{
	uint32_t blk = cache_fs.blocks_count - 1; /* free on these images */
	int e = 0;
	cache_epoch++;
	uint8_t *old = NULL;
	for (int n = 0; n < 4 && !(old = cache_io.get(NULL, blk, &e)); n++)
		drain();
	CHECK(old != NULL);
	CHECK(cache_io.get(NULL, blk, &e) == old);
	cache_io.forget(NULL, blk);
	nlog = 0;
	CHECK(cache_io.get(NULL, blk, &e) == NULL);
	CHECK_EQ(e, -EAGAIN); /* read again, not the old buffer */
	CHECK_EQ(nlog, 1);
	drain();
	cache_io.forget(NULL, blk);
	uint8_t *fresh = cache_io.get_new(NULL, blk);
	bool zero = true;
	for (uint32_t i = 0; i < cache_fs.block_size; i++)
		zero &= fresh[i] == 0;
	CHECK(zero);
	CHECK(cache_io.get(NULL, blk, &e) == fresh);
	CHECK_EQ(cache_stats.dirty > 0, 1);
	cache_io.forget(NULL, blk); /* it was never in use: not written */
	nlog = 0;
	cache_flush_all();
	CHECK(!logged_write_of(blk));
	CHECK(cache_io.get(NULL, cache_fs.blocks_count, &e) == NULL);
	CHECK_EQ(e, -EIO); /* past the device */
}

/* ---- a seeded random test against a model -------------------------------- */

#define RFILES 3
#define RMAX (160 * 1024)

struct model {
	uint32_t ino[RFILES];
	uint64_t size[RFILES];
	uint8_t *data[RFILES];
	uint64_t mapped[64];
	unsigned nmapped;
};

/* Complete up to n queued requests in random order, failing some. */
static void r_complete(unsigned n, unsigned fail_one_in)
{
	while (n-- && nq)
		complete((unsigned)(rng() % nq), rng() % fail_one_in ? 0 : -EIO);
}

static void r_write(struct model *m, unsigned f)
{
	static uint8_t buf[3 * PG];
	uint64_t pos = rng() % (RMAX - 1), len = 1 + rng() % sizeof buf;
	len = len < RMAX - pos ? len : RMAX - pos;
	for (uint64_t i = 0; i < len; i++)
		buf[i] = (uint8_t)rng();
	cwrite(m->ino[f], pos, buf, len);
	memcpy(m->data[f] + pos, buf, len);
	m->size[f] = pos + len > m->size[f] ? pos + len : m->size[f];
}

/* Read pages with failures injected: -EIO is allowed, wrong data is not. */
static void r_read(struct model *m, unsigned f)
{
	uint64_t size = m->size[f], idx = size ? rng() % ((size + PG - 1) / PG) : 0;
	cache_epoch++;
	CHECK_EQ(size_io(m->ino[f]), size);
	int e = 0;
	struct cpage *cp = NULL;
	for (int n = 0; n < 8 && !(cp = cache_file_page(m->ino[f], idx, size, false, &e)); n++) {
		if (e == -EAGAIN && n == 0)
			cache_readahead(m->ino[f], idx, (unsigned)(rng() % 20), size);
		r_complete(UINT_MAX, 6);
		cache_epoch++;
	}
	if (!cp)
		return;
	const uint8_t *d = cache_data(cp);
	bool ok = true;
	for (uint32_t i = 0; i < PG; i++) {
		uint64_t off = idx * PG + i;
		ok &= d[i] == (off < size ? m->data[f][off] : 0);
	}
	CHECK(ok);
}

static void r_map(struct model *m, unsigned f)
{
	uint64_t size = m->size[f], idx = rng() % (RMAX / PG);
	if (m->nmapped == 64 || !cache_cached(m->ino[f], idx) || idx * PG >= size)
		return;
	cache_epoch++;
	struct cpage *cp = page_io(m->ino[f], idx, size_io(m->ino[f]), false);
	if (cp) {
		frame_get(cp->pa);
		m->mapped[m->nmapped++] = cp->pa;
	}
}

static void r_unmap(struct model *m)
{
	if (!m->nmapped)
		return;
	unsigned i = (unsigned)(rng() % m->nmapped);
	frame_put(m->mapped[i]);
	m->mapped[i] = m->mapped[--m->nmapped];
}

static void r_step(struct model *m)
{
	unsigned op = (unsigned)(rng() % 100), f = (unsigned)(rng() % RFILES);
	if (op < 30) {
		r_write(m, f);
	} else if (op < 50) {
		r_read(m, f);
	} else if (op < 58) {
		uint64_t to = rng() % 3 ? rng() % (m->size[f] + 1) : rng() % RMAX;
		ctrunc(m->ino[f], to);
		if (to < m->size[f])
			memset(m->data[f] + to, 0, RMAX - to);
		m->size[f] = to;
	} else if (op < 68) {
		cache_epoch++;
		if (cache_fs.sb_dirty)
			CHECK_EQ(RETRY_IO(ext2_sync_super(&cache_fs)), 0);
		cache_sync(rng() % 2 ? 0 : m->ino[f]);
	} else if (op < 82) {
		r_complete((unsigned)(rng() % 8), 5);
	} else if (op < 88) {
		cache_epoch++;
		cache_reclaim((unsigned)(rng() % 64));
	} else if (op < 94) {
		r_map(m, f);
	} else {
		r_unmap(m);
	}
}

static void r_check_end(struct model *m)
{
	while (m->nmapped)
		r_unmap(m);
	cache_write_error();
	cache_flush_all();
	for (unsigned f = 0; f < RFILES; f++) {
		CHECK_EQ(size_io(m->ino[f]), m->size[f]);
		CHECK(raw_file_is(m->ino[f], m->data[f], m->size[f]));
		for (uint64_t idx = 0; idx * PG < m->size[f]; idx++) {
			struct cpage *cp = page_io(m->ino[f], idx, m->size[f], false);
			CHECK(cp && !memcmp(cache_data(cp), m->data[f] + idx * PG,
					    RMAX - idx * PG < PG ? RMAX - idx * PG : PG));
		}
	}
	CHECK_EQ(disk_fsck(), 0);
}

static void test_random(uint64_t seed, unsigned steps)
{
	struct model m = {0};
	rng_state = seed;
	char name[16];
	for (unsigned f = 0; f < RFILES; f++) {
		snprintf(name, sizeof name, "r%u_%u", f, (unsigned)seed);
		m.ino[f] = ccreate(name);
		m.data[f] = calloc(1, RMAX);
	}
	for (unsigned i = 0; i < steps; i++)
		r_step(&m);
	r_check_end(&m);
	for (unsigned f = 0; f < RFILES; f++)
		free(m.data[f]);
}

/* A fresh image of block size bs, mounted through the cache. */
static void mount_fresh(unsigned bs)
{
	char img[128], opt[64];
	snprintf(img, sizeof img, "%s/b.img", tmpdir);
	snprintf(opt, sizeof opt, "-b %u", bs);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "mke2fs -q -F -t ext2 %s -N 128 -m 0 %%s 16M >/dev/null", opt);
	CHECK_EQ(run(cmd, img), 0);
	disk_load(img);
	cache_mount();
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_cache.XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	env_init();
	rng_state = 0x1234567;
	make_image_1k();
	cache_mount();
	test_seq_readahead();
	test_holes();
	test_scattered_and_errors();
	test_write_piece_error();
	test_reclaim();
	static uint8_t want[9 * PG + 123];
	uint32_t w;
	test_sync(&w, want, sizeof want);
	test_truncate();
	test_truncate_all();
	test_forget_failed_write();
	test_io_lookaside();
	test_random(1, 3000);
	cache_drop_all();

	static const unsigned sizes[] = {4096, 2048};
	for (unsigned i = 0; i < 2; i++) {
		mount_fresh(sizes[i]);
		nlog = 0;
		test_random(2 + i, 3000);
		if (sizes[i] == 4096)
			CHECK(logged_write_of(0)); /* the superblock's block is block 0 */
		CHECK(!memcmp(disk + 1024, cache_fs.sb, 1024));
		cache_drop_all();
	}
	CHECK_EQ(frames_free_count(&root_frames), NFRAMES - 16);
	run("rm -rf %s", tmpdir);
	return check_report("host-cache");
}
