/*
 * blkc.h (servers/blk/) - the pager's side of the block driver: compiled
 * into the root pager, it starts the driver task, hands it the shared
 * ring and DMA pages, puts block requests into the ring and finishes them
 * when the driver reports completions (libsys/blkproto.h).
 * Invariants:
 *  - blkc_submit never blocks; an io's done() runs exactly once, later,
 *    from the pager loop (inside blkc_call of a PG_BLK_DONE), except when
 *    the disk is gone (no driver, it failed or died): then at once, inside
 *    blkc_submit, with -EIO;
 *  - an io is in one place at a time: the waiting FIFO, a ring slot (in
 *    flight), or finished; the caller must not touch it until done();
 *  - ring slot i holds the io whose tag % BLK_SLOTS == i and is reused
 *    only after that io completed; a completion naming another tag is
 *    ignored (the driver is only believed about what it was given);
 *  - the ring and DMA frames hold a reference of ours as long as the
 *    driver lives; when it dies the device is reset (no more DMA) before
 *    they and the ios' frames are given back.
 */
#ifndef SERVERS_BLK_BLKC_H
#define SERVERS_BLK_BLKC_H

#include <stdbool.h>
#include <stdint.h>

#include "blkproto.h"

struct proc;
struct msg;

struct blk_io {
	uint8_t op;      /* BLK_OP_READ, BLK_OP_WRITE, BLK_OP_FLUSH */
	uint8_t unit;    /* which disk: a unit number of blkc_start */
	uint64_t sector; /* first 512-byte sector */
	uint8_t nseg;    /* 1..BLK_MAX_SEGS (0 for FLUSH) */
	struct blk_seg seg[BLK_MAX_SEGS];
	void (*done)(struct blk_io *io, int status); /* status 0 or -EIO */
	void *arg;
	/* private: */
	uint32_t tag;
	struct blk_io *next;
};

struct blkc_stats {
	uint64_t reads, writes;   /* requests that completed with status 0 */
	uint64_t sectors;         /* sectors they moved */
	uint64_t errors;          /* requests that completed with -EIO */
};

/* Up to two disks (the file system's and swap), each a "unit" with a
 * driver task of its own. */
#define BLKC_UNITS 2

/* Find the nth bootinfo device with virtio_id 2, make its handle and
 * spawn "blk" with it as unit `unit`: 0, -ENODEV when there is no such
 * disk (or the unit is taken), or the error. */
long blkc_start(long platform_handle, unsigned nth, unsigned unit);
bool blkc_ready(unsigned unit);        /* the driver reported a usable device */
bool blkc_readonly(unsigned unit);     /* ... that refuses writes (VIRTIO_BLK_F_RO) */
uint64_t blkc_capacity(unsigned unit); /* sectors, 0 until ready */
/* cb(0) or cb(-errno) once unit 0's driver reported PG_BLK_READY (or died
 * first: -EIO); only after blkc_start returned 0. Set it before the pager
 * loop runs. blkc_on_ready_unit: the same for any unit, told which. */
void blkc_on_ready(void (*cb)(int status));
void blkc_on_ready_unit(unsigned unit, void (*cb)(unsigned unit, int status));
void blkc_submit(struct blk_io *io);
/* PG_BLK_ATTACH/READY/DONE: from the driver's pid only (EPERM otherwise).
 * Returns whether *m holds a reply, like the other *_call functions. */
bool blkc_call(struct proc *p, struct msg *m);
long blkc_driver_pid(unsigned unit); /* 0 when no driver runs */
bool blkc_is_driver(long pid);        /* pid drives one of the disks */
/* Driver pid died: reset its device, fail every waiting and in-flight io
 * with -EIO; later submits fail at once. Nothing if pid drives no disk. */
void blkc_driver_died(long pid);
const struct blkc_stats *blkc_stats(unsigned unit);

/* vm.c: map frames pa[0..n) at va in p, read-write, in a region of their
 * own; p holds a reference on each until it exits. */
long vm_pin_frames(struct proc *p, uint64_t va, const uint64_t *pa, int n);

#endif /* SERVERS_BLK_BLKC_H */
