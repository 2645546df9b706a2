/*
 * test_dtb.c - host unit tests for arch/dtb.c, the FDT parser.
 * Layer: tests/host. Builds QEMU-virt-like blobs by hand with a tiny FDT
 * writer, checks every extracted field exactly, then feeds truncated,
 * corrupted and randomly mutated blobs in exact-size heap buffers (so
 * ASan flags any out-of-bounds read).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dtb.h"

#define FB_STRUCT_MAX 8192
#define FB_STRINGS_MAX 2048
#define FB_HDR 40u
#define FB_RSV 16u /* one all-zero reserve-map entry terminates the map */

/* A flattened-tree writer: structure and strings blocks built separately. */
struct fdt_builder {
	uint8_t st[FB_STRUCT_MAX];
	size_t slen;
	char str[FB_STRINGS_MAX];
	size_t strlen;
};

static struct fdt_builder fb;

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

static void fb_reset(void)
{
	memset(&fb, 0, sizeof(fb));
}

static void fb_u32(uint32_t v)
{
	put_be32(fb.st + fb.slen, v);
	fb.slen += 4;
}

static void fb_bytes(const void *p, size_t n)
{
	if (n)
		memcpy(fb.st + fb.slen, p, n); /* p may be NULL for n == 0 */
	fb.slen += n;
	while (fb.slen % 4)
		fb.st[fb.slen++] = 0;
}

static void fb_begin(const char *name)
{
	fb_u32(1);
	fb_bytes(name, strlen(name) + 1);
}

static void fb_end(void)
{
	fb_u32(2);
}

/* Offset of name in the strings block, appending it if new. */
static uint32_t fb_stroff(const char *name)
{
	size_t off = 0, n = strlen(name) + 1;

	while (off < fb.strlen) {
		if (strcmp(fb.str + off, name) == 0)
			return (uint32_t)off;
		off += strlen(fb.str + off) + 1;
	}
	memcpy(fb.str + fb.strlen, name, n);
	fb.strlen += n;
	return (uint32_t)off;
}

static void fb_prop(const char *name, const void *val, size_t len)
{
	fb_u32(3);
	fb_u32((uint32_t)len);
	fb_u32(fb_stroff(name));
	fb_bytes(val, len);
}

static void fb_prop_u32(const char *name, uint32_t v)
{
	uint8_t b[4];

	put_be32(b, v);
	fb_prop(name, b, 4);
}

static void fb_prop_cells(const char *name, const uint32_t *c, size_t n)
{
	uint8_t b[64];
	size_t i;

	for (i = 0; i < n; i++)
		put_be32(b + 4 * i, c[i]);
	fb_prop(name, b, 4 * n);
}

static void fb_prop_str(const char *name, const char *s)
{
	fb_prop(name, s, strlen(s) + 1);
}

/* Emit header + reserve map + struct (with FDT_END) + strings. */
static size_t fb_finish(uint8_t *out)
{
	uint32_t off_struct = FB_HDR + FB_RSV;
	uint32_t off_strings, total;

	fb_u32(9);
	off_strings = off_struct + (uint32_t)fb.slen;
	total = off_strings + (uint32_t)fb.strlen;
	memset(out, 0, off_struct);
	put_be32(out + 0, 0xd00dfeed);
	put_be32(out + 4, total);
	put_be32(out + 8, off_struct);
	put_be32(out + 12, off_strings);
	put_be32(out + 16, FB_HDR);
	put_be32(out + 20, 17);
	put_be32(out + 24, 16);
	put_be32(out + 32, (uint32_t)fb.strlen);
	put_be32(out + 36, (uint32_t)fb.slen);
	memcpy(out + off_struct, fb.st, fb.slen);
	memcpy(out + off_strings, fb.str, fb.strlen);
	return total;
}

enum initrd_kind { INITRD_NONE, INITRD_32, INITRD_64 };

static void build_chosen(enum initrd_kind kind)
{
	static const uint32_t start64[] = { 0x1, 0x84000000 };
	static const uint32_t end64[] = { 0x1, 0x84123456 };

	fb_begin("chosen");
	fb_prop_str("bootargs", "console=ttyS0 rdinit=/init quiet");
	fb_prop_str("stdout-path", "/soc/serial@10000000");
	if (kind == INITRD_32) {
		fb_prop_u32("linux,initrd-start", 0x88200000);
		fb_prop_u32("linux,initrd-end", 0x88212345);
	} else if (kind == INITRD_64) {
		fb_prop_cells("linux,initrd-start", start64, 2);
		fb_prop_cells("linux,initrd-end", end64, 2);
	}
	fb_end();
}

