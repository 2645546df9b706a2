/*
 * blkc.c (servers/blk/) - the block driver's client inside the root pager
 * (blkc.h): starts the driver task, serves its PG_BLK_* calls, moves ios
 * from a FIFO into the shared ring and finishes them on completion. It
 * never waits for the disk: the pager loop goes on between a submit and
 * its done().
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../pager.h"
#include "blkc.h"
#include "blkc_test.h"

/* Where the pager maps the device's registers, only to reset it when the
 * driver dies (free in the root task's space: below its stack and
 * bootinfo, above the initrd). */
#define BLKC_MMIO_VA 0x3fe0000000ULL
#define VM_STATUS 0x070

enum blkc_state { BLKC_NONE, BLKC_STARTED, BLKC_ATTACHED, BLKC_READY, BLKC_GONE };

static struct {
	enum blkc_state state;
	long dev, driver_pid, notif;
	uint64_t ring_pa, dma_pa[BLK_DMA_PAGES];
	struct blk_ring *ring;
	uint64_t capacity;
	uint32_t tail;                    /* next tag: free-running ring index */
	struct blk_io *slot[BLK_SLOTS];   /* in flight, by tag % BLK_SLOTS */
	struct blk_io *wait_head, *wait_tail;
	void (*on_ready)(int status);
	bool selftest, dead;
	struct blkc_stats stats;
} blkc;

bool blkc_ready(void) { return blkc.state == BLKC_READY; }
uint64_t blkc_capacity(void) { return blkc.state == BLKC_READY ? blkc.capacity : 0; }
void blkc_on_ready(void (*cb)(int status)) { blkc.on_ready = cb; }
long blkc_driver_pid(void) { return blkc.state == BLKC_NONE || blkc.dead ? 0 : blkc.driver_pid; }
const struct blkc_stats *blkc_stats(void) { return &blkc.stats; }

static bool blkc_word(const char *args, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = args; (p = strstr(p, word)); p += n)
		if ((p == args || p[-1] == ' ') && (p[n] == 0 || p[n] == ' '))
			return true;
	return false;
}

long blkc_start(long platform_handle)
{
	const struct bootinfo *bi = libsys_bootinfo;
	uint64_t i, n = bi->ndevs < BOOTINFO_DEVS ? bi->ndevs : BOOTINFO_DEVS;
	for (i = 0; i < n && bi->devs[i].virtio_id != 2; i++)
		;
	if (i == n || blkc.state != BLKC_NONE)
		return -ENODEV;
	long dev = sys_dev_create(platform_handle, (long)i);
	if (dev < 0)
		return -ENODEV;
	const char *argv[] = {"blk", NULL};
	long pid = proc_spawn(NULL, "blk", argv, dev);
	if (pid < 0) {
		sys_handle_close(dev);
		return pid;
	}
	/* Above every process: it runs whenever the device or the pager has
	 * work for it, so the disk is never idle behind a busy program (it
	 * never spins, so it cannot starve anyone). At boot this also lets
	 * it finish setting up before init's first instruction. */
	sys_thread_prio(proc_find(pid)->thread, PRIO_DEFAULT + 1);
	blkc.dev = dev; /* kept: we reset the device if the driver dies */
	blkc.driver_pid = pid;
	blkc.state = BLKC_STARTED;
	blkc.selftest = blkc_word(bi->bootargs, "blktest");
	return 0;
}

/* ---- submission --------------------------------------------------------- */

static void blkc_finish(struct blk_io *io, int status)
{
	if (status) {
		blkc.stats.errors++;
	} else if (io->op == BLK_OP_READ || io->op == BLK_OP_WRITE) {
		*(io->op == BLK_OP_READ ? &blkc.stats.reads : &blkc.stats.writes) += 1;
		for (int i = 0; i < io->nseg; i++)
			blkc.stats.sectors += io->seg[i].len / 512;
	}
	io->done(io, status);
}

