/*
 * pagemap.c - the pager's per-process map va page -> frame (servers/):
 * open addressing with linear probing, grown at half load, deleted slots
 * re-inserted (no tombstones). Pure logic, unit-tested on the host.
 */
#include <stdlib.h>

#include "pager.h"

static uint64_t pm_hash(uint64_t vpn, uint64_t cap)
{
	return (vpn * 0x9e3779b97f4a7c15ULL >> 20) & (cap - 1);
}

uint64_t *pagemap_find(struct pagemap *pm, uint64_t vpn)
{
	if (!pm->cap)
		return NULL;
	for (uint64_t i = pm_hash(vpn, pm->cap);; i = (i + 1) & (pm->cap - 1)) {
		if (pm->slots[i].vpn == vpn)
			return &pm->slots[i].pa;
		if (!pm->slots[i].vpn)
			return NULL;
	}
}

static void pm_insert(struct pagemap *pm, uint64_t vpn, uint64_t pa)
{
	uint64_t i = pm_hash(vpn, pm->cap);
	while (pm->slots[i].vpn && pm->slots[i].vpn != vpn)
		i = (i + 1) & (pm->cap - 1);
	if (!pm->slots[i].vpn)
		pm->used++;
	pm->slots[i] = (struct pte_rec){vpn, pa};
}

static int pm_grow(struct pagemap *pm)
{
	uint64_t ncap = pm->cap ? pm->cap * 2 : 64;
	struct pte_rec *old = pm->slots, *ns = calloc(ncap, sizeof *ns);
	uint64_t ocap = pm->cap;
	if (!ns)
		return -1;
	pm->slots = ns;
	pm->cap = ncap;
	pm->used = 0;
	for (uint64_t i = 0; i < ocap; i++)
		if (old[i].vpn)
			pm_insert(pm, old[i].vpn, old[i].pa);
	free(old);
	return 0;
}

/* vpn must be non-zero (page 0 is never mapped). 0 or -1 (no memory). */
int pagemap_put(struct pagemap *pm, uint64_t vpn, uint64_t pa)
{
	if ((pm->used + 1) * 2 > pm->cap && pm_grow(pm) < 0)
		return -1;
	pm_insert(pm, vpn, pa);
	return 0;
}

void pagemap_del(struct pagemap *pm, uint64_t vpn)
{
	uint64_t *slot = pagemap_find(pm, vpn);
	if (!slot)
		return;
	uint64_t i = (uint64_t)((struct pte_rec *)((char *)slot - sizeof(uint64_t)) - pm->slots);
	pm->slots[i].vpn = 0;
	pm->used--;
	/* Re-insert the rest of the probe run so lookups never stop early. */
	for (i = (i + 1) & (pm->cap - 1); pm->slots[i].vpn; i = (i + 1) & (pm->cap - 1)) {
		struct pte_rec r = pm->slots[i];
		pm->slots[i].vpn = 0;
		pm->used--;
		pm_insert(pm, r.vpn, r.pa);
	}
}
