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
 */
#ifndef ARCH_DTB_H
#define ARCH_DTB_H

#include <stdint.h>

#define DTB_MAX_DEPTH 8

struct dtb_info {
	uint64_t mem_base, mem_size;        /* first /memory reg entry */
	uint64_t initrd_start, initrd_end;  /* /chosen linux,initrd-start/-end (32- or 64-bit cells); 0 if absent */
	uint64_t uart_base;                 /* node compatible "ns16550a"; 0 if absent */
	uint64_t plic_base;                 /* compatible "riscv,plic0" or "sifive,plic-1.0.0" */
	uint32_t plic_ndev;                 /* riscv,ndev */
	uint64_t test_base;                 /* compatible contains "sifive,test0" (QEMU finisher) */
	uint64_t timebase_hz;               /* /cpus timebase-frequency */
	uint32_t nharts;                    /* number of /cpus/cpu@N nodes (device_type "cpu") */
	char bootargs[256];                 /* /chosen bootargs, NUL-terminated, truncated */
	char isa[128];                      /* riscv,isa of the first cpu node */
};

/* 0 ok; -1 bad magic/version/bounds or malformed structure block. */
int dtb_parse(const void *blob, uint64_t max_size, struct dtb_info *out);

#endif /* ARCH_DTB_H */
