/*
 * lru.c - exact LRU: evict the least recently referenced page (a hit moves
 * the page to the most-recent end). Layer: servers/policy; simulator only
 * (the guest never sees every reference). Recency is a total order, so the
 * prefer-clean hint never applies.
 */
#include "pol_list.h"
#include "policy.h"

struct lru {
	struct pol_links l; /* head = frames; next[head] = least recent */
};

static size_t lru_size(uint32_t frames)
{
	return sizeof(struct lru) + 2 * pol_round8(((size_t)frames + 1) * 4);
}

static void lru_init(struct pol *p)
{
	struct lru *l = p->st;
	uint8_t *cur = (uint8_t *)(l + 1);
	l->l.n = pol_carve(&cur, ((size_t)p->frames + 1) * 8);
	pol_list_init(&l->l, p->frames);
}

static void lru_add(struct pol *p, uint32_t s)
{
	struct lru *l = p->st;
	pol_list_insert_before(&l->l, p->frames, s);
}

static void lru_ref(struct pol *p, uint32_t s)
{
	struct lru *l = p->st;
	pol_list_unlink(&l->l, s);
	pol_list_insert_before(&l->l, p->frames, s);
}

static void lru_remove(struct pol *p, uint32_t s)
{
	struct lru *l = p->st;
	pol_list_unlink(&l->l, s);
}

static uint32_t lru_victim(struct pol *p, unsigned hint, uint64_t incoming)
{
	struct lru *l = p->st;
	(void)hint, (void)incoming;
	uint32_t s = l->l.n[p->frames].next;
	pol_list_unlink(&l->l, s);
	return s;
}

const struct pol_ops pol_lru = {
	.name = "lru", .summary = "exact least recently used (simulator)",
	.flags = POL_F_SIM_ONLY,
	.state_size = lru_size, .init = lru_init, .add = lru_add, .ref = lru_ref,
	.remove = lru_remove, .victim = lru_victim,
};
