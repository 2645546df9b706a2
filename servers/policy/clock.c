/*
 * clock.c - Clock (second chance). Layer: servers/policy (guest, simulator).
 * Rules: resident pages sit on a ring with a hand. A page just brought in
 * has R = 1 (the faulting access is a reference; in the guest it sets the
 * A bit) and joins the ring just behind the hand: it is examined last. A
 * hit (or a harvested A bit) sets R = 1 and moves nothing. To pick a victim
 * the hand looks at its page: R = 1 -> clear R, step on; R = 0 -> evict it,
 * the hand stops just past it.
 * Prefer clean (only with both classes resident): during one revolution an
 * unreferenced dirty page is passed over (the first one is remembered)
 * while referenced pages are cleared as usual; the first unreferenced clean
 * page is taken; after a revolution without one, the remembered dirty page
 * is taken (the hand stops just past it) or, if none, the sweep goes on.
 */
#include "pol_list.h"
#include "policy.h"

struct clock {
	struct pol_links l; /* ring of resident slots plus sentinel = frames */
	uint32_t hand;      /* a resident slot, or the sentinel when empty */
	uint8_t *r;
};

static size_t clock_size(uint32_t frames)
{
	return sizeof(struct clock) + 2 * pol_round8(((size_t)frames + 1) * 4) +
	       pol_round8(frames);
}

static void clock_init(struct pol *p)
{
	struct clock *c = p->st;
	uint8_t *cur = (uint8_t *)(c + 1);
	c->l.n = pol_carve(&cur, ((size_t)p->frames + 1) * 8);
	c->r = pol_carve(&cur, p->frames);
	pol_list_init(&c->l, p->frames);
	c->hand = p->frames;
}

/* The ring position after s, skipping the sentinel. */
static uint32_t clock_next(struct pol *p, struct clock *c, uint32_t s)
{
	uint32_t n = c->l.n[s].next;
	return n == p->frames ? c->l.n[n].next : n;
}

static void clock_add(struct pol *p, uint32_t s)
{
	struct clock *c = p->st;
	c->r[s] = 1;
	pol_list_insert_before(&c->l, c->hand, s);
	if (c->hand == p->frames)
		c->hand = s;
}

static void clock_ref(struct pol *p, uint32_t s)
{
	struct clock *c = p->st;
	c->r[s] = 1;
}

static void clock_remove(struct pol *p, uint32_t s)
{
	struct clock *c = p->st;
	if (c->hand == s) {
		uint32_t n = clock_next(p, c, s);
		c->hand = n == s ? p->frames : n;
	}
	pol_list_unlink(&c->l, s);
}

/* Evict s; the hand stops just past it. */
static uint32_t clock_take(struct pol *p, struct clock *c, uint32_t s)
{
	c->hand = s;
	clock_remove(p, s);
	return s;
}

static uint32_t clock_victim(struct pol *p, unsigned hint, uint64_t incoming)
{
	struct clock *c = p->st;
	/* LAB policy: BEGIN -- sweep the hand: R = 1 gets a second chance, R = 0 is the victim */
	/* LAB policy: STUB (void)hint, (void)incoming; return clock_take(p, c, c->hand); */
	uint32_t cand = POL_NONE, steps = 0;
	(void)incoming;
	for (;;) {
		uint32_t h = c->hand;
		if (hint && cand != POL_NONE && steps == p->nres)
			return clock_take(p, c, cand);
		steps++;
		if (c->r[h]) {
			c->r[h] = 0;
		} else if (!hint || !p->slot[h].dirty) {
			return clock_take(p, c, h);
		} else if (cand == POL_NONE) {
			cand = h;
		}
		c->hand = clock_next(p, c, h);
	}
	/* LAB policy: END */
}

const struct pol_ops pol_clock = {
	.name = "clock", .summary = "second chance: new pages R=1, hit sets R",
	.state_size = clock_size, .init = clock_init, .add = clock_add, .ref = clock_ref,
	.remove = clock_remove, .victim = clock_victim,
};
