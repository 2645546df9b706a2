/*
 * ghost.c - ARC's and CAR's history lists B1/B2 with a chained hash index
 * by page id (see ghost.h). Layer: servers/policy, freestanding.
 */
#include "ghost.h"

static uint32_t ghost_buckets(uint32_t cap)
{
	uint32_t n = 1;
	while (n < cap)
		n <<= 1;
	return n;
}

size_t ghost_size(uint32_t cap)
{
	return pol_round8((size_t)cap * 8) + 3 * pol_round8(((size_t)cap + 2) * 4) +
	       pol_round8((size_t)ghost_buckets(cap) * 4) + pol_round8(cap);
}

void ghost_init(struct pol_ghosts *g, uint32_t cap, uint8_t **cur)
{
	uint32_t nb = ghost_buckets(cap);
	g->cap = cap;
	g->mask = nb - 1;
	g->page = pol_carve(cur, (size_t)cap * 8);
	g->l.n = pol_carve(cur, ((size_t)cap + 2) * 8);
	g->hnext = pol_carve(cur, ((size_t)cap + 2) * 4);
	g->bucket = pol_carve(cur, (size_t)nb * 4);
	g->which = pol_carve(cur, cap);
	for (uint32_t i = 0; i < nb; i++)
		g->bucket[i] = POL_NONE;
	for (uint32_t i = 0; i < cap; i++)
		g->hnext[i] = i + 1 < cap ? i + 1 : POL_NONE; /* free list */
	g->freelist = 0;
	g->nfree = cap;
	g->len[0] = g->len[1] = 0;
	pol_list_init(&g->l, cap);
	pol_list_init(&g->l, cap + 1);
}

static uint32_t ghost_hash(const struct pol_ghosts *g, uint64_t page)
{
	return (uint32_t)((page * 0x9e3779b97f4a7c15ull) >> 32) & g->mask;
}

uint32_t ghost_find(const struct pol_ghosts *g, uint64_t page)
{
	uint32_t n = g->bucket[ghost_hash(g, page)];
	while (n != POL_NONE && g->page[n] != page)
		n = g->hnext[n];
	return n;
}

void ghost_del(struct pol_ghosts *g, uint32_t node)
{
	uint32_t *pp = &g->bucket[ghost_hash(g, g->page[node])];
	while (*pp != node)
		pp = &g->hnext[*pp];
	*pp = g->hnext[node];
	pol_list_unlink(&g->l, node);
	g->len[g->which[node]]--;
	g->hnext[node] = g->freelist;
	g->freelist = node;
	g->nfree++;
}

void ghost_drop_lru(struct pol_ghosts *g, int which)
{
	uint32_t head = g->cap + (uint32_t)which;
	if (!pol_list_empty(&g->l, head))
		ghost_del(g, g->l.n[head].next);
}

void ghost_push(struct pol_ghosts *g, int which, uint64_t page)
{
	if (g->nfree == 0)
		ghost_drop_lru(g, g->len[which] ? which : !which);
	uint32_t n = g->freelist, h = ghost_hash(g, page);
	g->freelist = g->hnext[n];
	g->nfree--;
	g->page[n] = page;
	g->which[n] = (uint8_t)which;
	g->hnext[n] = g->bucket[h];
	g->bucket[h] = n;
	g->len[which]++;
	pol_list_insert_before(&g->l, g->cap + (uint32_t)which, n);
}
