/*
 * pagemap.c (servers/) - the shadow page table (pagemap.h): 9 bits of the
 * virtual page number per level, nodes are whole frames reached through
 * the frame window. Lookup is three loads.
 */
#include "pagemap.h"

#define PM_BITS 9
#define PM_FANOUT 512
#define PM_LEVELS 3

static uint64_t *pm_node(struct frames *f, uint64_t pa) { return frames_va(f, pa); }

static unsigned pm_index(uint64_t vpn, int level)
{
	return (vpn >> (PM_BITS * level)) & (PM_FANOUT - 1);
}

/* The leaf slot for vpn; with alloc, missing nodes are created. */
static uint64_t *pm_slot(struct frames *f, struct pagemap *pm, uint64_t vpn, int alloc)
{
	uint64_t *link = &pm->root;
	for (int lv = PM_LEVELS - 1; lv >= 0; lv--) {
		if (!*link) {
			uint64_t pa = alloc ? frames_alloc(f) : 0;
			if (!pa)
				return 0;
			frame_zero(frames_va(f, pa));
			*link = pa;
			pm->nodes++;
		}
		link = &pm_node(f, *link)[pm_index(vpn, lv)];
	}
	return link;
}

uint64_t *pagemap_leaf(struct frames *f, struct pagemap *pm, uint64_t vpn)
{
	uint64_t node = pm->root;
	for (int lv = PM_LEVELS - 1; lv > 0 && node; lv--)
		node = pm_node(f, node)[pm_index(vpn, lv)];
	return node ? pm_node(f, node) : 0;
}

uint64_t *pagemap_leaf_make(struct frames *f, struct pagemap *pm, uint64_t vpn)
{
	uint64_t *slot = pm_slot(f, pm, vpn, 1);
	return slot ? slot - (vpn & (PM_FANOUT - 1)) : 0;
}

uint64_t *pagemap_find(struct frames *f, struct pagemap *pm, uint64_t vpn)
{
	uint64_t *slot = pm_slot(f, pm, vpn, 0);
	return slot && *slot ? slot : 0;
}

uint64_t *pagemap_set(struct frames *f, struct pagemap *pm, uint64_t vpn, uint64_t entry)
{
	uint64_t *slot = pm_slot(f, pm, vpn, 1);
	if (!slot)
		return 0;
	if (!*slot)
		pm->used++;
	*slot = entry;
	return slot;
}

int pagemap_put(struct frames *f, struct pagemap *pm, uint64_t vpn, uint64_t entry)
{
	return pagemap_set(f, pm, vpn, entry) ? 0 : -1;
}

void pagemap_del(struct frames *f, struct pagemap *pm, uint64_t vpn)
{
	uint64_t *slot = pagemap_find(f, pm, vpn);
	if (slot) {
		*slot = 0;
		pm->used--;
	}
}

static void pm_walk(struct frames *f, uint64_t node, int lv, uint64_t base, pagemap_fn fn,
		    void *ctx)
{
	uint64_t *n = pm_node(f, node);
	for (unsigned i = 0; i < PM_FANOUT; i++) {
		if (!n[i])
			continue;
		uint64_t vpn = base | ((uint64_t)i << (PM_BITS * lv));
		if (lv == 0)
			fn(vpn, &n[i], ctx);
		else
			pm_walk(f, n[i], lv - 1, vpn, fn, ctx);
	}
}

static void pm_leaves(struct frames *f, uint64_t node, int lv, uint64_t base,
		      pagemap_leaf_fn fn, void *ctx)
{
	uint64_t *n = pm_node(f, node);
	if (lv == 0) {
		fn(base, n, ctx);
		return;
	}
	for (unsigned i = 0; i < PM_FANOUT; i++)
		if (n[i])
			pm_leaves(f, n[i], lv - 1, base | ((uint64_t)i << (PM_BITS * lv)), fn, ctx);
}

void pagemap_walk_leaves(struct frames *f, struct pagemap *pm, pagemap_leaf_fn fn, void *ctx)
{
	if (pm->root)
		pm_leaves(f, pm->root, PM_LEVELS - 1, 0, fn, ctx);
}

