/*
 * car.c - CAR, Clock with Adaptive Replacement (Bansal & Modha, FAST 2004),
 * the paper's Fig. 2: ARC's adaptation driven by reference bits only, so
 * the guest can run it from harvested A bits. Layer: servers/policy.
 * T1/T2 are clocks (the head of each list is its hand), B1/B2 the history
 * (ghost.c, c + 1 entries: the paper trims after replace). A page just
 * brought in has R = 0 (the paper's rule, unlike clock.c); a hit sets R.
 * Deltas floored as in arc.c. The prefer-clean hint is ignored.
 */
#include "ghost.h"

struct car {
	struct pol_links l;   /* heads frames (T1), frames+1 (T2) */
	uint32_t len[2], p;
	uint8_t *t, *r;
	struct pol_ghosts g;
};

static size_t car_size(uint32_t c)
{
	return sizeof(struct car) + 2 * pol_round8(((size_t)c + 2) * 4) + 2 * pol_round8(c) +
	       ghost_size(c + 1);
}

static void car_init(struct pol *p)
{
	struct car *a = p->st;
	uint8_t *cur = (uint8_t *)(a + 1);
	a->l.n = pol_carve(&cur, ((size_t)p->frames + 2) * 8);
	a->t = pol_carve(&cur, p->frames);
	a->r = pol_carve(&cur, p->frames);
	pol_list_init(&a->l, p->frames);
	pol_list_init(&a->l, p->frames + 1);
	ghost_init(&a->g, p->frames + 1, &cur);
}

static void car_put(struct pol *p, struct car *a, uint32_t s, int t)
{
	a->t[s] = (uint8_t)t;
	a->len[t]++;
	pol_list_insert_before(&a->l, p->frames + (uint32_t)t, s);
}

static void car_unlink(struct car *a, uint32_t s)
{
	pol_list_unlink(&a->l, s);
	a->len[a->t[s]]--;
}

static void car_add(struct pol *p, uint32_t s)
{
	struct car *a = p->st;
	uint32_t g = ghost_find(&a->g, p->slot[s].page);
	a->r[s] = 0;
	if (g != POL_NONE) {
		uint32_t b1 = a->g.len[0], b2 = a->g.len[1];
		if (a->g.which[g] == 0) {
			uint32_t d = b2 / b1 > 1 ? b2 / b1 : 1;
			a->p = a->p + d > p->frames ? p->frames : a->p + d;
		} else {
			uint32_t d = b1 / b2 > 1 ? b1 / b2 : 1;
			a->p = a->p > d ? a->p - d : 0;
		}
		ghost_del(&a->g, g);
	}
	car_put(p, a, s, g != POL_NONE);
}

static void car_ref(struct pol *p, uint32_t s)
{
	((struct car *)p->st)->r[s] = 1;
}

static void car_remove(struct pol *p, uint32_t s)
{
	car_unlink(p->st, s);
}

static uint32_t car_replace(struct pol *p, struct car *a)
{
	for (;;) {
		int t = a->len[0] >= (a->p > 1 ? a->p : 1) ? 0 : 1;
		if (a->len[t] == 0)
			t = !t;
		uint32_t h = a->l.n[p->frames + (uint32_t)t].next;
		car_unlink(a, h);
		if (!a->r[h]) {
			ghost_push(&a->g, t, p->slot[h].page);
			return h;
		}
		a->r[h] = 0;
		car_put(p, a, h, 1); /* T1 -> tail of T2; T2 -> tail of T2 */
	}
}

static uint32_t car_victim(struct pol *p, unsigned hint, uint64_t x)
{
	struct car *a = p->st;
	(void)hint;
	uint32_t s = car_replace(p, a);
	if (x == POL_NEVER || ghost_find(&a->g, x) == POL_NONE) {
		if (a->len[0] + a->g.len[0] >= p->frames)
			ghost_drop_lru(&a->g, 0);
		else if (a->len[0] + a->len[1] + a->g.len[0] + a->g.len[1] >= 2 * p->frames)
			ghost_drop_lru(&a->g, 1);
	}
	return s;
}

const struct pol_ops pol_car = {
	.name = "car", .summary = "clock with adaptive replacement (Bansal & Modha 2004)",
	.state_size = car_size, .init = car_init, .add = car_add, .ref = car_ref,
	.remove = car_remove, .victim = car_victim,
};
