/*
 * arc.c - ARC, Adaptive Replacement Cache (Megiddo & Modha, FAST 2003),
 * the paper's Fig. 4 exactly. Layer: servers/policy; simulator (it needs
 * every hit to keep T2's order). T1/T2 hold resident slots (LRU at the
 * head), B1/B2 the history (ghost.c); p is T1's target size. Integer
 * deltas: B1 hit p += max(1, |B2|/|B1|); B2 hit p -= max(1, |B1|/|B2|)
 * (floored, clamped to [0, c]). The victim needs the incoming page (cases
 * II-IV); a ghost hit adapts p there, and the add that follows moves the
 * page to T2. The prefer-clean hint is ignored: ARC's order is total.
 */
#include "ghost.h"

struct arc {
	struct pol_links l;   /* heads frames (T1), frames+1 (T2) */
	uint32_t len[2], p;
	uint64_t pending;     /* a ghost-hit page whose ghost victim() dropped */
	int has_pending;
	uint8_t *t;           /* [frames] 0: in T1, 1: in T2 */
	struct pol_ghosts g;
};

static size_t arc_size(uint32_t c)
{
	return sizeof(struct arc) + 2 * pol_round8(((size_t)c + 2) * 4) + pol_round8(c) +
	       ghost_size(c);
}

static void arc_init(struct pol *p)
{
	struct arc *a = p->st;
	uint8_t *cur = (uint8_t *)(a + 1);
	a->l.n = pol_carve(&cur, ((size_t)p->frames + 2) * 8);
	a->t = pol_carve(&cur, p->frames);
	pol_list_init(&a->l, p->frames);
	pol_list_init(&a->l, p->frames + 1);
	ghost_init(&a->g, p->frames, &cur);
}

static void arc_put(struct pol *p, struct arc *a, uint32_t s, int t)
{
	a->t[s] = (uint8_t)t;
	a->len[t]++;
	pol_list_insert_before(&a->l, p->frames + (uint32_t)t, s);
}

static void arc_unlink(struct arc *a, uint32_t s)
{
	pol_list_unlink(&a->l, s);
	a->len[a->t[s]]--;
}

/* Adapt p to a hit in ghost list `which` (0: B1, 1: B2). */
static void arc_adapt(struct pol *p, struct arc *a, int which)
{
	uint32_t b1 = a->g.len[0], b2 = a->g.len[1];
	if (which == 0) {
		uint32_t d = b1 >= b2 ? 1 : b2 / b1;
		a->p = a->p + d > p->frames ? p->frames : a->p + d;
	} else {
		uint32_t d = b2 >= b1 ? 1 : b1 / b2;
		a->p = a->p > d ? a->p - d : 0;
	}
}

static void arc_add(struct pol *p, uint32_t s)
{
	struct arc *a = p->st;
	uint64_t x = p->slot[s].page;
	if (a->has_pending && a->pending == x) {
		a->has_pending = 0;
		arc_put(p, a, s, 1);
		return;
	}
	a->has_pending = 0;
	uint32_t g = ghost_find(&a->g, x);
	if (g != POL_NONE) {
		arc_adapt(p, a, a->g.which[g]);
		ghost_del(&a->g, g);
	}
	arc_put(p, a, s, g != POL_NONE);
}

static void arc_ref(struct pol *p, uint32_t s)
{
	struct arc *a = p->st;
	arc_unlink(a, s);
	arc_put(p, a, s, 1);
}

static void arc_remove(struct pol *p, uint32_t s)
{
	arc_unlink(p->st, s);
}

/* REPLACE(x, p): demote the LRU page of T1 or T2 to its history list. */
static uint32_t arc_replace(struct pol *p, struct arc *a, int x_in_b2)
{
	int from = 1;
	if (a->len[0] >= 1 && ((x_in_b2 && a->len[0] == a->p) || a->len[0] > a->p))
		from = 0;
	if (a->len[from] == 0)
		from = !from;
	uint32_t s = a->l.n[p->frames + (uint32_t)from].next;
	arc_unlink(a, s);
	ghost_push(&a->g, from, p->slot[s].page);
	return s;
}

static uint32_t arc_victim(struct pol *p, unsigned hint, uint64_t x)
{
	struct arc *a = p->st;
	uint32_t g = x == POL_NEVER ? POL_NONE : ghost_find(&a->g, x);
	(void)hint;
	if (g != POL_NONE) { /* cases II and III */
		int which = a->g.which[g];
		arc_adapt(p, a, which);
		ghost_del(&a->g, g);
		a->pending = x;
		a->has_pending = 1;
		return arc_replace(p, a, which);
	}
	a->has_pending = 0;
	if (a->len[0] + a->g.len[0] >= p->frames) { /* case IV.A */
		if (a->len[0] < p->frames) {
			ghost_drop_lru(&a->g, 0);
			return arc_replace(p, a, 0);
		}
		uint32_t s = a->l.n[p->frames].next;
		arc_unlink(a, s);
		return s;
	}
	if (a->len[0] + a->len[1] + a->g.len[0] + a->g.len[1] >= 2 * p->frames)
		ghost_drop_lru(&a->g, 1); /* case IV.B */
	return arc_replace(p, a, 0);
}

const struct pol_ops pol_arc = {
	.name = "arc", .summary = "adaptive replacement cache (Megiddo & Modha 2003)",
	.flags = POL_F_SIM_ONLY,
	.state_size = arc_size, .init = arc_init, .add = arc_add, .ref = arc_ref,
	.remove = arc_remove, .victim = arc_victim,
};
