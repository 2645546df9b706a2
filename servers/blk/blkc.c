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

struct blkc_unit {
	enum blkc_state state;
	long dev, driver_pid, notif;
	uint64_t ring_pa, dma_pa[BLK_DMA_PAGES];
	struct blk_ring *ring;
	uint64_t capacity;
	uint32_t tail;                    /* next tag: free-running ring index */
	struct blk_io *slot[BLK_SLOTS];   /* in flight, by tag % BLK_SLOTS */
	struct blk_io *wait_head, *wait_tail;
	void (*on_ready)(int status);
	void (*on_ready_unit)(unsigned unit, int status);
	bool selftest, dead, mapped, readonly;
	struct blkc_stats stats;
};

static struct blkc_unit units[BLKC_UNITS];

bool blkc_ready(unsigned u) { return u < BLKC_UNITS && units[u].state == BLKC_READY; }
uint64_t blkc_capacity(unsigned u) { return blkc_ready(u) ? units[u].capacity : 0; }
bool blkc_readonly(unsigned u) { return blkc_ready(u) && units[u].readonly; }
void blkc_on_ready(void (*cb)(int status)) { units[0].on_ready = cb; }
void blkc_on_ready_unit(unsigned u, void (*cb)(unsigned unit, int status))
{
	units[u].on_ready_unit = cb;
}
static long unit_pid(const struct blkc_unit *b)
{
	return b->state == BLKC_NONE || b->dead ? 0 : b->driver_pid;
}
long blkc_driver_pid(unsigned u) { return u < BLKC_UNITS ? unit_pid(&units[u]) : 0; }
bool blkc_is_driver(long pid)
{
	for (unsigned u = 0; u < BLKC_UNITS; u++)
		if (pid && unit_pid(&units[u]) == pid)
			return true;
	return false;
}
const struct blkc_stats *blkc_stats(unsigned u) { return &units[u].stats; }

static bool blkc_word(const char *args, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = args; (p = strstr(p, word)); p += n)
		if ((p == args || p[-1] == ' ') && (p[n] == 0 || p[n] == ' '))
			return true;
	return false;
}

/* The nth virtio-blk device of the bootinfo list, as unit `unit`. */
long blkc_start(long platform_handle, unsigned nth, unsigned unit)
{
	const struct bootinfo *bi = libsys_bootinfo;
	uint64_t i, n = bi->ndevs < BOOTINFO_DEVS ? bi->ndevs : BOOTINFO_DEVS;
	for (i = 0; i < n; i++)
		if (bi->devs[i].virtio_id == 2 && nth-- == 0)
			break;
	if (i == n || unit >= BLKC_UNITS || units[unit].state != BLKC_NONE)
		return -ENODEV;
	struct blkc_unit *b = &units[unit];
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
	b->dev = dev; /* kept: we reset the device if the driver dies */
	b->driver_pid = pid;
	b->state = BLKC_STARTED;
	b->selftest = unit == 0 && blkc_word(bi->bootargs, "blktest");
	return 0;
}

/* ---- submission --------------------------------------------------------- */

static void blkc_finish(struct blkc_unit *b, struct blk_io *io, int status)
{
	if (status) {
		b->stats.errors++;
	} else if (io->op == BLK_OP_READ || io->op == BLK_OP_WRITE) {
		*(io->op == BLK_OP_READ ? &b->stats.reads : &b->stats.writes) += 1;
		for (int i = 0; i < io->nseg; i++)
			b->stats.sectors += io->seg[i].len / 512;
	}
	io->done(io, status);
}

