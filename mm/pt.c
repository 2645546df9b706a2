/*
 * pt.c - Sv39 page-table walks (mm/). Pure logic over mm_phys(): it knows
 * the PTE format and the three-level tree and nothing else, so the host
 * unit tests (tests/host/test_pt.c) run it over a fake physical memory.
 * Callers check first (pt_tables_needed, pt_range_has_super), then act.
 */
#include "mm.h"

static pte_t *pt_table(uint64_t pa) { return (pte_t *)mm_phys(pa); }

/* Deepest entry on va's path: a leaf, an invalid entry, or (level 0) the
 * 4 KiB slot; never NULL. *level says where it stopped. */
pte_t *pt_lookup(uint64_t root_pa, uint64_t va, int *level)
{
	pte_t *table = pt_table(root_pa);
	for (int lv = PT_LEVELS - 1;; lv--) {
		pte_t *e = &table[pt_index(va, lv)];
		if (lv == 0 || !pte_valid(*e) || pte_is_leaf(*e)) {
			*level = lv;
			return e;
		}
		table = pt_table(pte_pa(*e));
	}
}

/* How many table pages a 4 KiB map at va needs (0..2), or -1 when a
 * superpage leaf covers va and a 4 KiB map there is impossible. */
int pt_tables_needed(uint64_t root_pa, uint64_t va)
{
	int level;
	pte_t *e = pt_lookup(root_pa, va, &level);
	if (level > 0 && pte_is_leaf(*e))
		return -1;
	return level;
}

static void pt_install(uint64_t root_pa, uint64_t va, int leaf_level, pte_t leaf, pt_alloc_fn alloc,
		       void *ctx)
{
	pte_t *table = pt_table(root_pa);
	for (int lv = PT_LEVELS - 1; lv > leaf_level; lv--) {
		pte_t *e = &table[pt_index(va, lv)];
		if (!pte_valid(*e))
			*e = pte_make(alloc(ctx), PTE_V); /* pointer: no R/W/X */
		table = pt_table(pte_pa(*e));
	}
	table[pt_index(va, leaf_level)] = leaf;
}

/* Map one 4 KiB page; replaces an existing 4 KiB leaf. */
void pt_map(uint64_t root_pa, uint64_t va, uint64_t pa, uint64_t flags, pt_alloc_fn alloc,
	    void *ctx)
{
	pt_install(root_pa, va, 0, pte_make(pa, flags | PTE_V), alloc, ctx);
}

/* Map one 2 MiB megapage (boot-time windows only). */
void pt_map_super(uint64_t root_pa, uint64_t va, uint64_t pa, uint64_t flags, pt_alloc_fn alloc,
		  void *ctx)
{
	pt_install(root_pa, va, 1, pte_make(pa, flags | PTE_V), alloc, ctx);
}

static uint64_t pt_span(int level) { return PG_SIZE << (9 * level); }

static void pt_range_level(uint64_t table_pa, int lv, uint64_t va, uint64_t end, pt_leaf_fn fn,
			   void *ctx)
{
	pte_t *table = pt_table(table_pa);
	uint64_t span = pt_span(lv);
	while (va < end) {
		uint64_t next = (va & ~(span - 1)) + span;
		pte_t *e = &table[pt_index(va, lv)];
		if (pte_is_leaf(*e))
			fn(e, va & ~(span - 1), lv, ctx);
		else if (pte_valid(*e) && lv > 0)
			pt_range_level(pte_pa(*e), lv - 1, va, next < end ? next : end, fn, ctx);
		if (next < va) /* wrapped past the top of the address space */
			break;
		va = next;
	}
}

static void pt_runs_level(uint64_t table_pa, int lv, uint64_t va, uint64_t end, pt_run_fn fn,
			  void *ctx)
{
	pte_t *table = pt_table(table_pa);
	if (lv == 0) {
		unsigned i = pt_index(va, 0);
		uint64_t n = (end - va + PG_SIZE - 1) / PG_SIZE;
		fn(&table[i], (unsigned)(n < PT_ENTRIES - i ? n : PT_ENTRIES - i), va, ctx);
		return;
	}
	uint64_t span = pt_span(lv);
	while (va < end) {
		uint64_t next = (va & ~(span - 1)) + span;
		pte_t e = table[pt_index(va, lv)];
		if (pte_valid(e) && !pte_is_leaf(e))
			pt_runs_level(pte_pa(e), lv - 1, va, next < end ? next : end, fn, ctx);
		if (next < va) /* wrapped past the top of the address space */
			break;
		va = next;
	}
}