static void build_cpu(const char *name, uint32_t hartid, uint32_t phandle)
{
	fb_begin(name);
	fb_prop_u32("phandle", phandle);
	fb_prop_str("device_type", "cpu");
	fb_prop_u32("reg", hartid);
	fb_prop_str("status", "okay");
	fb_prop_str("compatible", "riscv");
	fb_prop_str("riscv,isa", hartid == 0 ? "rv64imafdch_zicsr_zifencei"
					     : "rv64imac_other");
	fb_prop_str("mmu-type", "riscv,sv39");
	fb_begin("interrupt-controller");
	fb_prop_u32("#interrupt-cells", 1);
	fb_prop("interrupt-controller", NULL, 0);
	fb_prop_str("compatible", "riscv,cpu-intc");
	fb_end();
	fb_end();
}

/* /cpus with two harts and a cpu-map (nodes without device_type). */
static void build_cpus(void)
{
	fb_begin("cpus");
	fb_prop_u32("#address-cells", 1);
	fb_prop_u32("#size-cells", 0);
	fb_prop_u32("timebase-frequency", 10000000);
	build_cpu("cpu@0", 0, 7);
	build_cpu("cpu@1", 1, 5);
	fb_begin("cpu-map");
	fb_begin("cluster0");
	fb_begin("core0");
	fb_prop_u32("cpu", 7);
	fb_end();
	fb_begin("core1");
	fb_prop_u32("cpu", 5);
	fb_end();
	fb_end();
	fb_end();
	fb_end();
}

/* A virtio-mmio node in a 2/2-cell bus; irq 0: no "interrupts". */
static void build_virtio(const char *name, uint64_t base, uint64_t size, uint32_t irq)
{
	uint32_t reg[4] = { (uint32_t)(base >> 32), (uint32_t)base, (uint32_t)(size >> 32),
			    (uint32_t)size };

	fb_begin(name);
	if (irq)
		fb_prop_u32("interrupts", irq);
	fb_prop_u32("interrupt-parent", 9);
	fb_prop_cells("reg", reg, 4);
	fb_prop_str("compatible", "virtio,mmio");
	fb_end();
}

static void build_soc(void)
{
	static const uint32_t test_reg[] = { 0, 0x100000, 0, 0x1000 };
	static const uint32_t uart_reg[] = { 0, 0x10000000, 0, 0x100 };
	static const uint32_t plic_reg[] = { 0, 0xc000000, 0, 0x600000 };
	static const char test_compat[] = "sifive,test1\0sifive,test0\0syscon";
	static const char plic_compat[] = "sifive,plic-1.0.0\0riscv,plic0";

	fb_begin("soc");
	fb_prop_u32("#address-cells", 2);
	fb_prop_u32("#size-cells", 2);
	fb_prop_str("compatible", "simple-bus");
	fb_prop("ranges", NULL, 0);
	fb_begin("test@100000");
	fb_prop("compatible", test_compat, sizeof(test_compat));
	fb_prop_cells("reg", test_reg, 4);
	fb_end();
	fb_begin("serial@10000000"); /* reg before compatible on purpose */
	fb_prop_u32("interrupts", 10);
	fb_prop_cells("reg", uart_reg, 4);
	fb_prop_str("compatible", "ns16550a");
	fb_end();
	fb_begin("plic@c000000");
	fb_prop_u32("riscv,ndev", 0x5f);
	fb_prop_cells("reg", plic_reg, 4);
	fb_prop("compatible", plic_compat, sizeof(plic_compat));
	fb_end();
	/* QEMU lists its virtio-mmio slots from the highest address down. */
	build_virtio("virtio_mmio@10003000", 0x10003000, 0x1000, 3);
	build_virtio("virtio_mmio@10002000", 0x10002000, 0x1000, 2);
	build_virtio("virtio_mmio@10001000", 0x10001000, 0x200, 1);
	fb_end();
}

