/*
 * random.c - Random: every resident page rates alike; the victim is drawn
 * by the policy's own PRNG (splitmix64 seeded at create), so a run is
 * reproducible from its seed. Layer: servers/policy (guest, simulator).
 * Rules: one draw r = floor(x * n / 2^64) per victim over n candidates:
 * without the hint n = resident pages in the order clean[] then dirty[];
 * with it (both classes resident) n = clean pages only. A removal moves
 * the last entry of its array into the hole.
 */
#include "policy.h"

struct rnd {
	uint64_t x;               /* PRNG state */
	uint32_t nc, nd;          /* lengths of clean[] and dirty[] */
	uint32_t *clean, *dirty, *pos;
};

static size_t rnd_size(uint32_t frames)
{
	return sizeof(struct rnd) + 3 * pol_round8((size_t)frames * 4);
}

static void rnd_init(struct pol *p)
{
	struct rnd *r = p->st;
	uint8_t *cur = (uint8_t *)(r + 1);
	r->clean = pol_carve(&cur, (size_t)p->frames * 4);
	r->dirty = pol_carve(&cur, (size_t)p->frames * 4);
	r->pos = pol_carve(&cur, (size_t)p->frames * 4);
	r->x = p->seed;
}

static uint64_t rnd_next(struct rnd *r)
{
	uint64_t z = (r->x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void rnd_add(struct pol *p, uint32_t s)
{
	struct rnd *r = p->st;
	if (p->slot[s].dirty) {
		r->pos[s] = r->nd;
		r->dirty[r->nd++] = s;
	} else {
		r->pos[s] = r->nc;
		r->clean[r->nc++] = s;
	}
}

static void rnd_ref(struct pol *p, uint32_t s)
{
	(void)p, (void)s;
}

/* Take s out of the array of class `dirty`. */
static void rnd_drop(struct rnd *r, uint32_t s, int dirty)
{
	uint32_t *arr = dirty ? r->dirty : r->clean, *n = dirty ? &r->nd : &r->nc;
	uint32_t last = arr[--*n];
	arr[r->pos[s]] = last;
	r->pos[last] = r->pos[s];
}

static void rnd_remove(struct pol *p, uint32_t s)
{
	rnd_drop(p->st, s, p->slot[s].dirty);
}

static void rnd_set_dirty(struct pol *p, uint32_t s)
{
	rnd_drop(p->st, s, !p->slot[s].dirty);
	rnd_add(p, s);
}

static uint32_t rnd_victim(struct pol *p, unsigned hint, uint64_t incoming)
{
	struct rnd *r = p->st;
	(void)incoming;
	uint32_t n = hint ? r->nc : r->nc + r->nd;
	uint32_t i = (uint32_t)(((unsigned __int128)rnd_next(r) * n) >> 64);
	uint32_t s = i < r->nc ? r->clean[i] : r->dirty[i - r->nc];
	rnd_drop(r, s, p->slot[s].dirty);
	return s;
}

const struct pol_ops pol_random = {
	.name = "random", .summary = "uniform random victim, own seeded PRNG",
	.flags = POL_F_NOREF,
	.state_size = rnd_size, .init = rnd_init, .add = rnd_add, .ref = rnd_ref,
	.remove = rnd_remove, .victim = rnd_victim, .set_dirty = rnd_set_dirty,
};