void pt_range_runs(uint64_t root_pa, uint64_t va, uint64_t end, pt_run_fn fn, void *ctx)
{
	pt_runs_level(root_pa, PT_LEVELS - 1, va, end, fn, ctx);
}

void pt_range(uint64_t root_pa, uint64_t va, uint64_t end, pt_leaf_fn fn, void *ctx)
{
	pt_range_level(root_pa, PT_LEVELS - 1, va, end, fn, ctx);
}

/* A superpage is a leaf above level 0: only levels 2 and 1 are looked
 * at, one entry per 2 MiB of the range, never the 4 KiB leaves. */
static bool pt_super_level(uint64_t table_pa, int lv, uint64_t va, uint64_t end)
{
	pte_t *table = pt_table(table_pa);
	uint64_t span = pt_span(lv);
	while (va < end) {
		uint64_t next = (va & ~(span - 1)) + span;
		pte_t e = table[pt_index(va, lv)];
		if (pte_is_leaf(e))
			return true;
		if (pte_valid(e) && lv > 1 &&
		    pt_super_level(pte_pa(e), lv - 1, va, next < end ? next : end))
			return true;
		if (next < va) /* wrapped past the top of the address space */
			break;
		va = next;
	}
	return false;
}

bool pt_range_has_super(uint64_t root_pa, uint64_t va, uint64_t end)
{
	return pt_super_level(root_pa, PT_LEVELS - 1, va, end);
}

static bool pt_table_empty(const pte_t *table)
{
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		if (table[i])
			return false;
	return true;
}

/* The slots of a table at base (each span long) that [va, end) touches:
 * [*first, *last], never the whole table for a small range. */
static void pt_slots(uint64_t base, uint64_t span, unsigned n, uint64_t va, uint64_t end,
		     unsigned *first, unsigned *last)
{
	uint64_t lo = va > base ? (va - base) / span : 0, hi = (end - 1 - base) / span;
	*first = (unsigned)lo;
	*last = hi < n - 1 ? (unsigned)hi : n - 1;
}

/* Free the table pages below *entry (a pointer entry at level lv) that
 * hold no valid entry within [va, end); then *entry itself if empty. The
 * work follows the range: an unmap of one page visits one slot a level. */
static void pt_prune_entry(pte_t *entry, int lv, uint64_t base, uint64_t va, uint64_t end,
			   pt_free_fn free_fn, void *ctx)
{
	pte_t *table = pt_table(pte_pa(*entry));
	uint64_t span = pt_span(lv - 1);
	unsigned first, last;
	pt_slots(base, span, PT_ENTRIES, va, end, &first, &last);
	for (unsigned i = first; i <= last && lv > 1; i++) {
		if (pte_valid(table[i]) && !pte_is_leaf(table[i]))
			pt_prune_entry(&table[i], lv - 1, base + i * span, va, end, free_fn, ctx);
	}
	if (pt_table_empty(table)) {
		free_fn(pte_pa(*entry), ctx);
		*entry = 0;
	}
}

/* After an unmap: give back table pages left empty in [va, end) (user
 * half only; the root stays). */
void pt_prune(uint64_t root_pa, uint64_t va, uint64_t end, pt_free_fn free_fn, void *ctx)
{
	pte_t *root = pt_table(root_pa);
	uint64_t span = pt_span(PT_LEVELS - 1);
	unsigned first, last;
	if (end <= va || va >= span * (PT_ENTRIES / 2))
		return;
	pt_slots(0, span, PT_ENTRIES / 2, va, end, &first, &last);
	for (unsigned i = first; i <= last; i++)
		if (pte_valid(root[i]) && !pte_is_leaf(root[i]))
			pt_prune_entry(&root[i], PT_LEVELS - 1, i * span, va, end, free_fn, ctx);
}

static void pt_free_level(uint64_t table_pa, int lv, unsigned n, pt_free_fn free_fn, void *ctx)
{
	pte_t *table = pt_table(table_pa);
	for (unsigned i = 0; i < n; i++) {
		if (pte_valid(table[i]) && !pte_is_leaf(table[i]) && lv > 0)
			pt_free_level(pte_pa(table[i]), lv - 1, PT_ENTRIES, free_fn, ctx);
		table[i] = 0;
	}
	if (n == PT_ENTRIES)
		free_fn(table_pa, ctx);
}

/* Free every user table page (root entries 0..255) and then the root. */
void pt_free_user(uint64_t root_pa, pt_free_fn free_fn, void *ctx)
{
	pt_free_level(root_pa, PT_LEVELS - 1, PT_ENTRIES / 2, free_fn, ctx);
	free_fn(root_pa, ctx);
}
