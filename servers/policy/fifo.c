/*
 * fifo.c - FIFO: evict the page added longest ago; references are ignored.
 * Layer: servers/policy (guest and simulator). No two pages tie (insertion
 * order is total), so the prefer-clean hint never applies.
 */
#include "pol_list.h"
#include "policy.h"

struct fifo {
	struct pol_links l; /* head = frames; tail = newest */
};

static size_t fifo_size(uint32_t frames)
{
	return sizeof(struct fifo) + 2 * pol_round8(((size_t)frames + 1) * 4);
}

static void fifo_init(struct pol *p)
{
	struct fifo *f = p->st;
	uint8_t *cur = (uint8_t *)(f + 1);
	f->l.n = pol_carve(&cur, ((size_t)p->frames + 1) * 8);
	pol_list_init(&f->l, p->frames);
}

static void fifo_add(struct pol *p, uint32_t s)
{
	struct fifo *f = p->st;
	pol_list_insert_before(&f->l, p->frames, s);
}

static void fifo_ref(struct pol *p, uint32_t s)
{
	(void)p, (void)s;
}

static void fifo_remove(struct pol *p, uint32_t s)
{
	struct fifo *f = p->st;
	pol_list_unlink(&f->l, s);
}

static uint32_t fifo_victim(struct pol *p, unsigned hint, uint64_t incoming)
{
	struct fifo *f = p->st;
	(void)hint, (void)incoming;
	uint32_t s = f->l.n[p->frames].next;
	pol_list_unlink(&f->l, s);
	return s;
}

const struct pol_ops pol_fifo = {
	.name = "fifo", .summary = "first in, first out", .flags = POL_F_NOREF,
	.state_size = fifo_size, .init = fifo_init, .add = fifo_add, .ref = fifo_ref,
	.remove = fifo_remove, .victim = fifo_victim,
};
