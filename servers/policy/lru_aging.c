/*
 * lru_aging.c - LRU approximated by aging counters (for the guest, which
 * sees references only as harvested A bits). Layer: servers/policy.
 * Rules: each page has an 8-bit counter and an R bit. A page just brought
 * in has counter 0 and R = 1; a hit sets R. At every tick each counter
 * shifts right one bit and R enters at the top (then R = 0). The victim
 * has the smallest key (R << 8 | counter): a page referenced since the last
 * tick is younger than any that was not. Equal keys rate alike: with the
 * hint the clean ones go first; then the one added earliest goes.
 */
#include "policy.h"

struct aging {
	uint64_t seq;       /* insertion counter */
	uint64_t *added;    /* [frames] seq at add */
	uint8_t *cnt, *r;
};

static size_t aging_size(uint32_t frames)
{
	return sizeof(struct aging) + pol_round8((size_t)frames * 8) + 2 * pol_round8(frames);
}

static void aging_init(struct pol *p)
{
	struct aging *a = p->st;
	uint8_t *cur = (uint8_t *)(a + 1);
	a->added = pol_carve(&cur, (size_t)p->frames * 8);
	a->cnt = pol_carve(&cur, p->frames);
	a->r = pol_carve(&cur, p->frames);
}

static void aging_add(struct pol *p, uint32_t s)
{
	struct aging *a = p->st;
	a->added[s] = a->seq++;
	a->cnt[s] = 0;
	a->r[s] = 1;
}

static void aging_ref(struct pol *p, uint32_t s)
{
	struct aging *a = p->st;
	a->r[s] = 1;
}

static void aging_remove(struct pol *p, uint32_t s)
{
	(void)p, (void)s;
}

static void aging_tick(struct pol *p)
{
	struct aging *a = p->st;
	for (uint32_t s = 0; s < p->frames; s++) {
		a->cnt[s] = (uint8_t)((a->cnt[s] >> 1) | (a->r[s] << 7));
		a->r[s] = 0;
	}
}

/* Is slot s a better victim than slot b (POL_NONE: anything is)? */
static int aging_better(struct pol *p, struct aging *a, unsigned hint, uint32_t s, uint32_t b)
{
	if (b == POL_NONE)
		return 1;
	uint32_t ks = (uint32_t)a->r[s] << 8 | a->cnt[s], kb = (uint32_t)a->r[b] << 8 | a->cnt[b];
	if (ks != kb)
		return ks < kb;
	if (hint && p->slot[s].dirty != p->slot[b].dirty)
		return !p->slot[s].dirty;
	return a->added[s] < a->added[b];
}

static uint32_t aging_victim(struct pol *p, unsigned hint, uint64_t incoming)
{
	struct aging *a = p->st;
	uint32_t best = POL_NONE;
	(void)incoming;
	for (uint32_t s = 0; s < p->frames; s++)
		if (p->slot[s].resident && aging_better(p, a, hint, s, best))
			best = s;
	return best;
}

const struct pol_ops pol_lru_aging = {
	.name = "lru_aging", .summary = "LRU by 8-bit aging counters shifted each tick",
	.state_size = aging_size, .init = aging_init, .add = aging_add, .ref = aging_ref,
	.remove = aging_remove, .victim = aging_victim, .tick = aging_tick,
};