static size_t build_virt(uint8_t *out, enum initrd_kind kind)
{
	static const uint32_t mem_reg[] = { 0, 0x80000000, 0, 0x8000000 };

	fb_reset();
	fb_begin("");
	fb_prop_u32("#address-cells", 2);
	fb_prop_u32("#size-cells", 2);
	fb_prop_str("compatible", "riscv-virtio");
	fb_prop_str("model", "riscv-virtio,qemu");
	build_chosen(kind);
	fb_begin("memory@80000000");
	fb_prop_str("device_type", "memory");
	fb_prop_cells("reg", mem_reg, 4);
	fb_end();
	build_cpus();
	build_soc();
	fb_end();
	return fb_finish(out);
}

static uint8_t blob[FB_STRUCT_MAX + FB_STRINGS_MAX + 64];

static void check_virt_common(const struct dtb_info *d)
{
	CHECK_EQ(d->mem_base, 0x80000000);
	CHECK_EQ(d->mem_size, 0x8000000);
	CHECK_EQ(d->uart_base, 0x10000000);
	CHECK_EQ(d->plic_base, 0xc000000);
	CHECK_EQ(d->plic_ndev, 0x5f);
	CHECK_EQ(d->plic_size, 0x600000);
	CHECK_EQ(d->test_base, 0x100000);
	CHECK_EQ(d->timebase_hz, 10000000);
	CHECK_EQ(d->nharts, 2);
	CHECK(strcmp(d->bootargs, "console=ttyS0 rdinit=/init quiet") == 0);
	CHECK(strcmp(d->isa, "rv64imafdch_zicsr_zifencei") == 0);
	CHECK_EQ(d->nvirtio, 3);
	CHECK_EQ(d->virtio_extra, 0);
	CHECK_EQ(d->virtio[0].base, 0x10003000);
	CHECK_EQ(d->virtio[0].size, 0x1000);
	CHECK_EQ(d->virtio[0].irq, 3);
	CHECK_EQ(d->virtio[2].base, 0x10001000);
	CHECK_EQ(d->virtio[2].size, 0x200);
	CHECK_EQ(d->virtio[2].irq, 1);
	CHECK_EQ(d->virtio[3].base, 0);
}

static void test_virt(void)
{
	struct dtb_info d;
	size_t n;

	n = build_virt(blob, INITRD_32);
	CHECK_EQ(dtb_parse(blob, n, &d), 0);
	check_virt_common(&d);
	CHECK_EQ(d.initrd_start, 0x88200000);
	CHECK_EQ(d.initrd_end, 0x88212345);
	/* max_size larger than totalsize is fine. */
	CHECK_EQ(dtb_parse(blob, sizeof(blob), &d), 0);
	CHECK_EQ(d.nharts, 2);

	n = build_virt(blob, INITRD_64);
	CHECK_EQ(dtb_parse(blob, n, &d), 0);
	check_virt_common(&d);
	CHECK_EQ(d.initrd_start, 0x184000000ULL);
	CHECK_EQ(d.initrd_end, 0x184123456ULL);

	n = build_virt(blob, INITRD_NONE);
	CHECK_EQ(dtb_parse(blob, n, &d), 0);
	check_virt_common(&d);
	CHECK_EQ(d.initrd_start, 0);
	CHECK_EQ(d.initrd_end, 0);
}

/* A bus with 2/2 cells nested in a 1/1 soc: the stack must unwind. */
static void build_cells_soc(void)
{
	static const uint32_t dev_reg[] = { 0x1, 0x2000, 0, 0x10 };
	static const uint32_t uart_reg[] = { 0x10000000, 0x100 };

	fb_begin("soc");
	fb_prop_u32("#address-cells", 1);
	fb_prop_u32("#size-cells", 1);
	fb_begin("bus@0");
	fb_prop_u32("#address-cells", 2);
	fb_prop_u32("#size-cells", 2);
	fb_begin("finisher@100002000");
	fb_prop_str("compatible", "sifive,test0");
	fb_prop_cells("reg", dev_reg, 4);
	fb_end();
	fb_end();
	fb_begin("uart@10000000");
	fb_prop_str("compatible", "ns16550a");
	fb_prop_cells("reg", uart_reg, 2);
	fb_end();
	fb_end();
}