/* Waiting ios into free ring slots, in FIFO order; one doorbell. */
static void blkc_pump(void)
{
	uint32_t first = blkc.tail;
	while (blkc.wait_head && !blkc.slot[blkc.tail % BLK_SLOTS]) {
		struct blk_io *io = blkc.wait_head;
		blkc.wait_head = io->next;
		io->tag = blkc.tail;
		struct blk_req *r = &blkc.ring->sq[blkc.tail % BLK_SLOTS];
		*r = (struct blk_req){.tag = io->tag, .op = io->op, .nseg = io->nseg,
				      .sector = io->sector};
		memcpy(r->seg, io->seg, io->nseg * sizeof io->seg[0]);
		blkc.slot[blkc.tail % BLK_SLOTS] = io;
		blkc.tail++;
	}
	if (blkc.tail == first)
		return;
	__atomic_store_n(&blkc.ring->sq_tail, blkc.tail, __ATOMIC_RELEASE);
	sys_notif_signal(blkc.notif, BLK_BIT_DOORBELL);
}

void blkc_submit(struct blk_io *io)
{
	bool gone = blkc.state == BLKC_NONE || blkc.state == BLKC_GONE;
	if (gone || io->nseg > BLK_MAX_SEGS) {
		blkc_finish(io, -EIO);
		return;
	}
	io->next = NULL;
	if (blkc.wait_head)
		blkc.wait_tail->next = io;
	else
		blkc.wait_head = io;
	blkc.wait_tail = io;
	if (blkc.state == BLKC_READY)
		blkc_pump();
}

/* ---- the driver's calls -------------------------------------------------- */

static long blkc_frames(void)
{
	uint64_t *all[] = {&blkc.ring_pa, &blkc.dma_pa[0], &blkc.dma_pa[1], &blkc.dma_pa[2],
			   &blkc.dma_pa[3]};
	_Static_assert(BLK_DMA_PAGES == 4, "one ring frame and the DMA frames");
	for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++) {
		uint64_t pa = frames_alloc(&pg_frames);
		if (!pa) {
			while (i--)
				frame_put(*all[i]);
			return -ENOMEM;
		}
		frame_zero(frames_va(&pg_frames, pa));
		frame_get(pa); /* ours, until the driver is gone */
		*all[i] = pa;
	}
	return 0;
}

/* The ring and DMA frames into the driver (once: a second ATTACH is
 * refused); reply with the DMA addresses. We keep the notification. */
static long blkc_attach(struct proc *p, long notif, struct msg *reply)
{
	if (blkc.state != BLKC_STARTED || notif <= 0 || blkc.ring_pa)
		return -EINVAL;
	long e = blkc_frames();
	if (!e && (vm_pin_frames(p, BLK_RING_VA, &blkc.ring_pa, 1) < 0 ||
		   vm_pin_frames(p, BLK_DMA_VA, blkc.dma_pa, BLK_DMA_PAGES) < 0))
		e = -ENOMEM; /* what was pinned goes when the driver dies */
	if (e)
		return e;
	blkc.ring = frames_va(&pg_frames, blkc.ring_pa);
	blkc.notif = notif;
	blkc.state = BLKC_ATTACHED;
	*reply = (struct msg){.w = {0, blkc.dma_pa[0], blkc.dma_pa[1], blkc.dma_pa[2],
				    blkc.dma_pa[3]}};
	return 0;
}

static void blkc_fail_waiting(void)
{
	while (blkc.wait_head) {
		struct blk_io *io = blkc.wait_head;
		blkc.wait_head = io->next;
		blkc_finish(io, -EIO);
	}
}

/* The device's size is believed only if the ring says the same. */
static long blkc_ready_call(const struct msg *m)
{
	if (blkc.state != BLKC_ATTACHED)
		return -EINVAL;
	long status = (long)m->w[1];
	if (!status && (m->w[0] == 0 || m->w[0] != blkc.ring->capacity))
		status = -EIO;
	if (status > 0 || status < -4095)
		status = -EIO;
	blkc.capacity = status ? 0 : m->w[0];
	blkc.state = status ? BLKC_GONE : BLKC_READY;
	if (status)
		blkc_fail_waiting();
	else
		blkc_pump();
	if (blkc.selftest) /* the scratch disk is the test's alone */
		blkc_selftest((int)status);
	else if (blkc.on_ready)
		blkc.on_ready((int)status);
	return 0;
}

