/*
 * blk.c (servers/blk/) - the virtio-blk driver: a user task the root pager
 * starts at boot, holding one device handle (its only authority beyond
 * its own memory and the pager endpoint). It drives the device through
 * the MODERN virtio-mmio interface (Version 2), takes requests from the
 * ring page it shares with the pager (libsys/blkproto.h) into one split
 * virtqueue, and reports completions with PG_BLK_DONE calls. It sleeps in
 * sys_notif_wait between events: never a busy-wait.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "blkproto.h"
#include "libsys.h"

/* virtio-mmio registers (virtio 1.x, 4.2.2), byte offsets. */
#define VM_MAGIC 0x000
#define VM_VERSION 0x004
#define VM_DEVICE_ID 0x008
#define VM_DEV_FEATURES 0x010
#define VM_DEV_FEATURES_SEL 0x014
#define VM_DRV_FEATURES 0x020
#define VM_DRV_FEATURES_SEL 0x024
#define VM_QUEUE_SEL 0x030
#define VM_QUEUE_NUM_MAX 0x034
#define VM_QUEUE_NUM 0x038
#define VM_QUEUE_READY 0x044
#define VM_QUEUE_NOTIFY 0x050
#define VM_INT_STATUS 0x060
#define VM_INT_ACK 0x064
#define VM_STATUS 0x070
#define VM_QUEUE_DESC 0x080   /* low, high at +4 */
#define VM_QUEUE_DRIVER 0x090 /* the available ring */
#define VM_QUEUE_DEVICE 0x0a0 /* the used ring */
#define VM_CONFIG_GEN 0x0fc
#define VM_CONFIG 0x100 /* virtio_blk_config: le64 capacity first */

#define VIRTIO_MAGIC 0x74726976 /* "virt" */
#define ST_ACKNOWLEDGE 1u
#define ST_DRIVER 2u
#define ST_DRIVER_OK 4u
#define ST_FEATURES_OK 8u
#define ST_NEEDS_RESET 64u
#define ST_FAILED 128u

#define F_BLK_RO (1ULL << 5)
#define F_BLK_FLUSH (1ULL << 9)
#define F_VERSION_1 (1ULL << 32)
#define F_WANTED (F_VERSION_1 | F_BLK_FLUSH) /* all we accept */

#define VQ_MAX 256 /* 16-byte descriptors: the table fills DMA page 0 */
#define VQ_MIN (BLK_MAX_SEGS + 2) /* the largest request's chain */
#define D_NEXT 1
#define D_WRITE 2 /* the device writes this buffer */
#define VBLK_S_OK 0

struct vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};
struct vq_avail {
	uint16_t flags, idx, ring[VQ_MAX];
};
struct vq_used {
	uint16_t flags, idx;
	struct {
		uint32_t id, len;
	} ring[VQ_MAX];
};
struct vblk_hdr {
	uint32_t type, reserved;
	uint64_t sector;
};

/* DMA pages: 0 descriptors, 1 available ring, 2 used ring, 3 request
 * headers (16 bytes per slot) then status bytes (from offset 256). */
#define DMA_PAGE(i) ((uint8_t *)BLK_DMA_VA + (i) * 4096)
#define HDR_OFF 0
#define STATUS_OFF 256

/* One request the device holds: its chain's head and length. */
struct blk_slot {
	bool busy;
	uint32_t tag;
	uint16_t head, ndesc;
};

static struct {
	long pager, notif, dev;
	uint64_t dma_pa[BLK_DMA_PAGES];
	uint64_t capacity;
	bool broken, readonly, has_flush;
	uint16_t qsize, free_head, nfree, avail_idx, used_idx;
	uint8_t head_slot[VQ_MAX]; /* chain head -> slot */
	struct blk_slot slot[BLK_SLOTS];
	uint64_t done[6];
	int ndone;
} blk;

static struct blk_ring *const blk_ring = (struct blk_ring *)BLK_RING_VA;
static struct vq_desc *const blk_desc = (struct vq_desc *)DMA_PAGE(0);
static struct vq_avail *const blk_avail = (struct vq_avail *)DMA_PAGE(1);
static struct vq_used *const blk_used = (struct vq_used *)DMA_PAGE(2);
static struct vblk_hdr *const blk_hdr = (struct vblk_hdr *)(DMA_PAGE(3) + HDR_OFF);
static volatile uint8_t *const blk_status = DMA_PAGE(3) + STATUS_OFF;

