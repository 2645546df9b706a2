/*
 * blkc_test.c (servers/blk/) - the block path's self-test inside the root
 * pager (bootarg "blktest", a scratch disk of BLKT_SECTORS sectors): a
 * chain of phases, each started from the previous one's last done(), so
 * the pager loop keeps running throughout; last, the driver is killed
 * with ios outstanding. Prints TAP and powers off.
 * tests/blk (servers/blk/blktest.py) checks the written image afterwards.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "../pager.h"
#include "blkc.h"
#include "blkc_test.h"

#define BLKT_SECTORS 16384 /* the 8 MiB image the test attaches */
#define BLKT_N 64          /* 4 KiB ranges written and read back */
#define BLKT_ERRS 6

/* Range i's first sector: spread out, not all on 4 KiB boundaries. */
static uint64_t blkt_sector(int i) { return (uint64_t)i * 256 + (uint64_t)(i % 7) * 8; }
static uint64_t blkt_word(int i, int j)
{
	return 0x6b6f737375000000ULL ^ (uint64_t)i << 16 ^ (uint64_t)j;
}

static struct {
	struct blk_io io[BLKT_N + 1];
	struct blk_io err[BLKT_ERRS];
	uint64_t wf[BLKT_N], rf[BLKT_N + 1]; /* written and read frames */
	int pending, bad;
	uint64_t t0, idle0, instr, idle;
	struct blkc_stats base;
} blkt;

static void *blkt_va(uint64_t pa) { return frames_va(&pg_frames, pa); }

static void blkt_rw(struct blk_io *io, uint8_t op, uint64_t sector, uint64_t pa,
		    void (*done)(struct blk_io *, int))
{
	*io = (struct blk_io){.op = op, .sector = sector, .nseg = 1, .done = done};
	io->seg[0] = (struct blk_seg){.pa = pa, .len = 4096};
}

/* ---- phase 5: the driver dies with ios in flight and waiting ----------- */

#define BLKT_DEATH 20

static void blkt_dead_done(struct blk_io *io, int status)
{
	(void)io;
	blkt.bad += status != -EIO;
	blkt.pending--;
}

static void blkt_death(void)
{
	struct proc *drv = proc_find(blkc_driver_pid(0));
	uint64_t before = frames_free_count(&pg_frames);
	/* What its death gives back: its pages (the ring and DMA frames among
	 * them: our own reference on those goes too) and its page map's nodes. */
	uint64_t back = drv->resident + drv->pages.nodes;
	blkt.pending = BLKT_DEATH;
	blkt.bad = 0;
	for (int i = 0; i < BLKT_DEATH; i++) {
		blkt_rw(&blkt.io[i], BLK_OP_READ, blkt_sector(i), blkt.rf[i], blkt_dead_done);
		blkc_submit(&blkt.io[i]);
	}
	proc_kill(drv->pid, SIGKILL);
	tap_check(blkt.pending == 0 && blkt.bad == 0,
		  "the driver's death fails its %d ios with EIO (%d left, %d otherwise)", BLKT_DEATH,
		  blkt.pending, blkt.bad);
	tap_eq(blkc_device_status(), 0, "the device was reset (Status 0) before they went");
	tap_eq(frames_free_count(&pg_frames) - before, back, "its frames and the ring's came back");
	blkt.pending = 1;
	blkc_submit(&blkt.io[0]);
	tap_check(blkt.pending == 0 && blkt.bad == 0 && !blkc_ready(0) && !blkc_driver_pid(0),
		  "after it, a submit fails at once with EIO");
}

static void blkt_finish(void)
{
	const struct blkc_stats *st = blkc_stats(0);
	tap_eq(st->reads - blkt.base.reads, BLKT_N + 2, "reads counted");
	tap_eq(st->writes - blkt.base.writes, BLKT_N, "writes counted");
	tap_eq(st->sectors - blkt.base.sectors, (2 * BLKT_N + 2) * 8, "sectors counted");
	tap_eq(st->errors - blkt.base.errors, BLKT_ERRS - 1, "errors counted");
	blkt_death();
	sys_poweroff(H_PLATFORM, (unsigned)tap_done());
}

/* ---- phase 4: requests that must fail, and a flush --------------------- */

static int blkt_err_status[BLKT_ERRS];

static void blkt_err_done(struct blk_io *io, int status)
{
	blkt_err_status[io - blkt.err] = status;
	if (--blkt.pending)
		return;
	static const char *const what[BLKT_ERRS] = {
		"read across the end of the disk fails", "read at the capacity fails",
		"a segment of 100 bytes is refused", "a read of no segment is refused",
		"an unknown op is refused", "flush succeeds"};
	for (int i = 0; i < BLKT_ERRS; i++)
		tap_eq(blkt_err_status[i], i == BLKT_ERRS - 1 ? 0 : -EIO, what[i]);
	blkt_finish();
}

static void blkt_errors(void)
{
	uint64_t cap = blkc_capacity(0), pa = blkt.rf[0];
	struct blk_io *e = blkt.err;
	blkt_rw(&e[0], BLK_OP_READ, cap - 4, pa, blkt_err_done);
	blkt_rw(&e[1], BLK_OP_READ, cap, pa, blkt_err_done);
	blkt_rw(&e[2], BLK_OP_READ, 0, pa, blkt_err_done);
	e[2].seg[0].len = 100;
	blkt_rw(&e[3], BLK_OP_READ, 0, pa, blkt_err_done);
	e[3].nseg = 0;
	blkt_rw(&e[4], 7, 0, pa, blkt_err_done);
	blkt_rw(&e[5], BLK_OP_FLUSH, 0, pa, blkt_err_done);
	e[5].nseg = 0;
	blkt.pending = BLKT_ERRS;
	for (int i = 0; i < BLKT_ERRS; i++)
		blkc_submit(&e[i]);
}