static void blkc_complete(uint64_t word)
{
	uint32_t tag = (uint32_t)word;
	int32_t status = (int32_t)(word >> 32);
	struct blk_io *io = blkc.slot[tag % BLK_SLOTS];
	if (word == BLK_DONE_NONE || !io || io->tag != tag)
		return;
	blkc.slot[tag % BLK_SLOTS] = NULL;
	blkc_finish(io, status == 0 ? 0 : -EIO);
}

static long blkc_done_call(const struct msg *m)
{
	if (blkc.state != BLKC_READY)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		blkc_complete(m->w[i]);
	if (blkc.state == BLKC_READY)
		blkc_pump();
	return 0;
}

bool blkc_call(struct proc *p, struct msg *m)
{
	long e, h = (long)m->handle;
	struct msg reply = {0};
	if (!blkc_driver_pid() || p->pid != blkc.driver_pid)
		e = -EPERM;
	else if (m->label == PG_BLK_ATTACH)
		e = blkc_attach(p, h, &reply);
	else if (m->label == PG_BLK_READY)
		e = blkc_ready_call(m);
	else
		e = blkc_done_call(m);
	if (e < 0 && h > 0)
		sys_handle_close(h); /* a refused ATTACH's notification */
	*m = e < 0 ? (struct msg){.label = (uint64_t)-e} : reply;
	return true;
}

/* ---- the driver's death ------------------------------------------------- */

static bool blkc_mapped;

/* Writing 0 to Status resets the device: it drops its queues and touches
 * no memory afterwards, so the frames can be reused. False if we could
 * not map its registers (the frames must then stay held). */
static bool blkc_reset_device(void)
{
	long e = blkc_mapped ? 0 : sys_dev_map(blkc.dev, BLKC_MMIO_VA);
	if (e < 0) {
		printf("pager: blk: cannot reset the disk after its driver died (error %ld)\n", e);
		return false;
	}
	blkc_mapped = true;
	*(volatile uint32_t *)(BLKC_MMIO_VA + VM_STATUS) = 0;
	__asm__ volatile("fence iorw, iorw" ::: "memory");
	return true;
}

uint32_t blkc_device_status(void)
{
	return blkc_mapped ? *(volatile uint32_t *)(BLKC_MMIO_VA + VM_STATUS) : ~0u;
}

void blkc_driver_died(void)
{
	enum blkc_state was = blkc.state;
	if (!blkc_driver_pid())
		return;
	bool reset = blkc_reset_device();
	blkc.dead = true;
	blkc.state = BLKC_GONE; /* from here submits fail at once */
	if (blkc.notif)
		sys_handle_close(blkc.notif);
	blkc.notif = 0;
	if (blkc.ring_pa && reset) { /* else the device may still write them */
		frame_put(blkc.ring_pa);
		for (int i = 0; i < BLK_DMA_PAGES; i++)
			frame_put(blkc.dma_pa[i]);
		blkc.ring_pa = 0;
		blkc.ring = NULL;
	}
	for (int s = 0; s < BLK_SLOTS; s++) {
		struct blk_io *io = blkc.slot[s];
		blkc.slot[s] = NULL;
		if (io)
			blkc_finish(io, -EIO);
	}
	blkc_fail_waiting();
	if (was == BLKC_STARTED || was == BLKC_ATTACHED) {
		if (blkc.selftest)
			blkc_selftest(-EIO);
		else if (blkc.on_ready)
			blkc.on_ready(-EIO);
	}
}

void blkc_queue_depth(int *inflight, int *waiting)
{
	*inflight = *waiting = 0;
	for (int s = 0; s < BLK_SLOTS; s++)
		*inflight += blkc.slot[s] != NULL;
	for (struct blk_io *io = blkc.wait_head; io; io = io->next)
		++*waiting;
}