static uint32_t reg_rd(unsigned off) { return *(volatile uint32_t *)(BLK_MMIO_VA + off); }
static void reg_wr(unsigned off, uint32_t v) { *(volatile uint32_t *)(BLK_MMIO_VA + off) = v; }
static void reg_wr64(unsigned off, uint64_t v)
{
	reg_wr(off, (uint32_t)v);
	reg_wr(off + 4, (uint32_t)(v >> 32));
}

/* Memory the device reads must be written before the register store that
 * tells it so, and its writes seen before we read what it wrote. */
static void io_fence(void) { __asm__ volatile("fence iorw, iorw" ::: "memory"); }

/* ---- completions -------------------------------------------------------- */

static void blk_done_flush(void)
{
	if (!blk.ndone)
		return;
	struct msg m = {.label = PG_BLK_DONE};
	for (int i = 0; i < 6; i++)
		m.w[i] = i < blk.ndone ? blk.done[i] : BLK_DONE_NONE;
	blk.ndone = 0;
	sys_call(blk.pager, &m); /* the pager never blocks: it answers at once */
}

static void blk_done(uint32_t tag, int status)
{
	blk.done[blk.ndone++] = BLK_DONE_WORD(tag, status);
	if (blk.ndone == 6)
		blk_done_flush();
}

/* ---- device set-up ------------------------------------------------------ */

static uint64_t blk_dev_features(void)
{
	reg_wr(VM_DEV_FEATURES_SEL, 1);
	uint64_t hi = reg_rd(VM_DEV_FEATURES);
	reg_wr(VM_DEV_FEATURES_SEL, 0);
	return hi << 32 | reg_rd(VM_DEV_FEATURES);
}

/* Status handshake and feature negotiation (virtio 1.x, 3.1.1). */
static long blk_negotiate(void)
{
	if (reg_rd(VM_MAGIC) != VIRTIO_MAGIC || reg_rd(VM_VERSION) != 2 ||
	    reg_rd(VM_DEVICE_ID) != 2)
		return -ENODEV; /* not a block device, or the legacy interface */
	reg_wr(VM_STATUS, 0);
	if (reg_rd(VM_STATUS) != 0)
		return -EIO; /* reset is immediate on QEMU; we do not spin */
	reg_wr(VM_STATUS, ST_ACKNOWLEDGE);
	reg_wr(VM_STATUS, ST_ACKNOWLEDGE | ST_DRIVER);
	uint64_t offered = blk_dev_features();
	if (!(offered & F_VERSION_1))
		return -ENODEV;
	uint64_t take = offered & F_WANTED;
	reg_wr(VM_DRV_FEATURES_SEL, 0);
	reg_wr(VM_DRV_FEATURES, (uint32_t)take);
	reg_wr(VM_DRV_FEATURES_SEL, 1);
	reg_wr(VM_DRV_FEATURES, (uint32_t)(take >> 32));
	reg_wr(VM_STATUS, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK);
	if (!(reg_rd(VM_STATUS) & ST_FEATURES_OK))
		return -ENODEV;
	/* RO is not negotiated but still binding: we refuse writes ourselves. */
	blk.readonly = offered & F_BLK_RO;
	blk.has_flush = take & F_BLK_FLUSH;
	return 0;
}

/* The capacity, read twice over the config generation (a 64-bit field in
 * two 32-bit reads could tear). */
static uint64_t blk_read_capacity(void)
{
	uint32_t gen, lo, hi;
	int tries = 0;
	do {
		gen = reg_rd(VM_CONFIG_GEN);
		lo = reg_rd(VM_CONFIG);
		hi = reg_rd(VM_CONFIG + 4);
	} while (gen != reg_rd(VM_CONFIG_GEN) && ++tries < 4);
	return (uint64_t)hi << 32 | lo;
}

/* Queue 0: the largest power of two <= min(QueueNumMax, VQ_MAX), the
 * descriptors on one free list linked through next. */
static long blk_queue_setup(void)
{
	reg_wr(VM_QUEUE_SEL, 0);
	uint32_t max = reg_rd(VM_QUEUE_NUM_MAX);
	if (reg_rd(VM_QUEUE_READY) != 0 || max < VQ_MIN)
		return -ENODEV;
	uint16_t q = VQ_MAX;
	while (q > max)
		q /= 2;
	blk.qsize = q;
	for (uint16_t i = 0; i < q; i++)
		blk_desc[i].next = (uint16_t)(i + 1);
	blk.free_head = 0;
	blk.nfree = q;
	reg_wr(VM_QUEUE_NUM, q);
	reg_wr64(VM_QUEUE_DESC, blk.dma_pa[0]);
	reg_wr64(VM_QUEUE_DRIVER, blk.dma_pa[1]);
	reg_wr64(VM_QUEUE_DEVICE, blk.dma_pa[2]);
	io_fence();
	reg_wr(VM_QUEUE_READY, 1);
	return 0;
}