/* Waiting ios into free ring slots, in FIFO order; one doorbell. */
static void blkc_pump(struct blkc_unit *b)
{
	uint32_t first = b->tail;
	while (b->wait_head && !b->slot[b->tail % BLK_SLOTS]) {
		struct blk_io *io = b->wait_head;
		b->wait_head = io->next;
		io->tag = b->tail;
		struct blk_req *r = &b->ring->sq[b->tail % BLK_SLOTS];
		*r = (struct blk_req){.tag = io->tag, .op = io->op, .nseg = io->nseg,
				      .sector = io->sector};
		memcpy(r->seg, io->seg, io->nseg * sizeof io->seg[0]);
		b->slot[b->tail % BLK_SLOTS] = io;
		b->tail++;
	}
	if (b->tail == first)
		return;
	__atomic_store_n(&b->ring->sq_tail, b->tail, __ATOMIC_RELEASE);
	sys_notif_signal(b->notif, BLK_BIT_DOORBELL);
}

void blkc_submit(struct blk_io *io)
{
	struct blkc_unit *b = &units[io->unit < BLKC_UNITS ? io->unit : 0];
	bool gone = b->state == BLKC_NONE || b->state == BLKC_GONE;
	if (gone || io->unit >= BLKC_UNITS || io->nseg > BLK_MAX_SEGS) {
		blkc_finish(b, io, -EIO);
		return;
	}
	io->next = NULL;
	if (b->wait_head)
		b->wait_tail->next = io;
	else
		b->wait_head = io;
	b->wait_tail = io;
	if (b->state == BLKC_READY)
		blkc_pump(b);
}

/* ---- the driver's calls -------------------------------------------------- */