static void test_cells(void)
{
	static const uint32_t mem_reg[] = { 0x80000000, 0x4000000 };
	struct dtb_info d;
	size_t n;

	fb_reset();
	fb_begin("");
	fb_prop_u32("#address-cells", 1);
	fb_prop_u32("#size-cells", 1);
	fb_begin("memory@80000000"); /* no device_type: matched by name */
	fb_prop_cells("reg", mem_reg, 2);
	fb_end();
	build_cells_soc();
	fb_end();
	n = fb_finish(blob);
	CHECK_EQ(dtb_parse(blob, n, &d), 0);
	CHECK_EQ(d.mem_base, 0x80000000);
	CHECK_EQ(d.mem_size, 0x4000000);
	CHECK_EQ(d.test_base, 0x100002000ULL);
	CHECK_EQ(d.uart_base, 0x10000000);
	CHECK_EQ(d.plic_base, 0);
	CHECK_EQ(d.nharts, 0);
	CHECK_EQ(d.timebase_hz, 0);
	CHECK(d.bootargs[0] == '\0' && d.isa[0] == '\0');
}

/* No #address-cells at the root: the spec defaults are 2 and 1. */
static void test_default_cells(void)
{
	static const uint32_t mem_reg[] = { 0, 0x80000000, 0x1000000 };
	struct dtb_info d;
	size_t n;

	fb_reset();
	fb_begin("");
	fb_begin("ram"); /* matched by device_type, not by name */
	fb_prop_cells("reg", mem_reg, 3);
	fb_prop_str("device_type", "memory");
	fb_end();
	fb_begin("memory@90000000"); /* second one: ignored */
	fb_prop_cells("reg", mem_reg, 3);
	fb_end();
	fb_end();
	n = fb_finish(blob);
	CHECK_EQ(dtb_parse(blob, n, &d), 0);
	CHECK_EQ(d.mem_base, 0x80000000);
	CHECK_EQ(d.mem_size, 0x1000000);
}

static void test_bootargs_truncated(void)
{
	char longargs[301];
	struct dtb_info d;
	size_t n;

	memset(longargs, 'a', 300);
	longargs[300] = '\0';
	fb_reset();
	fb_begin("");
	fb_begin("chosen");
	fb_prop_str("bootargs", longargs);
	fb_end();
	fb_end();
	n = fb_finish(blob);
	CHECK_EQ(dtb_parse(blob, n, &d), 0);
	CHECK_EQ(strlen(d.bootargs), 255);
	CHECK(d.bootargs[0] == 'a' && d.bootargs[254] == 'a');
}

/* Nodes past DTB_MAX_DEPTH are skipped but the walk stays balanced. */
static void test_deep(void)
{
	static const uint32_t uart_reg[] = { 0, 0x10000000, 0, 0x100 };
	struct dtb_info d;
	size_t n;
	int i;

	fb_reset();
	fb_begin("");
	for (i = 0; i < DTB_MAX_DEPTH + 4; i++)
		fb_begin("deep");
	fb_prop_str("compatible", "ns16550a");
	fb_prop_cells("reg", uart_reg, 4);
	for (i = 0; i < DTB_MAX_DEPTH + 4; i++)
		fb_end();
	fb_begin("uart@20000000");
	fb_prop_str("compatible", "ns16550a");
	fb_prop_u32("reg", 0x20000000); /* too short for 2/1 cells: no reg */
	fb_end();
	fb_end();
	n = fb_finish(blob);
	CHECK_EQ(dtb_parse(blob, n, &d), 0);
	CHECK_EQ(d.uart_base, 0);
}

/* What dtb_virtio_filter reported, in order. */
struct drops {
	int n;
	uint64_t base[DTB_MAX_VIRTIO];
	enum dtb_drop why[DTB_MAX_VIRTIO];
};

static void note_drop(const struct dtb_dev *dev, enum dtb_drop why, void *ctx)
{
	struct drops *d = ctx;

	if (d->n < DTB_MAX_VIRTIO) {
		d->base[d->n] = dev->base;
		d->why[d->n] = why;
	}
	d->n++;
}

#define PA_LIMIT (1ULL << 38) /* the kernel's physmap: 256 GiB */

