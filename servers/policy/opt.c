/*
 * opt.c - Belady's OPT (MIN): evict the page whose next request is
 * farthest in the future. Layer: servers/policy; simulator only: before
 * each add or ref the caller gives the page's next request time with
 * pol_set_next_use (POL_NEVER: never again). Pages never used again rate
 * alike: they go first, the one added or referenced earliest (clean first
 * with the hint); the others sit in a max-heap by next use.
 */
#include "pol_list.h"
#include "policy.h"

struct opt {
	uint32_t n;            /* heap length */
	uint32_t *heap, *pos;  /* pos[slot]: heap index or POL_NONE */
	uint64_t *next;        /* [frames] next use */
	struct pol_links never; /* pages never used again, head = frames */
};

static size_t opt_size(uint32_t frames)
{
	return sizeof(struct opt) + 2 * pol_round8((size_t)frames * 4) +
	       pol_round8((size_t)frames * 8) + 2 * pol_round8(((size_t)frames + 1) * 4);
}

static void opt_init(struct pol *p)
{
	struct opt *o = p->st;
	uint8_t *cur = (uint8_t *)(o + 1);
	o->heap = pol_carve(&cur, (size_t)p->frames * 4);
	o->pos = pol_carve(&cur, (size_t)p->frames * 4);
	o->next = pol_carve(&cur, (size_t)p->frames * 8);
	o->never.n = pol_carve(&cur, ((size_t)p->frames + 1) * 8);
	pol_list_init(&o->never, p->frames);
}

static void opt_set(struct opt *o, uint32_t i, uint32_t s)
{
	o->heap[i] = s;
	o->pos[s] = i;
}

static void opt_sift(struct opt *o, uint32_t i)
{
	uint32_t s = o->heap[i];
	while (i > 0 && o->next[o->heap[(i - 1) / 2]] < o->next[s]) {
		opt_set(o, i, o->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= o->n)
			break;
		if (c + 1 < o->n && o->next[o->heap[c + 1]] > o->next[o->heap[c]])
			c++;
		if (o->next[o->heap[c]] <= o->next[s])
			break;
		opt_set(o, i, o->heap[c]);
		i = c;
	}
	opt_set(o, i, s);
}

/* Take s out of wherever it is. */
static void opt_out(struct pol *p, struct opt *o, uint32_t s)
{
	(void)p;
	if (o->pos[s] == POL_NONE) {
		pol_list_unlink(&o->never, s);
		return;
	}
	uint32_t i = o->pos[s], last = o->heap[--o->n];
	o->pos[s] = POL_NONE;
	if (last != s) {
		opt_set(o, i, last);
		opt_sift(o, i);
	}
}

static void opt_in(struct pol *p, struct opt *o, uint32_t s)
{
	o->next[s] = p->next_use;
	if (p->next_use == POL_NEVER) {
		o->pos[s] = POL_NONE;
		pol_list_insert_before(&o->never, p->frames, s);
		return;
	}
	opt_set(o, o->n++, s);
	opt_sift(o, o->n - 1);
}

static void opt_add(struct pol *p, uint32_t s)
{
	opt_in(p, p->st, s);
}

static void opt_ref(struct pol *p, uint32_t s)
{
	opt_out(p, p->st, s);
	opt_in(p, p->st, s);
}

static void opt_remove(struct pol *p, uint32_t s)
{
	opt_out(p, p->st, s);
}

static uint32_t opt_victim(struct pol *p, unsigned hint, uint64_t incoming)
{
	struct opt *o = p->st;
	uint32_t s = o->never.n[p->frames].next;
	(void)incoming;
	if (s == p->frames) {
		s = o->heap[0];
	} else if (hint) {
		uint32_t c = s;
		while (c != p->frames && p->slot[c].dirty)
			c = o->never.n[c].next;
		if (c != p->frames)
			s = c;
	}
	opt_out(p, o, s);
	return s;
}

const struct pol_ops pol_opt = {
	.name = "opt", .summary = "Belady's optimal (needs the future: simulator)",
	.flags = POL_F_SIM_ONLY | POL_F_FUTURE,
	.state_size = opt_size, .init = opt_init, .add = opt_add, .ref = opt_ref,
	.remove = opt_remove, .victim = opt_victim,
};