static long blkc_frames(struct blkc_unit *b)
{
	uint64_t *all[] = {&b->ring_pa, &b->dma_pa[0], &b->dma_pa[1], &b->dma_pa[2],
			   &b->dma_pa[3]};
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
static long blkc_attach(struct blkc_unit *b, struct proc *p, long notif, struct msg *reply)
{
	if (b->state != BLKC_STARTED || notif <= 0 || b->ring_pa)
		return -EINVAL;
	long e = blkc_frames(b);
	if (!e && (vm_pin_frames(p, BLK_RING_VA, &b->ring_pa, 1) < 0 ||
		   vm_pin_frames(p, BLK_DMA_VA, b->dma_pa, BLK_DMA_PAGES) < 0))
		e = -ENOMEM; /* what was pinned goes when the driver dies */
	if (e)
		return e;
	b->ring = frames_va(&pg_frames, b->ring_pa);
	b->notif = notif;
	b->state = BLKC_ATTACHED;
	*reply = (struct msg){.w = {0, b->dma_pa[0], b->dma_pa[1], b->dma_pa[2], b->dma_pa[3]}};
	return 0;
}

static void blkc_fail_waiting(struct blkc_unit *b)
{
	while (b->wait_head) {
		struct blk_io *io = b->wait_head;
		b->wait_head = io->next;
		blkc_finish(b, io, -EIO);
	}
}

static void blkc_tell_ready(struct blkc_unit *b, int status)
{
	if (b->selftest) /* the scratch disk is the test's alone */
		blkc_selftest(status);
	else if (b->on_ready)
		b->on_ready(status);
	else if (b->on_ready_unit)
		b->on_ready_unit((unsigned)(b - units), status);
}

/* The device's size is believed only if the ring says the same. */
static long blkc_ready_call(struct blkc_unit *b, const struct msg *m)
{
	if (b->state != BLKC_ATTACHED)
		return -EINVAL;
	long status = (long)m->w[1];
	if (!status && (m->w[0] == 0 || m->w[0] != b->ring->capacity))
		status = -EIO;
	if (status > 0 || status < -4095)
		status = -EIO;
	b->capacity = status ? 0 : m->w[0];
	b->readonly = (m->w[2] & PG_BLK_RO) != 0; /* a claim, but one that only restricts us */
	b->state = status ? BLKC_GONE : BLKC_READY;
	if (status)
		blkc_fail_waiting(b);
	else
		blkc_pump(b);
	blkc_tell_ready(b, (int)status);
	return 0;
}

static void blkc_complete(struct blkc_unit *b, uint64_t word)
{
	uint32_t tag = (uint32_t)word;
	int32_t status = (int32_t)(word >> 32);
	struct blk_io *io = b->slot[tag % BLK_SLOTS];
	if (word == BLK_DONE_NONE || !io || io->tag != tag)
		return;
	b->slot[tag % BLK_SLOTS] = NULL;
	blkc_finish(b, io, status == 0 ? 0 : -EIO);
}

static long blkc_done_call(struct blkc_unit *b, const struct msg *m)
{
	if (b->state != BLKC_READY)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		blkc_complete(b, m->w[i]);
	if (b->state == BLKC_READY)
		blkc_pump(b);
	return 0;
}

static struct blkc_unit *blkc_unit_of(long pid)
{
	for (unsigned u = 0; u < BLKC_UNITS; u++)
		if (pid && unit_pid(&units[u]) == pid)
			return &units[u];
	return NULL;
}

bool blkc_call(struct proc *p, struct msg *m)
{
	long e, h = (long)m->handle;
	struct msg reply = {0};
	struct blkc_unit *b = blkc_unit_of(p->pid);
	if (!b)
		e = -EPERM;
	else if (m->label == PG_BLK_ATTACH)
		e = blkc_attach(b, p, h, &reply);
	else if (m->label == PG_BLK_READY)
		e = blkc_ready_call(b, m);
	else
		e = blkc_done_call(b, m);
	if (e < 0 && h > 0)
		sys_handle_close(h); /* a refused ATTACH's notification */
	*m = e < 0 ? (struct msg){.label = (uint64_t)-e} : reply;
	return true;
}

/* ---- the driver's death ------------------------------------------------- */

/* Where the pager maps a unit's registers, only to reset it. */
static uint64_t blkc_mmio_va(const struct blkc_unit *b)
{
	return BLKC_MMIO_VA + (uint64_t)(b - units) * 0x1000;
}

/* Writing 0 to Status resets the device: it drops its queues and touches
 * no memory afterwards, so the frames can be reused. False if we could
 * not map its registers (the frames must then stay held). */
static bool blkc_reset_device(struct blkc_unit *b)
{
	long e = b->mapped ? 0 : sys_dev_map(b->dev, blkc_mmio_va(b));
	if (e < 0) {
		printf("pager: blk: cannot reset the disk after its driver died (error %ld)\n", e);
		return false;
	}
	b->mapped = true;
	*(volatile uint32_t *)(blkc_mmio_va(b) + VM_STATUS) = 0;
	__asm__ volatile("fence iorw, iorw" ::: "memory");
	return true;
}

uint32_t blkc_device_status(void)
{
	struct blkc_unit *b = &units[0];
	return b->mapped ? *(volatile uint32_t *)(blkc_mmio_va(b) + VM_STATUS) : ~0u;
}

void blkc_driver_died(long pid)
{
	struct blkc_unit *b = blkc_unit_of(pid);
	if (!b)
		return;
	enum blkc_state was = b->state;
	bool reset = blkc_reset_device(b);
	b->dead = true;
	b->state = BLKC_GONE; /* from here submits fail at once */
	if (b->notif)
		sys_handle_close(b->notif);
	b->notif = 0;
	if (b->ring_pa && reset) { /* else the device may still write them */
		frame_put(b->ring_pa);
		for (int i = 0; i < BLK_DMA_PAGES; i++)
			frame_put(b->dma_pa[i]);
		b->ring_pa = 0;
		b->ring = NULL;
	}
	for (int s = 0; s < BLK_SLOTS; s++) {
		struct blk_io *io = b->slot[s];
		b->slot[s] = NULL;
		if (io)
			blkc_finish(b, io, -EIO);
	}
	blkc_fail_waiting(b);
	if (was == BLKC_STARTED || was == BLKC_ATTACHED)
		blkc_tell_ready(b, -EIO);
}

void blkc_queue_depth(int *inflight, int *waiting)
{
	struct blkc_unit *b = &units[0];
	*inflight = *waiting = 0;
	for (int s = 0; s < BLK_SLOTS; s++)
		*inflight += b->slot[s] != NULL;
	for (struct blk_io *io = b->wait_head; io; io = io->next)
		++*waiting;
}