/* A root with RAM [0x80000000, +mem_size) and the soc's virtio nodes. */
static size_t build_devs(uint8_t *out, uint64_t mem_size, void (*soc)(void))
{
	uint32_t mem_reg[4] = { 0, 0x80000000, (uint32_t)(mem_size >> 32), (uint32_t)mem_size };

	fb_reset();
	fb_begin("");
	fb_prop_u32("#address-cells", 2);
	fb_prop_u32("#size-cells", 2);
	fb_begin("soc");
	fb_prop_u32("#address-cells", 2);
	fb_prop_u32("#size-cells", 2);
	soc();
	fb_end();
	/* memory after the devices: the filter must not depend on order */
	fb_begin("memory@80000000");
	fb_prop_str("device_type", "memory");
	fb_prop_cells("reg", mem_reg, 4);
	fb_end();
	fb_end();
	return fb_finish(out);
}

/* Eight nodes, each but the first and last hostile in its own way. */
static void soc_hostile(void)
{
	build_virtio("good@10001000", 0x10001000, 0x200, 1);
	build_virtio("inram@80001000", 0x80001000, 0x1000, 2);     /* RAM */
	build_virtio("ramend@87fff000", 0x87fff000, 0x200, 3);     /* RAM's last page */
	build_virtio("kernel@10000000", 0x10000000, 0x100, 4);     /* reserved */
	build_virtio("odd@10002100", 0x10002100, 0x100, 5);        /* unaligned */
	build_virtio("big@10004000", 0x10004000, 0x2000, 6);       /* two pages */
	build_virtio("dup@10001000", 0x10001000, 0x1000, 7);       /* same page */
	build_virtio("high@3ffffff000", PA_LIMIT - 0x1000, 0x1000, 0); /* no irq */
	/* past DTB_MAX_VIRTIO: counted, never learnt */
	build_virtio("nine@10009000", 0x10009000, 0x1000, 9);
	build_virtio("ten@1000a000", 0x1000a000, 0x1000, 10);
}

static void test_virtio_hostile(void)
{
	static const struct dtb_range res[] = { { 0x10000000, 0x10001000 } };
	struct drops dr;
	struct dtb_info d;
	size_t n;

	n = build_devs(blob, 0x8000000, soc_hostile);
	CHECK_EQ(dtb_parse(blob, n, &d), 0);
	CHECK_EQ(d.nvirtio, 8);
	CHECK_EQ(d.virtio_extra, 2);
	CHECK_EQ(d.virtio[1].base, 0x80001000);
	CHECK_EQ(d.virtio[7].irq, 0);
	memset(&dr, 0, sizeof(dr));
	CHECK_EQ(dtb_virtio_filter(&d, PA_LIMIT, res, 1, note_drop, &dr), 2);
	CHECK_EQ(d.nvirtio, 2);
	CHECK_EQ(d.virtio[0].base, 0x10001000);
	CHECK_EQ(d.virtio[0].size, 0x200);
	CHECK_EQ(d.virtio[0].irq, 1);
	CHECK_EQ(d.virtio[1].base, PA_LIMIT - 0x1000);
	CHECK_EQ(d.virtio[1].irq, 0);
	CHECK_EQ(d.virtio[2].base, 0); /* dropped slots are cleared */
	CHECK_EQ(d.virtio[7].size, 0);
	CHECK_EQ(dr.n, 6);
	CHECK_EQ(dr.base[0], 0x80001000);
	CHECK_EQ(dr.why[0], DTB_DROP_RAM);
	CHECK_EQ(dr.base[1], 0x87fff000);
	CHECK_EQ(dr.why[1], DTB_DROP_RAM);
	CHECK_EQ(dr.why[2], DTB_DROP_RESERVED);
	CHECK_EQ(dr.why[3], DTB_DROP_SHAPE);
	CHECK_EQ(dr.why[4], DTB_DROP_SHAPE);
	CHECK_EQ(dr.base[5], 0x10001000);
	CHECK_EQ(dr.why[5], DTB_DROP_DUP);
	/* Without a report function the result is the same. */
	CHECK_EQ(dtb_parse(blob, n, &d), 0);
	CHECK_EQ(dtb_virtio_filter(&d, PA_LIMIT, res, 1, NULL, NULL), 2);
	/* The top device's page ends exactly at the limit: one page lower
	 * limit drops it. */
	CHECK_EQ(dtb_parse(blob, n, &d), 0);
	memset(&dr, 0, sizeof(dr));
	CHECK_EQ(dtb_virtio_filter(&d, PA_LIMIT - 1, res, 1, note_drop, &dr), 1);
	CHECK_EQ(dr.n, 7);
	CHECK_EQ(dr.why[6], DTB_DROP_LIMIT);
}