void pagemap_walk(struct frames *f, struct pagemap *pm, pagemap_fn fn, void *ctx)
{
	if (pm->root)
		pm_walk(f, pm->root, PM_LEVELS - 1, 0, fn, ctx);
}

/* Only the slots of [lo, hi) at each level: the work follows the entries
 * present and the nodes on the way, never the size of the range. */
static void pm_walk_range(struct frames *f, uint64_t node, int lv, uint64_t base, uint64_t lo,
			  uint64_t hi, pagemap_fn fn, void *ctx)
{
	uint64_t *n = pm_node(f, node), span = 1ULL << (PM_BITS * lv);
	unsigned first = lo > base ? (unsigned)((lo - base) / span) : 0;
	for (unsigned i = first; i < PM_FANOUT && base + i * span < hi; i++) {
		uint64_t vpn = base + i * span;
		if (!n[i] || vpn + span <= lo)
			continue;
		if (lv == 0)
			fn(vpn, &n[i], ctx);
		else
			pm_walk_range(f, n[i], lv - 1, vpn, lo, hi, fn, ctx);
	}
}

static bool pm_any_range(struct frames *f, uint64_t node, int lv, uint64_t base, uint64_t lo,
			 uint64_t hi)
{
	uint64_t *n = pm_node(f, node), span = 1ULL << (PM_BITS * lv);
	unsigned first = lo > base ? (unsigned)((lo - base) / span) : 0;
	for (unsigned i = first; i < PM_FANOUT && base + i * span < hi; i++) {
		uint64_t vpn = base + i * span;
		if (n[i] && vpn + span > lo && (lv == 0 || pm_any_range(f, n[i], lv - 1, vpn, lo, hi)))
			return true;
	}
	return false;
}

bool pagemap_any(struct frames *f, struct pagemap *pm, uint64_t lo, uint64_t hi)
{
	return pm->root && lo < hi && pm_any_range(f, pm->root, PM_LEVELS - 1, 0, lo, hi);
}

void pagemap_walk_range(struct frames *f, struct pagemap *pm, uint64_t lo, uint64_t hi,
			pagemap_fn fn, void *ctx)
{
	if (pm->root && lo < hi)
		pm_walk_range(f, pm->root, PM_LEVELS - 1, 0, lo, hi, fn, ctx);
}

static void pm_free(struct frames *f, uint64_t node, int lv)
{
	uint64_t *n = pm_node(f, node);
	if (lv > 0)
		for (unsigned i = 0; i < PM_FANOUT; i++)
			if (n[i])
				pm_free(f, n[i], lv - 1);
	frames_free(f, node);
}

void pagemap_free(struct frames *f, struct pagemap *pm)
{
	if (pm->root)
		pm_free(f, pm->root, PM_LEVELS - 1);
	pm->root = 0;
	pm->used = 0;
	pm->nodes = 0;
}

static bool pm_empty(const uint64_t *n)
{
	for (unsigned i = 0; i < PM_FANOUT; i++)
		if (n[i])
			return false;
	return true;
}

/* Free the nodes under *link that hold nothing in [lo, hi). */
static void pm_prune(struct frames *f, struct pagemap *pm, uint64_t *link, int lv, uint64_t base,
		     uint64_t lo, uint64_t hi)
{
	uint64_t *n = pm_node(f, *link), span = 1ULL << (PM_BITS * lv);
	for (unsigned i = 0; i < PM_FANOUT && lv > 0; i++) {
		uint64_t start = base + i * span;
		if (n[i] && start < hi && start + span > lo)
			pm_prune(f, pm, &n[i], lv - 1, start, lo, hi);
	}
	if (pm_empty(n)) {
		frames_free(f, *link);
		*link = 0;
		pm->nodes--;
	}
}

void pagemap_prune(struct frames *f, struct pagemap *pm, uint64_t lo, uint64_t hi)
{
	if (pm->root)
		pm_prune(f, pm, &pm->root, PM_LEVELS - 1, 0, lo, hi);
}
