/*
 * blkproto.h (libsys/) - the protocol between the root pager and the
 * virtio-blk driver (servers/blk/), both user tasks. The pager puts
 * requests into a ring page it shares with the driver and signals the
 * driver's notification (BLK_BIT_DOORBELL); the driver reports finished
 * requests with PG_BLK_DONE calls to the pager. The device reads and
 * writes the frames named in a request directly (no bounce copy).
 * Invariants: only the pager writes sq[] and sq_tail; only the driver
 * writes sq_head; a slot is reused only after its request completed.
 */
#ifndef LIBSYS_BLKPROTO_H
#define LIBSYS_BLKPROTO_H

#include <stdint.h>

/* Fixed addresses in the driver's space (above USER_STACK_TOP). */
#define BLK_MMIO_VA 0x3ff0000000ULL /* the device's register page */
#define BLK_RING_VA 0x3ff0010000ULL /* struct blk_ring, shared with the pager */
#define BLK_DMA_VA 0x3ff0020000ULL  /* BLK_DMA_PAGES pinned frames for virtqueues */
#define BLK_DMA_PAGES 4

#define BLK_BIT_IRQ 1ULL      /* driver notification: the device interrupted */
#define BLK_BIT_DOORBELL 2ULL /* driver notification: new requests in the ring */

#define BLK_OP_READ 0
#define BLK_OP_WRITE 1
#define BLK_OP_FLUSH 4

#define BLK_MAX_SEGS 16 /* frames per request (64 KiB) */
#define BLK_SLOTS 14    /* ring slots: the queue depth the pager may use */

struct blk_seg {
	uint64_t pa;  /* 512-byte aligned physical address */
	uint32_t len; /* multiple of 512, at most 4096, within one frame */
	uint32_t pad;
};

struct blk_req {
	uint32_t tag; /* the pager's, echoed in the completion */
	uint8_t op;   /* BLK_OP_* */
	uint8_t nseg; /* 1..BLK_MAX_SEGS (0 for FLUSH) */
	uint16_t pad;
	uint64_t sector; /* first 512-byte sector */
	struct blk_seg seg[BLK_MAX_SEGS];
};

struct blk_ring {
	volatile uint32_t sq_head, sq_tail; /* free-running; slot = index % BLK_SLOTS */
	volatile uint64_t capacity;         /* sectors; written by the driver at attach */
	struct blk_req sq[BLK_SLOTS];
};
_Static_assert(sizeof(struct blk_ring) <= 4096, "the ring is one page");

/* A completion word of PG_BLK_DONE: tag | (uint32_t)status << 32, status 0
 * or a negative errno (-EIO). Up to six per call; unused words are ~0. */
#define BLK_DONE_WORD(tag, status) ((uint64_t)(tag) | ((uint64_t)(uint32_t)(status) << 32))
#define BLK_DONE_NONE (~0ULL)

#endif /* LIBSYS_BLKPROTO_H */