static void soc_two(void)
{
	build_virtio("a@10001000", 0x10001000, 0x1000, 1);
	build_virtio("b@90000000", 0x90000000, 0x1000, 2);
	build_virtio("c@fffffffffffe000", 0xffffffffffffe000ULL, 0x1000, 3);
}

/* A RAM size that wraps around 2^64 still covers everything above its
 * base; a device below it survives. */
static void test_virtio_ram_wrap(void)
{
	struct drops dr;
	struct dtb_info d;
	size_t n;

	n = build_devs(blob, 0xffffffffffffffffULL, soc_two);
	CHECK_EQ(dtb_parse(blob, n, &d), 0);
	CHECK_EQ(d.nvirtio, 3);
	memset(&dr, 0, sizeof(dr));
	CHECK_EQ(dtb_virtio_filter(&d, UINT64_MAX, NULL, 0, note_drop, &dr), 1);
	CHECK_EQ(d.virtio[0].base, 0x10001000);
	CHECK_EQ(dr.n, 2);
	CHECK_EQ(dr.why[0], DTB_DROP_RAM);
	CHECK_EQ(dr.why[1], DTB_DROP_RAM);
	/* With honest RAM, b survives and c is past the physmap. */
	n = build_devs(blob, 0x8000000, soc_two);
	CHECK_EQ(dtb_parse(blob, n, &d), 0);
	memset(&dr, 0, sizeof(dr));
	CHECK_EQ(dtb_virtio_filter(&d, PA_LIMIT, NULL, 0, note_drop, &dr), 2);
	CHECK_EQ(d.virtio[1].base, 0x90000000);
	CHECK_EQ(d.virtio[1].irq, 2);
	CHECK_EQ(dr.n, 1);
	CHECK_EQ(dr.why[0], DTB_DROP_LIMIT);
}

/* Parse a copy of blob[0..len) in an exact-size heap buffer. */
static int parse_exact(const uint8_t *src, size_t len, struct dtb_info *d)
{
	uint8_t *p = malloc(len ? len : 1);
	int rc;

	memcpy(p, src, len);
	rc = dtb_parse(p, len, d);
	free(p);
	return rc;
}

/* Every truncation fails, with or without totalsize patched to match. */
static void test_truncated(void)
{
	struct dtb_info d;
	size_t n, len;
	int bad_plain = 0, bad_patched = 0;
	uint8_t *p;

	n = build_virt(blob, INITRD_32);
	CHECK_EQ(dtb_parse(blob, n - 1, &d), -1);
	CHECK_EQ(d.mem_base, 0);
	for (len = 0; len < n; len++) {
		bad_plain += parse_exact(blob, len, &d) != -1;
		if (len < 8)
			continue;
		p = malloc(len);
		memcpy(p, blob, len);
		put_be32(p + 4, (uint32_t)len);
		bad_patched += dtb_parse(p, len, &d) != -1;
		free(p);
	}
	CHECK_EQ(bad_plain, 0);
	CHECK_EQ(bad_patched, 0);
	CHECK_EQ(parse_exact(blob, n, &d), 0);
}

/* Rewrite u32 at offset off of a fresh virt blob and parse it. */
static int parse_patched(size_t off, uint32_t v)
{
	struct dtb_info d;
	size_t n = build_virt(blob, INITRD_32);

	put_be32(blob + off, v);
	return parse_exact(blob, n, &d);
}

static void test_bad_header(void)
{
	struct dtb_info d;
	uint32_t off_struct, size_struct;

	CHECK_EQ(parse_patched(0, 0xd00dfeee), -1);  /* magic */
	CHECK_EQ(parse_patched(0, 0xedfe0dd0), -1);  /* byte-swapped */
	CHECK_EQ(parse_patched(20, 16), -1);         /* version too old */
	CHECK_EQ(parse_patched(24, 18), -1);         /* incompatible */
	CHECK_EQ(parse_patched(4, 39), -1);          /* totalsize < header */
	CHECK_EQ(parse_patched(8, 0xfffffff0), -1);  /* struct offset */
	CHECK_EQ(parse_patched(12, 0xfffffff0), -1); /* strings offset */
	CHECK_EQ(parse_patched(32, 0xffffffff), -1); /* strings size */
	CHECK_EQ(parse_patched(36, 0xffffffff), -1); /* struct size */
	build_virt(blob, INITRD_32);
	size_struct = get_be32(blob + 36);
	CHECK_EQ(parse_patched(36, size_struct - 4), -1); /* no FDT_END */
	CHECK_EQ(dtb_parse(NULL, 4096, &d), -1);
	CHECK_EQ(dtb_parse(blob, 4096, NULL), -1);
	off_struct = get_be32(blob + 8);
	/* First token must be BEGIN_NODE-compatible: unknown token fails. */
	CHECK_EQ(parse_patched(off_struct, 0x77), -1);
	CHECK_EQ(parse_patched(off_struct, 2), -1); /* END_NODE at depth 0 */
}

