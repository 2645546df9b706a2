/*
 * dtb.c - flattened device tree parser (FDT v17, big-endian).
 * Layer: arch (boot-time platform discovery). Pure logic: one pass over the
 * structure block with a small per-depth stack of node facts; every read is
 * bounds-checked against the header's block sizes, themselves <= totalsize.
 * dtb_virtio_filter then decides which virtio-mmio nodes tasks may map.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dtb.h"

/*
 * Header: ten big-endian u32 at offset 0:
 *   0 magic  4 totalsize  8 off_dt_struct  12 off_dt_strings
 *   16 off_mem_rsvmap  20 version  24 last_comp_version
 *   28 boot_cpuid_phys  32 size_dt_strings  36 size_dt_struct
 */
#define FDT_MAGIC 0xd00dfeedu
#define FDT_HDR_SIZE 40u
#define FDT_VERSION 17u

/* Structure block tokens, each a 4-aligned big-endian u32. */
#define FDT_BEGIN_NODE 1u /* then NUL-terminated name, padded to 4 */
#define FDT_END_NODE 2u
#define FDT_PROP 3u       /* then u32 len, u32 nameoff, value padded to 4 */
#define FDT_NOP 4u
#define FDT_END 9u

/* A property value or node name: a byte range inside the blob. */
struct dtb_bytes {
	const uint8_t *p;
	uint32_t len;
};

/* What we learned about one open node; acted on at its END_NODE. */
struct dtb_node {
	struct dtb_bytes name;   /* without NUL, e.g. "uart@10000000" */
	struct dtb_bytes compat; /* NUL-separated string list */
	struct dtb_bytes dtype;  /* device_type */
	struct dtb_bytes isa;    /* riscv,isa */
	uint32_t addr_cells;     /* this node's #address-cells, for children */
	uint32_t size_cells;     /* this node's #size-cells, for children */
	uint32_t ndev;
	uint32_t irq;                /* first cell of "interrupts" */
	uint64_t reg_addr, reg_size; /* first reg entry */
	uint64_t timebase;
	bool has_reg, has_timebase;
};

struct dtb_walk {
	const uint8_t *base; /* structure block */
	uint64_t len;        /* its size; invariant: pos <= len */
	uint64_t pos;        /* next token, relative to base (4-aligned) */
	const uint8_t *strings;
	uint32_t strings_len;
	uint32_t depth;      /* open nodes; stack[depth - 1] is the current */
	bool root_done;
	bool have_mem, have_uart, have_plic, have_test, have_cpu;
	struct dtb_info *out;
	struct dtb_node stack[DTB_MAX_DEPTH];
};

/* volatile so the compiler cannot turn this into a memset call. */
static void dtb_zero(void *p, size_t n)
{
	volatile uint8_t *d = p;

	while (n--)
		*d++ = 0;
}

static uint32_t dtb_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* A value of n (0..2) big-endian cells; caller checked 4*n bytes exist. */
static uint64_t dtb_cells(const uint8_t *p, uint32_t n)
{
	uint64_t v = 0;
	uint32_t i;

	for (i = 0; i < n; i++)
		v = (v << 32) | dtb_be32(p + 4 * i);
	return v;
}

/* Does the string in p[0..len) (ending at len or the first NUL) equal s? */
static bool dtb_str_eq(const uint8_t *p, uint32_t len, const char *s)
{
	uint32_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i >= len || p[i] != (uint8_t)s[i])
			return false;
	}
	return i == len || p[i] == 0;
}