/* ---- phase 3: one read alone, timed ------------------------------------ */

static void blkt_timed_done(struct blk_io *io, int status)
{
	blkt.instr = rdinstret() - blkt.t0;
	blkt.idle = sys_idle_instret() - blkt.idle0;
	const uint64_t *w = blkt_va(io->seg[0].pa);
	tap_check(status == 0 && w[5] == blkt_word(3, 5), "a lone 4 KiB read (status %d)", status);
	printf("# blk: one 4 KiB read round trip: %lu instructions (%lu more idle, excluded)\n",
	       (unsigned long)(blkt.instr - blkt.idle), (unsigned long)blkt.idle);
	blkt_errors();
}

static void blkt_timed(void)
{
	struct blk_io *io = &blkt.io[0];
	blkt_rw(io, BLK_OP_READ, blkt_sector(3), blkt.wf[0], blkt_timed_done);
	blkt.idle0 = sys_idle_instret();
	blkt.t0 = rdinstret();
	blkc_submit(io);
}

/* ---- phase 2: read everything back into other frames -------------------- */

/* Range i read into rf[i]; odd ranges in two segments with the halves
 * swapped in the frame (scatter across descriptors). */
static bool blkt_match(int i)
{
	const uint64_t *w = blkt_va(blkt.rf[i]);
	for (int j = 0; j < 512; j++) {
		int k = i % 2 ? (j + 256) % 512 : j;
		if (w[j] != blkt_word(i, k))
			return false;
	}
	return true;
}

static void blkt_read_done(struct blk_io *io, int status)
{
	(void)io;
	blkt.bad += status != 0;
	if (--blkt.pending)
		return;
	tap_eq(blkt.bad, 0, "65 reads completed with status 0");
	int same = 0;
	for (int i = 0; i < BLKT_N; i++)
		same += blkt_match(i);
	tap_eq(same, BLKT_N, "every range reads back as written");
	const uint64_t *last = blkt_va(blkt.rf[BLKT_N]);
	int zero = 0;
	for (int j = 0; j < 512; j++)
		zero += last[j] == 0;
	tap_eq(zero, 512, "the never-written last 4 KiB reads as zeros");
	blkt_timed();
}

static void blkt_reads(void)
{
	for (int i = 0; i <= BLKT_N; i++) {
		memset(blkt_va(blkt.rf[i]), 0xee, 4096); /* the read must overwrite all */
		uint64_t sector = i < BLKT_N ? blkt_sector(i) : BLKT_SECTORS - 8;
		blkt_rw(&blkt.io[i], BLK_OP_READ, sector, blkt.rf[i], blkt_read_done);
		if (i % 2 && i < BLKT_N) {
			blkt.io[i].nseg = 2;
			blkt.io[i].seg[0] = (struct blk_seg){.pa = blkt.rf[i] + 2048, .len = 2048};
			blkt.io[i].seg[1] = (struct blk_seg){.pa = blkt.rf[i], .len = 2048};
		}
	}
	blkt.pending = BLKT_N + 1;
	blkt.bad = 0;
	for (int i = 0; i <= BLKT_N; i++)
		blkc_submit(&blkt.io[i]);
}

/* ---- phase 1: 64 writes at once ----------------------------------------- */

static void blkt_write_done(struct blk_io *io, int status)
{
	(void)io;
	blkt.bad += status != 0;
	if (--blkt.pending)
		return;
	tap_eq(blkt.bad, 0, "64 writes completed with status 0");
	blkt_reads();
}

static bool blkt_frames(void)
{
	for (int i = 0; i < BLKT_N; i++) {
		blkt.wf[i] = frames_alloc(&pg_frames);
		blkt.rf[i] = frames_alloc(&pg_frames);
		if (!blkt.wf[i] || !blkt.rf[i])
			return false;
		uint64_t *w = blkt_va(blkt.wf[i]);
		for (int j = 0; j < 512; j++)
			w[j] = blkt_word(i, j);
	}
	return (blkt.rf[BLKT_N] = frames_alloc(&pg_frames)) != 0;
}

void blkc_selftest(int status)
{
	tap_plan(21);
	tap_check(status == 0 && blkc_capacity(0) == BLKT_SECTORS,
		  "driver ready (status %d), capacity %lu sectors", status,
		  (unsigned long)blkc_capacity(0));
	if (status || blkc_capacity(0) != BLKT_SECTORS || !blkt_frames())
		sys_poweroff(H_PLATFORM, 1);
	blkt.base = *blkc_stats(0);
	blkt.pending = BLKT_N;
	for (int i = 0; i < BLKT_N; i++) {
		blkt_rw(&blkt.io[i], BLK_OP_WRITE, blkt_sector(i), blkt.wf[i], blkt_write_done);
		blkc_submit(&blkt.io[i]);
	}
	int inflight, waiting;
	blkc_queue_depth(&inflight, &waiting);
	tap_check(inflight == BLK_SLOTS && waiting == BLKT_N - BLK_SLOTS,
		  "%d writes in flight, %d waiting", inflight, waiting);
}