static long blk_device_init(void)
{
	long e = blk_negotiate();
	if (!e)
		e = blk_queue_setup();
	if (e) {
		reg_wr(VM_STATUS, ST_FAILED);
		return e;
	}
	blk.capacity = blk_read_capacity();
	reg_wr(VM_STATUS, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
	if (reg_rd(VM_STATUS) & (ST_NEEDS_RESET | ST_FAILED))
		return -EIO;
	return 0;
}

/* ---- requests ----------------------------------------------------------- */

/* Everything the pager claims in a request, checked before the device
 * sees it: op, segment count, each segment's alignment and length, and
 * the sector range against the capacity. */
static bool blk_req_ok(const struct blk_req *r)
{
	if (r->op == BLK_OP_FLUSH)
		return r->nseg == 0;
	if ((r->op != BLK_OP_READ && r->op != BLK_OP_WRITE) || r->nseg < 1 ||
	    r->nseg > BLK_MAX_SEGS || (r->op == BLK_OP_WRITE && blk.readonly))
		return false;
	uint64_t bytes = 0;
	for (int i = 0; i < r->nseg; i++) {
		const struct blk_seg *s = &r->seg[i];
		if ((s->pa & 511) || (s->len & 511) || s->len == 0 || s->len > 4096 ||
		    (s->pa & 4095) + s->len > 4096)
			return false;
		bytes += s->len;
	}
	return r->sector < blk.capacity && bytes / 512 <= blk.capacity - r->sector;
}

static uint16_t blk_desc_take(uint64_t pa, uint32_t len, uint16_t flags)
{
	uint16_t d = blk.free_head;
	blk.free_head = blk_desc[d].next;
	blk.nfree--;
	blk_desc[d] = (struct vq_desc){.addr = pa, .len = len, .flags = flags};
	return d;
}

/* Chain header, segments, status byte for slot s; publish it. */
static void blk_submit(int s, const struct blk_req *r)
{
	uint64_t page3 = blk.dma_pa[3];
	uint16_t data = r->op == BLK_OP_READ ? D_WRITE : 0;
	blk_hdr[s] = (struct vblk_hdr){.type = r->op, .sector = r->op == BLK_OP_FLUSH ? 0 : r->sector};
	blk_status[s] = 0xff;
	uint16_t head = blk_desc_take(page3 + HDR_OFF + 16 * (uint64_t)s, 16, D_NEXT), prev = head;
	for (int i = 0; i < r->nseg; i++) {
		uint16_t d = blk_desc_take(r->seg[i].pa, r->seg[i].len, data | D_NEXT);
		blk_desc[prev].next = d;
		prev = d;
	}
	uint16_t st = blk_desc_take(page3 + STATUS_OFF + (uint64_t)s, 1, D_WRITE);
	blk_desc[prev].next = st;
	blk.slot[s] = (struct blk_slot){true, r->tag, head, (uint16_t)(r->nseg + 2)};
	blk.head_slot[head] = (uint8_t)s;
	blk_avail->ring[blk.avail_idx % blk.qsize] = head;
	io_fence(); /* the chain and ring entry before the index */
	blk_avail->idx = ++blk.avail_idx;
}

static int blk_free_slot(void)
{
	for (int s = 0; s < BLK_SLOTS; s++)
		if (!blk.slot[s].busy)
			return s;
	return -1;
}

/* Move requests from the ring into the virtqueue while a slot and the
 * descriptors for the largest request are free. Bad requests, and every
 * request of a broken device, complete at once with -EIO. */
static bool blk_room(int *s)
{
	*s = blk_free_slot();
	return blk.broken || (*s >= 0 && blk.nfree >= VQ_MIN);
}

static void blk_take(void)
{
	uint32_t head = blk_ring->sq_head, tail = __atomic_load_n(&blk_ring->sq_tail, __ATOMIC_ACQUIRE);
	bool queued = false;
	int s;
	while (head != tail && blk_room(&s)) {
		struct blk_req r = blk_ring->sq[head % BLK_SLOTS]; /* a copy: checked, then used */
		__atomic_store_n(&blk_ring->sq_head, ++head, __ATOMIC_RELEASE);
		if (blk.broken || !blk_req_ok(&r)) {
			blk_done(r.tag, -EIO);
		} else if (r.op == BLK_OP_FLUSH && !blk.has_flush) {
			blk_done(r.tag, 0); /* no volatile cache to flush */
		} else {
			blk_submit(s, &r);
			queued = true;
		}
	}
	if (queued) {
		io_fence();
		reg_wr(VM_QUEUE_NOTIFY, 0);
	}
}

static void blk_chain_free(const struct blk_slot *sl)
{
	uint16_t d = sl->head;
	for (int i = 1; i < sl->ndesc; i++)
		d = blk_desc[d].next;
	blk_desc[d].next = blk.free_head; /* d is the chain's last */
	blk.free_head = sl->head;
	blk.nfree = (uint16_t)(blk.nfree + sl->ndesc);
}

/* The device stopped being usable: reset it (it stops touching memory),
 * and fail what it held. From now on every request fails with -EIO. */
static void blk_break(void)
{
	reg_wr(VM_STATUS, 0);
	blk.broken = true;
	for (int s = 0; s < BLK_SLOTS; s++) {
		if (blk.slot[s].busy)
			blk_done(blk.slot[s].tag, -EIO);
		blk.slot[s].busy = false;
	}
}

/* The used ring: each entry names a chain head; anything that is not the
 * head of a chain we submitted means the device is not to be trusted. */
static void blk_reap(void)
{
	uint16_t idx = __atomic_load_n(&blk_used->idx, __ATOMIC_ACQUIRE);
	io_fence();
	while (blk.used_idx != idx) {
		uint32_t id = blk_used->ring[blk.used_idx % blk.qsize].id;
		blk.used_idx++;
		int s = id < blk.qsize ? blk.head_slot[id] : -1;
		if (s < 0 || s >= BLK_SLOTS || !blk.slot[s].busy || blk.slot[s].head != id) {
			blk_break();
			return;
		}
		blk.slot[s].busy = false;
		blk_chain_free(&blk.slot[s]);
		blk_done(blk.slot[s].tag, blk_status[s] == VBLK_S_OK ? 0 : -EIO);
	}
}

/* Interrupt: acknowledge at the device first (a completion after this
 * raises a new interrupt), then read the used ring, then let the kernel
 * deliver the next one. */
static void blk_irq(void)
{
	uint32_t why = reg_rd(VM_INT_STATUS);
	reg_wr(VM_INT_ACK, why);
	if (!blk.broken && (reg_rd(VM_STATUS) & ST_NEEDS_RESET))
		blk_break();
	if (!blk.broken)
		blk_reap();
	sys_dev_ack(blk.dev);
}

/* ---- start-up ----------------------------------------------------------- */

/* Our notification (signal-only copy to the pager), the shared pages, the
 * registers and the interrupt. */
static long blk_attach(void)
{
	long q = pager_quota(KQ_NOTIF, 1); /* processes start with none */
	blk.notif = q < 0 ? q : sys_notif_create();
	long give = blk.notif < 0 ? blk.notif : sys_handle_dup(blk.notif, R_SEND | R_XFER, 0);
	if (give < 0)
		return -ENOMEM;
	struct msg m = {.label = PG_BLK_ATTACH, .handle = (uint64_t)give};
	long e = sys_call(blk.pager, &m);
	sys_handle_close(give); /* the pager holds its own copy */
	if (e < 0 || m.label)
		return -EIO;
	for (int i = 0; i < BLK_DMA_PAGES; i++) {
		blk.dma_pa[i] = m.w[1 + i];
		if (!blk.dma_pa[i] || (blk.dma_pa[i] & 4095))
			return -EIO;
	}
	if (sys_dev_map(blk.dev, BLK_MMIO_VA) < 0 ||
	    sys_dev_irq(blk.dev, blk.notif, BLK_BIT_IRQ) < 0)
		return -ENODEV;
	return 0;
}

int main(void)
{
	blk.pager = (long)libsys_startinfo->pager;
	blk.dev = pager_startup_handle();
	long e = blk.dev > 0 ? blk_attach() : -ENODEV;
	bool attached = !e;
	if (attached)
		e = blk_device_init();
	if (attached)
		blk_ring->capacity = e ? 0 : blk.capacity;
	struct msg m = {.label = PG_BLK_READY,
			.w = {e ? 0 : blk.capacity, (uint64_t)e, blk.readonly ? PG_BLK_RO : 0}};
	sys_call(blk.pager, &m);
	if (!attached)
		return 1; /* no ring to serve: the pager fails every request */
	blk.broken = e != 0;
	for (;;) {
		long bits = sys_notif_wait(blk.notif);
		if (bits < 0)
			return 1; /* our notification is gone: nothing can wake us */
		if ((bits & (long)BLK_BIT_IRQ) && !blk.broken)
			blk_irq();
		blk_take();
		blk_done_flush();
	}
}