/* Both are NUL-terminated (property names were checked in bounds). */
static bool dtb_cstr_eq(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* Is s one of the NUL-separated strings of a "compatible"-style list? */
static bool dtb_list_has(struct dtb_bytes b, const char *s)
{
	uint32_t i = 0, j;

	while (i < b.len) {
		for (j = i; j < b.len && b.p[j] != 0; j++)
			;
		if (dtb_str_eq(b.p + i, j - i, s))
			return true;
		i = j + 1;
	}
	return false;
}

/* Node name "base" or "base@unit-address". */
static bool dtb_name_is(struct dtb_bytes name, const char *base)
{
	uint32_t i;

	for (i = 0; base[i] != '\0'; i++) {
		if (i >= name.len || name.p[i] != (uint8_t)base[i])
			return false;
	}
	return i == name.len || name.p[i] == '@';
}

/* Copy a string property, stopping at NUL, always NUL-terminating. */
static void dtb_copy(char *dst, uint32_t cap, struct dtb_bytes b)
{
	uint32_t i;

	for (i = 0; i + 1 < cap && i < b.len && b.p[i] != 0; i++)
		dst[i] = (char)b.p[i];
	dst[i] = '\0';
}

/* Advance past n bytes (n <= len - pos, checked by caller), re-align. */
static void dtb_skip(struct dtb_walk *w, uint64_t n)
{
	uint64_t next = (w->pos + n + 3) & ~(uint64_t)3;

	w->pos = next > w->len ? w->len : next;
}

static int dtb_check_header(const uint8_t *b, uint64_t max_size,
			    struct dtb_walk *w)
{
	uint32_t total, off_struct, off_strings, size_struct, size_strings;

	if (max_size < FDT_HDR_SIZE || dtb_be32(b) != FDT_MAGIC)
		return -1;
	total = dtb_be32(b + 4);
	if (total < FDT_HDR_SIZE || total > max_size)
		return -1;
	/* We read the v17 layout; a blob must be compatible back to it. */
	if (dtb_be32(b + 20) < FDT_VERSION || dtb_be32(b + 24) > FDT_VERSION)
		return -1;
	off_struct = dtb_be32(b + 8);
	off_strings = dtb_be32(b + 12);
	size_strings = dtb_be32(b + 32);
	size_struct = dtb_be32(b + 36);
	/* u64 sums: two u32 cannot overflow. */
	if ((uint64_t)off_struct + size_struct > total ||
	    (uint64_t)off_strings + size_strings > total)
		return -1;
	w->base = b + off_struct;
	w->len = size_struct;
	w->pos = 0;
	w->strings = b + off_strings;
	w->strings_len = size_strings;
	return 0;
}

static void dtb_prop_reg(struct dtb_walk *w, uint32_t level,
			 struct dtb_bytes val)
{
	struct dtb_node *node = &w->stack[level];
	uint32_t ac, sc;

	if (level == 0)
		return; /* the root has no parent to size its reg */
	ac = w->stack[level - 1].addr_cells;
	sc = w->stack[level - 1].size_cells;
	/* More than 2 cells does not fit a uint64_t: ignore such a reg. */
	if (ac > 2 || sc > 2 || val.len < 4 * (ac + sc))
		return;
	node->reg_addr = dtb_cells(val.p, ac);
	node->reg_size = dtb_cells(val.p + 4 * ac, sc);
	node->has_reg = true;
}

static void dtb_prop_chosen(struct dtb_info *out, const char *name,
			    struct dtb_bytes val)
{
	/* initrd bounds are one or two cells depending on the firmware. */
	bool cells_ok = val.len == 4 || val.len == 8;

	if (dtb_cstr_eq(name, "bootargs"))
		dtb_copy(out->bootargs, sizeof(out->bootargs), val);
	else if (dtb_cstr_eq(name, "linux,initrd-start") && cells_ok)
		out->initrd_start = dtb_cells(val.p, val.len / 4);
	else if (dtb_cstr_eq(name, "linux,initrd-end") && cells_ok)
		out->initrd_end = dtb_cells(val.p, val.len / 4);
}

/* Record one property of the node at stack[level]. */
static void dtb_prop_apply(struct dtb_walk *w, uint32_t level,
			   const char *name, struct dtb_bytes val)
{
	struct dtb_node *node = &w->stack[level];

	if (dtb_cstr_eq(name, "#address-cells") && val.len == 4)
		node->addr_cells = dtb_be32(val.p);
	else if (dtb_cstr_eq(name, "#size-cells") && val.len == 4)
		node->size_cells = dtb_be32(val.p);
	else if (dtb_cstr_eq(name, "compatible"))
		node->compat = val;
	else if (dtb_cstr_eq(name, "device_type"))
		node->dtype = val;
	else if (dtb_cstr_eq(name, "riscv,isa"))
		node->isa = val;
	else if (dtb_cstr_eq(name, "riscv,ndev") && val.len == 4)
		node->ndev = dtb_be32(val.p);
	else if (dtb_cstr_eq(name, "interrupts") && val.len >= 4)
		node->irq = dtb_be32(val.p);
	else if (dtb_cstr_eq(name, "reg"))
		dtb_prop_reg(w, level, val);
	else if (dtb_cstr_eq(name, "timebase-frequency") &&
		 (val.len == 4 || val.len == 8)) {
		node->timebase = dtb_cells(val.p, val.len / 4);
		node->has_timebase = true;
	} else if (level == 1 && dtb_name_is(node->name, "chosen"))
		dtb_prop_chosen(w->out, name, val);
}

/* FDT_PROP: u32 len, u32 nameoff into the strings block, then value. */
static int dtb_prop(struct dtb_walk *w)
{
	uint32_t len, nameoff, room, i;
	struct dtb_bytes val;
	const char *name;

	if (w->len - w->pos < 8 || w->depth == 0)
		return -1;
	len = dtb_be32(w->base + w->pos);
	nameoff = dtb_be32(w->base + w->pos + 4);
	w->pos += 8;
	if (len > w->len - w->pos || nameoff >= w->strings_len)
		return -1;
	val.p = w->base + w->pos;
	val.len = len;
	dtb_skip(w, len);
	/* The name must be NUL-terminated inside the strings block. */
	room = w->strings_len - nameoff;
	name = (const char *)w->strings + nameoff;
	for (i = 0; i < room && name[i] != '\0'; i++)
		;
	if (i == room)
		return -1;
	if (w->depth <= DTB_MAX_DEPTH)
		dtb_prop_apply(w, w->depth - 1, name, val);
	return 0;
}

static int dtb_begin_node(struct dtb_walk *w)
{
	const uint8_t *name = w->base + w->pos;
	uint64_t room = w->len - w->pos, n;
	struct dtb_node *node;

	for (n = 0; n < room && name[n] != 0; n++)
		;
	if (n == room || (w->depth == 0 && w->root_done))
		return -1; /* unterminated name, or a second root */
	dtb_skip(w, n + 1);
	/* No overflow: each BEGIN_NODE eats >= 8 of < 2^32 bytes. */
	w->depth++;
	if (w->depth > DTB_MAX_DEPTH)
		return 0;
	node = &w->stack[w->depth - 1];
	dtb_zero(node, sizeof(*node));
	node->name.p = name;
	node->name.len = (uint32_t)n;
	node->addr_cells = 2; /* defaults from the devicetree spec */
	node->size_cells = 1;
	return 0;
}

static void dtb_resolve_cpu(struct dtb_walk *w, struct dtb_node *node)
{
	struct dtb_info *out = w->out;

	out->nharts++;
	if (w->have_cpu)
		return;
	w->have_cpu = true;
	dtb_copy(out->isa, sizeof(out->isa), node->isa);
	/* Fallback only: /cpus (resolved after its children) wins. */
	if (node->has_timebase)
		out->timebase_hz = node->timebase;
}

static void dtb_resolve_dev(struct dtb_walk *w, struct dtb_node *node)
{
	struct dtb_info *out = w->out;

	if (!node->has_reg)
		return;
	if (!w->have_uart && dtb_list_has(node->compat, "ns16550a")) {
		w->have_uart = true;
		out->uart_base = node->reg_addr;
	}
	if (!w->have_plic &&
	    (dtb_list_has(node->compat, "riscv,plic0") ||
	     dtb_list_has(node->compat, "sifive,plic-1.0.0"))) {
		w->have_plic = true;
		out->plic_base = node->reg_addr;
		out->plic_size = node->reg_size;
		out->plic_ndev = node->ndev;
	}
	if (!w->have_test && dtb_list_has(node->compat, "sifive,test0")) {
		w->have_test = true;
		out->test_base = node->reg_addr;
	}
	if (dtb_list_has(node->compat, "virtio,mmio")) {
		if (out->nvirtio == DTB_MAX_VIRTIO) {
			out->virtio_extra++;
			return;
		}
		out->virtio[out->nvirtio].base = node->reg_addr;
		out->virtio[out->nvirtio].size = node->reg_size;
		out->virtio[out->nvirtio].irq = node->irq;
		out->nvirtio++;
	}
}

/* A node's properties are all known: act on what it turned out to be. */
static void dtb_resolve(struct dtb_walk *w, uint32_t level)
{
	struct dtb_node *node = &w->stack[level];
	struct dtb_info *out = w->out;

	if (level == 1 && !w->have_mem && node->has_reg &&
	    (dtb_str_eq(node->dtype.p, node->dtype.len, "memory") ||
	     dtb_name_is(node->name, "memory"))) {
		w->have_mem = true;
		out->mem_base = node->reg_addr;
		out->mem_size = node->reg_size;
	}
	if (level == 2 && dtb_name_is(w->stack[1].name, "cpus") &&
	    dtb_str_eq(node->dtype.p, node->dtype.len, "cpu"))
		dtb_resolve_cpu(w, node);
	if (level == 1 && dtb_name_is(node->name, "cpus") && node->has_timebase)
		out->timebase_hz = node->timebase;
	dtb_resolve_dev(w, node);
}

static int dtb_end_node(struct dtb_walk *w)
{
	if (w->depth == 0)
		return -1;
	if (w->depth <= DTB_MAX_DEPTH)
		dtb_resolve(w, w->depth - 1);
	w->depth--;
	if (w->depth == 0)
		w->root_done = true;
	return 0;
}

static int dtb_walk_struct(struct dtb_walk *w)
{
	for (;;) {
		uint32_t tok;
		int rc = 0;

		if (w->len - w->pos < 4)
			return -1; /* ran off the block without FDT_END */
		tok = dtb_be32(w->base + w->pos);
		w->pos += 4;
		if (tok == FDT_BEGIN_NODE)
			rc = dtb_begin_node(w);
		else if (tok == FDT_END_NODE)
			rc = dtb_end_node(w);
		else if (tok == FDT_PROP)
			rc = dtb_prop(w);
		else if (tok == FDT_END)
			return (w->depth == 0 && w->root_done) ? 0 : -1;
		else if (tok != FDT_NOP)
			return -1;
		if (rc < 0)
			return -1;
	}
}

int dtb_parse(const void *blob, uint64_t max_size, struct dtb_info *out)
{
	struct dtb_walk w;

	if (out == NULL)
		return -1;
	dtb_zero(out, sizeof(*out));
	if (blob == NULL)
		return -1;
	dtb_zero(&w, sizeof(w));
	w.out = out;
	if (dtb_check_header(blob, max_size, &w) < 0)
		return -1;
	if (dtb_walk_struct(&w) < 0) {
		dtb_zero(out, sizeof(*out)); /* no half-parsed results */
		return -1;
	}
	return 0;
}

/* [a, a_end) and [b, b_end) share a byte. */
static bool dtb_overlap(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end)
{
	return a < b_end && b < a_end;
}

/* 0 if dev (devs[i], checked against the kept devs[0..kept)) may be
 * handed out; else why not. Its page is [base, base + DTB_PAGE): the
 * whole page is what a task maps, so the whole page must be clear. */
static enum dtb_drop dtb_dev_verdict(const struct dtb_info *d, const struct dtb_dev *dev,
				     uint64_t pa_limit, const struct dtb_range *res,
				     unsigned nres, uint32_t kept)
{
	uint64_t ram_end = d->mem_base + d->mem_size, end;
	unsigned i;

	if ((dev->base & (DTB_PAGE - 1)) || dev->size == 0 || dev->size > DTB_PAGE)
		return DTB_DROP_SHAPE;
	if (dev->base > pa_limit || pa_limit - dev->base < DTB_PAGE)
		return DTB_DROP_LIMIT;
	end = dev->base + DTB_PAGE; /* no overflow: below pa_limit */
	if (ram_end < d->mem_base)
		ram_end = UINT64_MAX; /* a hostile size wraps: clamp, still RAM */
	if (dtb_overlap(dev->base, end, d->mem_base, ram_end))
		return DTB_DROP_RAM;
	for (i = 0; i < nres; i++)
		if (dtb_overlap(dev->base, end, res[i].base, res[i].end))
			return DTB_DROP_RESERVED;
	for (i = 0; i < kept; i++)
		if (d->virtio[i].base == dev->base)
			return DTB_DROP_DUP;
	return DTB_KEEP;
}

uint32_t dtb_virtio_filter(struct dtb_info *d, uint64_t pa_limit, const struct dtb_range *res,
			   unsigned nres, dtb_drop_fn drop, void *ctx)
{
	uint32_t i, kept = 0;

	for (i = 0; i < d->nvirtio && i < DTB_MAX_VIRTIO; i++) {
		struct dtb_dev dev = d->virtio[i];
		enum dtb_drop why = dtb_dev_verdict(d, &dev, pa_limit, res, nres, kept);

		if (why != DTB_KEEP) {
			if (drop)
				drop(&dev, why, ctx);
			continue;
		}
		d->virtio[kept++] = dev;
	}
	for (i = kept; i < DTB_MAX_VIRTIO; i++)
		dtb_zero(&d->virtio[i], sizeof(d->virtio[i]));
	d->nvirtio = kept;
	return kept;
}