/* Structure-block level corruption in small hand-made trees. */
static void test_bad_struct(void)
{
	struct dtb_info d;
	size_t n;

	fb_reset();
	fb_begin("");
	fb_prop_u32("x", 1);
	fb_end();
	n = fb_finish(blob);
	CHECK_EQ(parse_exact(blob, n, &d), 0);
	/* Property nameoff beyond the strings block (struct at 56:
	 * BEGIN(4) name(4) PROP(4) len(4) nameoff(4)). */
	put_be32(blob + 56 + 16, 1000);
	CHECK_EQ(parse_exact(blob, n, &d), -1);
	fb_reset();
	fb_begin("");
	fb_prop_u32("x", 1);
	fb_end();
	n = fb_finish(blob);
	put_be32(blob + 56 + 12, 0x1000); /* prop len past struct */
	CHECK_EQ(parse_exact(blob, n, &d), -1);
	fb_reset();
	fb_begin("");
	fb_end();
	fb_begin(""); /* a second root */
	fb_end();
	n = fb_finish(blob);
	CHECK_EQ(parse_exact(blob, n, &d), -1);
	fb_reset();
	fb_begin("");
	fb_begin("open"); /* never closed */
	fb_end();
	n = fb_finish(blob);
	CHECK_EQ(parse_exact(blob, n, &d), -1);
}

/* Property name running off the end of the strings block. */
static void test_unterminated(void)
{
	struct dtb_info d;
	size_t n;

	fb_reset();
	fb_begin("");
	fb_prop_u32("abc", 1);
	fb_end();
	n = fb_finish(blob);
	blob[n - 1] = 'x'; /* strings block is last: clobber the NUL */
	CHECK_EQ(parse_exact(blob, n, &d), -1);
	fb_reset();
	fb_begin("nodename"); /* 8 chars + NUL: name spans 3 words */
	n = fb_finish(blob);   /* struct = BEGIN, name, END token */
	memset(blob + 56 + 4, 'n', 12);  /* no NUL up to the struct end */
	put_be32(blob + 36, 16);
	CHECK_EQ(parse_exact(blob, n, &d), -1);
}

static uint32_t lcg_state = 12345;

static uint32_t lcg(void)
{
	lcg_state = lcg_state * 1103515245u + 12345u;
	return lcg_state >> 8;
}

/* Random byte mutations must never crash or leave unterminated strings. */
static void test_fuzz(void)
{
	static uint8_t orig[sizeof(blob)];
	struct dtb_info d;
	size_t n = build_virt(orig, INITRD_64);
	int i, k, odd = 0;

	for (i = 0; i < 20000; i++) {
		uint8_t *p = malloc(n);
		int rc;

		memcpy(p, orig, n);
		for (k = 0; k < 1 + (int)(lcg() % 4); k++)
			p[lcg() % n] = (uint8_t)lcg();
		rc = dtb_parse(p, n, &d);
		if (rc != 0 && rc != -1)
			odd++;
		if (memchr(d.bootargs, 0, sizeof(d.bootargs)) == NULL ||
		    memchr(d.isa, 0, sizeof(d.isa)) == NULL || d.nvirtio > DTB_MAX_VIRTIO)
			odd++;
		if (dtb_virtio_filter(&d, PA_LIMIT, NULL, 0, NULL, NULL) > DTB_MAX_VIRTIO)
			odd++;
		free(p);
	}
	CHECK_EQ(odd, 0);
}

int main(void)
{
	test_virt();
	test_cells();
	test_default_cells();
	test_bootargs_truncated();
	test_deep();
	test_virtio_hostile();
	test_virtio_ram_wrap();
	test_truncated();
	test_bad_header();
	test_bad_struct();
	test_unterminated();
	test_fuzz();
	return check_report("test_dtb");
}
