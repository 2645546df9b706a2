/*
 * dtb.h - flattened device tree (FDT v17) parser: pulls the few facts the
 * kernel needs at boot out of the blob firmware hands us in a1.
 * Layer: arch (boot-time platform discovery); pure logic, no allocation.
 *
 * Invariants:
 *  - dtb_parse never reads outside [blob, blob + min(totalsize, max_size));
 *    totalsize must be <= max_size or the blob is rejected.
 *  - On success every field of *out is set: absent facts are 0 / "".
 *  - bootargs and isa are always NUL-terminated (truncated if too long).
 *  - reg addresses are taken as-is from the node (no "ranges" translation;
 *    QEMU virt uses identity "ranges" on /soc).
 *  - Nodes nested deeper than DTB_MAX_DEPTH are skipped, not rejected.
 *  - virtio[] lists the first DTB_MAX_VIRTIO "virtio,mmio" nodes with a
 *    reg, in tree order, unchecked: dtb_virtio_filter then drops every one
 *    a task must not be able to map (see there).
 */
#ifndef ARCH_DTB_H
#define ARCH_DTB_H

#include <stdint.h>

#define DTB_MAX_DEPTH 8
#define DTB_MAX_VIRTIO 8
#define DTB_PAGE 4096u

/* A device node: registers [base, base + size), its first interrupt. */
struct dtb_dev {
	uint64_t base, size;
	uint32_t irq; /* first cell of "interrupts"; 0 if absent */
};

/* A physical range [base, end) that no device may overlap. */
struct dtb_range {
	uint64_t base, end;
};

struct dtb_info {
	uint64_t mem_base, mem_size;        /* first /memory reg entry */
	uint64_t initrd_start, initrd_end;  /* /chosen linux,initrd-start/-end (32- or 64-bit cells); 0 if absent */
	uint64_t uart_base;                 /* node compatible "ns16550a"; 0 if absent */
	uint64_t plic_base;                 /* compatible "riscv,plic0" or "sifive,plic-1.0.0" */
	uint32_t plic_ndev;                 /* riscv,ndev */
	uint64_t plic_size;                 /* its reg size */
	uint64_t test_base;                 /* compatible contains "sifive,test0" (QEMU finisher) */
	uint64_t timebase_hz;               /* /cpus timebase-frequency */
	uint32_t nharts;                    /* number of /cpus/cpu@N nodes (device_type "cpu") */
	char bootargs[256];                 /* /chosen bootargs, NUL-terminated, truncated */
	char isa[128];                      /* riscv,isa of the first cpu node */
	struct dtb_dev virtio[DTB_MAX_VIRTIO]; /* compatible "virtio,mmio" */
	uint32_t nvirtio;
	uint32_t virtio_extra;              /* such nodes past DTB_MAX_VIRTIO, ignored */
};

/* 0 ok; -1 bad magic/version/bounds or malformed structure block. */
int dtb_parse(const void *blob, uint64_t max_size, struct dtb_info *out);

/* Why dtb_virtio_filter dropped a device. */
enum dtb_drop {
	DTB_KEEP = 0,       /* not dropped */
	DTB_DROP_SHAPE, /* base not page aligned, size 0 or over one page */
	DTB_DROP_LIMIT,     /* its page ends above pa_limit */
	DTB_DROP_RAM,       /* overlaps the /memory range */
	DTB_DROP_RESERVED,  /* overlaps one of the reserved ranges */
	DTB_DROP_DUP,       /* same page as an earlier device */
};
typedef void (*dtb_drop_fn)(const struct dtb_dev *dev, enum dtb_drop why, void *ctx);

/* Keep in d->virtio (compacted, order kept) only the devices a task may be
 * given to map: one whole page of their own, below pa_limit, overlapping
 * neither RAM (d->mem_base/size) nor any of the nres reserved ranges (the
 * kernel image, devices the kernel keeps). drop (may be NULL) hears about
 * each one removed. Returns the new d->nvirtio. */
uint32_t dtb_virtio_filter(struct dtb_info *d, uint64_t pa_limit, const struct dtb_range *res,
			   unsigned nres, dtb_drop_fn drop, void *ctx);

#endif /* ARCH_DTB_H */
