/*
 * evict.c (servers/) - page-out: the swap area's slots, the eviction
 * policies (servers/policy/) over the frames of process pages, the frame
 * limit and per-process resident limits, and PG_PAGERCTL. Layer: the root
 * pager. The call order of an eviction is in docs/design.md ("Page-out").
 * Invariants:
 *  - a frame is tracked (in exactly one policy instance: the global one or
 *    one process's local one) when a process page lives in it: anonymous,
 *    heap, stack and private copies (class dirty), and, in the global one,
 *    cache frames processes map: file pages and shared anonymous objects'
 *    pages (frame_ino, an object's page class dirty) and swap-cache
 *    pages whose slot others still hold (frame_swslot, clean). Lent frames
 *    and drivers' pages never are. All holders of a tracked anonymous or
 *    swap-cache frame map it at the same virtual page, frame_vpn (fork
 *    keeps addresses); a file page's mappers are found by their regions;
 *  - swap_ref[s] counts the shadow entries PM_SWAP | s << 12 of every
 *    process and of every shared anonymous object (struct ev_obj), plus
 *    one for s's swap-cache frame while processes map it (frame_held[f]
 *    == s, their entries PM_COW | PM_SC: paged in and not written since,
 *    so swap's copy is still the page); slot s is free iff swap_ref[s] ==
 *    0; slot 0 is the header;
 *  - the swap copy of a slot is in the page cache as (CACHE_SWAP, s) while
 *    being written or read, and after until reclaimed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blk/blkc.h"
#include "fs/cache.h"
#include "pager.h"
#include "fs/vfs.h"
#include "policy/policy.h"

#define PG 4096UL
#define EV_NONE 0       /* frame_owner: not tracked */
#define EV_GLOBAL 1     /* in the global instance */
#define EV_LOCAL0 2     /* 2 + k: in the local instance of process slot k */
#define EV_BATCH 16     /* pages written to swap per shortage: one request */
#define EV_FRESH 64     /* requests a page read and not used yet is kept */

struct evpol {
	struct pol pol;
	void *arena;
	uint32_t *slot_frame; /* slot -> frame index */
	uint32_t *free_slot;  /* removed slots, reused first */
	uint32_t nfree, nused;
	uint64_t vlo, vhi; /* a local instance: its pages lie in vpn [vlo, vhi) */
};

static struct evpol global;
static struct evpol *local[MAX_PROCS];
static uint8_t *frame_owner;   /* EV_* per grant frame */
static uint32_t *frame_slot;   /* its slot in that instance */
static uint32_t *frame_vpn;    /* where its holders map it */
static uint32_t *frame_epoch;  /* the request that last used it */
static uint32_t *frame_ino;    /* a file page of the cache mapped by processes:
				  its inode (frame_vpn holding its page index) */
static uint32_t *frame_swslot; /* a tracked swap-cache frame mapped by
				  processes: its slot; 0: anonymous */
static uint32_t *frame_held;   /* the slot a mapped swap-cache frame holds
				  (tracked or not: a lent one); 0: none */
/* ntracked: frames in a policy; ncached: those of them that are page-cache
 * frames too (counted once for the limit, as cache pages). */
static uint64_t nframes, ntracked, ncached, ev_limit;
static char ev_policy_name[16] = "clock";
static uint64_t ev_seed = 1;
struct ev_stats ev_stats;

static uint16_t *swap_ref;
static uint64_t swap_nslots, swap_hint;
static uint64_t sc_holds; /* frames with frame_held set: slots kept for them */

static uint64_t fidx(uint64_t pa) { return (pa - pg_frames.base) / PG; }
static uint64_t fpa(uint64_t f) { return pg_frames.base + f * PG; }

static int ev_room(void);

/* ---- swap slots ---------------------------------------------------------- */

/* Page 0 of a Linux swap area (mkswap): "SWAPSPACE2" at its end, version
 * 1 at byte 1024, then the last usable page. */
bool swap_header_ok(const uint8_t *page0, uint64_t sectors, uint64_t *slots)
{
	uint32_t version, last;
	memcpy(&version, page0 + 1024, 4);
	memcpy(&last, page0 + 1028, 4);
	if (memcmp(page0 + 4086, "SWAPSPACE2", 10) || version != 1 || last < 1)
		return false;
	uint64_t n = (uint64_t)last + 1, fit = sectors / 8;
	*slots = n < fit ? n : fit;
	if (*slots > 0xffffffffULL / 4) /* block numbers are 32 bits (1 KiB blocks) */
		*slots = 0xffffffffULL / 4;
	return *slots > 1;
}

void swap_init(unsigned unit, uint64_t slots)
{
	/* frame_held only with a swap disk: a boot without one does not pay
	 * for zeroing it */
	if (frame_owner && !(frame_held = calloc(nframes, sizeof *frame_held)))
		return;
	swap_ref = calloc(slots, sizeof *swap_ref);
	if (!swap_ref)
		return;
	swap_nslots = slots;
	swap_hint = 1;
	cache_swap_unit = (int)unit;
	if (frame_owner) {
		cache_room_hook = ev_room; /* page-out can make room from now on */
		ev_on = true;
	}
}

/* A free slot (reference count still 0), or 0 when swap is full. Slots are
 * handed out in address order from where the last one was, so a batch is
 * one contiguous write. */
static uint64_t swap_alloc(void)
{
	for (uint64_t i = 0; i < swap_nslots; i++) {
		uint64_t s = swap_hint + i < swap_nslots ? swap_hint + i : swap_hint + i - swap_nslots + 1;
		if (s && !swap_ref[s]) {
			swap_hint = s + 1 < swap_nslots ? s + 1 : 1;
			return s;
		}
	}
	return 0;
}

void swap_get(uint64_t slot) { swap_ref[slot]++; }
uint32_t swap_refs(uint64_t slot) { return swap_ref[slot]; }

uint64_t swap_put(uint64_t slot)
{
	bool still_cached;
	if (--swap_ref[slot])
		return 0;
	ev_stats.swap_used--;
	uint64_t pa = cache_swap_forget(slot, &still_cached);
	if (pa && still_cached) { /* the cache lets it go later: until then, */
		ev_untrack(pa);     /* a store copies it; never evicted */
		return 0;
	}
	return pa;
}

void swap_drop(uint64_t slot)
{
	uint64_t pa = swap_put(slot);
	if (pa)
		ev_adopt(pa); /* others paged it in already: theirs now */
}

/* ---- policy instances ---------------------------------------------------- */

static int ev_make(struct evpol *ep, const struct pol_ops *ops, uint32_t frames)
{
	size_t need = pol_arena_size(ops, frames);
	memset(ep, 0, sizeof *ep);
	ep->arena = need ? malloc(need) : NULL;
	ep->slot_frame = malloc(frames * sizeof *ep->slot_frame);
	ep->free_slot = malloc(frames * sizeof *ep->free_slot);
	if (!ep->arena || !ep->slot_frame || !ep->free_slot ||
	    pol_create(&ep->pol, ops, frames, ev_seed, ep->arena, need) < 0) {
		free(ep->arena);
		free(ep->slot_frame);
		free(ep->free_slot);
		memset(ep, 0, sizeof *ep);
		return -ENOMEM;
	}
	ep->vlo = UINT64_MAX; /* empty: [vlo, vhi) grows with ev_add */
	return 0;
}

static void ev_unmake(struct evpol *ep)
{
	free(ep->arena);
	free(ep->slot_frame);
	free(ep->free_slot);
	memset(ep, 0, sizeof *ep);
}

static struct evpol *ev_of(uint8_t owner)
{
	return owner == EV_GLOBAL ? &global : owner >= EV_LOCAL0 ? local[owner - EV_LOCAL0] : NULL;
}

/* Page ids for the policies' histories (CAR): the virtual page, and the
 * process for the global instance. */
static uint64_t ev_page_id(uint8_t owner, long pid, uint64_t vpn)
{
	return owner == EV_GLOBAL ? (uint64_t)pid << 32 | vpn : vpn;
}

static uint8_t *frame_dirty; /* a file frame's class when it was tracked */
static int ev_file_class(uint64_t f) { return frame_dirty[f] ? POL_DIRTY : POL_CLEAN; }

static void ev_add(struct evpol *ep, uint8_t owner, uint64_t f, uint64_t id)
{
	uint32_t s = ep->nfree ? ep->free_slot[--ep->nfree] : ep->nused++;
	ep->slot_frame[s] = (uint32_t)f;
	frame_owner[f] = owner;
	frame_slot[f] = s;
	if (owner != EV_GLOBAL) { /* its harvest looks only there */
		uint64_t v = frame_vpn[f];
		ep->vlo = v < ep->vlo ? v : ep->vlo;
		ep->vhi = v + 1 > ep->vhi ? v + 1 : ep->vhi;
	}
	/* anonymous: swap has no copy; a swap-cache frame: clean; a file
	 * page: as the cache says (set by ev_track_file) */
	int cls = frame_swslot[f] ? POL_CLEAN : frame_ino[f] ? ev_file_class(f) : POL_DIRTY;
	pol_add(&ep->pol, s, id, cls);
	ntracked++;
	ncached += frame_swslot[f] || frame_ino[f];
}

/* Frames the limit counts: process pages outside the cache, and the
 * cache's pages (a tracked cache frame is one of those already). */
static uint64_t ev_used(void) { return ntracked - ncached + cache_stats.pages; }

/* The frame leaves its policy's count (its slot handled by the caller). */
static void ev_uncount(uint64_t f)
{
	ntracked--;
	ncached -= frame_swslot[f] || frame_ino[f];
}

/* The frame's page left without being chosen (freed, lent, exit). */
static void ev_forget(uint64_t f)
{
	struct evpol *ep = ev_of(frame_owner[f]);
	if (ep) {
		pol_remove(&ep->pol, frame_slot[f]);
		ep->free_slot[ep->nfree++] = frame_slot[f];
		ev_uncount(f);
	}
	frame_owner[f] = EV_NONE;
	frame_swslot[f] = 0;
	frame_ino[f] = 0;
}

void ev_untrack(uint64_t pa)
{
	if (frame_owner && frame_owner[fidx(pa)])
		ev_forget(fidx(pa));
}

void ev_touch_page(uint64_t pa) { frame_epoch[fidx(pa)] = cache_epoch; }

/* ---- page-out ------------------------------------------------------------ */

/* A file page of the cache: unmapped from every process that maps it, its
 * stores harvested first (mm_harvest: the page is then dirty in the
 * cache, written back by the next sync). The cache keeps the page; once
 * clean and unmapped it is reclaimed like any other. Mappers are found
 * through their regions: the same file page may sit at different
 * addresses in different processes. */
static void ev_file_out(uint64_t f)
{
	uint64_t pa = fpa(f), off = (uint64_t)frame_vpn[f] * PG;
	uint32_t ino = frame_ino[f];
	frame_ino[f] = 0;
	for (int i = 0; i < MAX_PROCS; i++) {
		struct proc *q = proc_slot(i);
		for (int k = 0; q->state == P_LIVE && q->task > 0 && k < q->nregions; k++) {
			const struct region *g = &q->regions[k];
			if (!g->vn || g->vn->ino != ino || off < g->seg_off)
				continue;
			uint64_t va = g->seg_va + (off - g->seg_off);
			uint64_t *e = va >= g->start && va < g->end
					      ? pagemap_find(&pg_frames, &q->pages, va / PG) : NULL;
			if (!e || (*e & PM_SWAP) || (*e & ~PM_FLAGS) != pa)
				continue;
			if (g->kind == RG_MMAP && g->shared)
				mm_harvest(q, va, va + PG); /* stores -> the cache page is dirty */
			sys_unmap(q->task, va, 1);
			pagemap_del(&pg_frames, &q->pages, va / PG);
			q->resident--;
			frame_put(pa);
		}
	}
	ev_stats.evictions++;
}

/* ---- shared anonymous objects in swap ---------------------------------- */

/* An object of vfs_anon_new with pages in swap: page index -> slot <<
 * 12 | PM_SWAP. The object holds the slot's one reference, not its
 * mappers: they find the page through their regions (ev_anon_page), as
 * they found it in the cache. Kept while it holds a slot. */
struct ev_obj {
	uint32_t ino;
	struct pagemap slots;
	struct ev_obj *next;
};

#define EV_OBJ_HASH 64
#define EV_OBJ_PAGES (1ULL << 27) /* indexes a pagemap keeps apart (Sv39's vpns) */
static struct ev_obj *ev_objs[EV_OBJ_HASH];

/* The link to ino's object (*link NULL: it has none). */
static struct ev_obj **ev_obj_link(uint32_t ino)
{
	struct ev_obj **link = &ev_objs[ino % EV_OBJ_HASH];
	while (*link && (*link)->ino != ino)
		link = &(*link)->next;
	return link;
}

/* ino's object, made if needed; NULL: no memory. */
static struct ev_obj *ev_obj_get(uint32_t ino)
{
	struct ev_obj **link = ev_obj_link(ino);
	if (!*link && (*link = calloc(1, sizeof **link)))
		(*link)->ino = ino;
	return *link;
}

/* Its last slot went: the object's record goes too. */
static void ev_obj_drop_empty(uint32_t ino)
{
	struct ev_obj **link = ev_obj_link(ino), *o = *link;
	if (!o || o->slots.used)
		return;
	pagemap_free(&pg_frames, &o->slots);
	*link = o->next;
	free(o);
}

/* Page-out of page idx of object ino (frame f): every mapper unmapped
 * (ev_file_out), then the cache page becomes the dirty page of a new
 * slot the object holds. False, with nothing changed, when there is no
 * slot or no memory for the record. */
static bool ev_anon_out(uint64_t f)
{
	uint64_t pa = fpa(f), idx = frame_vpn[f], slot, *e = NULL;
	uint32_t ino = frame_ino[f];
	struct cpage *cp = cache_lookup(ino, idx);
	struct ev_obj *o;
	if (!cp || cp->pa != pa || !(cp->flags & CP_ANON) || idx >= EV_OBJ_PAGES) {
		ev_file_out(f); /* not the object's page any more: unmap only */
		return true;
	}
	if (!(slot = swap_alloc()) || !(o = ev_obj_get(ino)) ||
	    !(e = pagemap_set(&pg_frames, &o->slots, idx, slot << 12 | PM_SWAP))) {
		ev_obj_drop_empty(ino);
		return false;
	}
	ev_file_out(f);
	if (frame_refs(pa) != 1) { /* a holder no region shows: the page stays */
		pagemap_del(&pg_frames, &o->slots, idx);
		ev_obj_drop_empty(ino);
		return true;
	}
	cache_anon_out(cp, slot);
	swap_ref[slot]++; /* the object's one reference */
	ev_stats.swap_used++;
	ev_stats.pageouts++;
	return true;
}

struct cpage *ev_anon_page(uint32_t ino, uint64_t idx, int *err)
{
	struct ev_obj *o = cache_lookup(ino, idx) ? NULL : *ev_obj_link(ino);
	uint64_t *e = o ? pagemap_find(&pg_frames, &o->slots, idx) : NULL;
	struct cpage *cp;
	if (!e) { /* in the cache, or never stored to: new zeros */
		if (!(cp = cache_anon_page(ino, idx)))
			*err = -ENOMEM;
		return cp;
	}
	uint64_t slot = *e >> 12;
	if (!(cp = cache_anon_in(ino, idx, slot, err)))
		return NULL;
	pagemap_del(&pg_frames, &o->slots, idx);
	ev_obj_drop_empty(ino);
	swap_drop(slot); /* its page is the object's again */
	return cp;
}

/* cache_truncate_hook: object ino shrinks to first pages (0: it is gone):
 * the slots of its pages past that are freed. */
static void ev_obj_slot_free(uint64_t idx, uint64_t *entry, void *ctx)
{
	struct ev_obj *o = ctx;
	(void)idx;
	swap_drop(*entry >> 12);
	*entry = 0;
	o->slots.used--;
}

static void ev_anon_truncate(uint32_t ino, uint64_t first)
{
	struct ev_obj *o = *ev_obj_link(ino);
	if (!o || first >= EV_OBJ_PAGES)
		return;
	pagemap_walk_range(&pg_frames, &o->slots, first, EV_OBJ_PAGES, ev_obj_slot_free, o);
	pagemap_prune(&pg_frames, &o->slots, first, EV_OBJ_PAGES);
	ev_obj_drop_empty(ino);
}

/* Swap is full: a slot only a swap-cache frame holds is freed (its page,
 * mapped and idle, becomes an anonymous page again, written at its next
 * eviction) and handed out; 0 if there is none. A scan of the frames, from
 * where the last one ended: only when swap is full. */
static uint64_t ev_sc_unhold(void)
{
	static uint64_t next;
	for (uint64_t i = 0; i < nframes && sc_holds; i++) {
		uint64_t f = (next + i) % nframes, slot = frame_held[f];
		struct cpage *cp = slot && frame_owner[f] && swap_ref[slot] == 1
					   ? cache_lookup(CACHE_SWAP, slot) : NULL;
		if (!cp || cp->pa != fpa(f) || (cp->flags & (CP_READING | CP_WRITING)))
			continue;
		next = f + 1;
		frame_held[f] = 0;
		sc_holds--;
		swap_drop(slot); /* entries keep PM_SC: harmless, frame_held is 0 */
		return swap_alloc();
	}
	return 0;
}

/* Swap-cache frame f of slot was unmapped by its eviction: with no mapper
 * left (a lent one may stay) it gives up its hold on the slot, and the
 * page, clean and idle, leaves the cache at once: a clean drop. */
static void ev_sc_out(uint64_t f, uint64_t slot)
{
	if (frame_refs(fpa(f)) != 1 || frame_held[f] != slot)
		return;
	frame_held[f] = 0;
	sc_holds--;
	swap_put(slot); /* its holders' swap entries keep it, if any */
	cache_swap_release(slot);
}

/* Frame f (out of every policy) leaves the processes that map it: a
 * shared anonymous object's page to swap (ev_anon_out), a file page as
 * above; an anonymous page to a new swap slot, a swap-cache page
 * back to its own, every holder at frame_vpn getting a swap entry
 * instead. False when swap is full (nothing was changed then). */
static bool ev_page_out(uint64_t f)
{
	if (frame_ino[f] >= VFS_ANON_INO)
		return ev_anon_out(f);
	if (frame_ino[f]) {
		ev_file_out(f);
		return true;
	}
	uint64_t pa = fpa(f), va = (uint64_t)frame_vpn[f] * PG, slot = frame_swslot[f];
	bool clean = slot != 0; /* its slot holds it: unmap, nothing to write */
	frame_swslot[f] = 0;
	if (!clean && ((!(slot = swap_alloc()) && !(slot = ev_sc_unhold())) ||
		       !cache_swap_out(slot, pa)))
		return false;
	for (int i = 0; i < MAX_PROCS; i++) {
		struct proc *q = proc_slot(i);
		uint64_t *e = q->state == P_LIVE ? pagemap_find(&pg_frames, &q->pages, va / PG) : NULL;
		if (!e || (*e & PM_SWAP) || (*e & ~PM_FLAGS) != pa)
			continue;
		sys_unmap(q->task, va, 1);
		*e = slot << 12 | PM_SWAP;
		q->resident--;
		q->swapped++;
		swap_ref[slot]++;
		frame_put(pa);
	}
	if (!clean && swap_ref[slot]) /* else a stray frame: the cache lets it go */
		ev_stats.swap_used++;
	if (clean)
		ev_sc_out(f, slot);
	ev_stats.pageouts += !clean;
	ev_stats.evictions++;
	return true;
}

/* The index of the lowest set bit of b (b != 0): de Bruijn, since the
 * base ISA has no ctz and libgcc's costs tens of instructions. */
static unsigned ev_ctz(uint64_t b)
{
	static const uint8_t pos[64] = {
		0, 1, 2, 53, 3, 7, 54, 27, 4, 38, 41, 8, 34, 55, 48, 28, 62, 5, 39, 46, 44, 42,
		22, 9, 24, 35, 59, 56, 49, 18, 29, 11, 63, 52, 6, 26, 37, 40, 33, 47, 61, 45,
		43, 21, 23, 58, 17, 10, 51, 25, 36, 32, 60, 20, 57, 16, 50, 31, 19, 15, 30, 14,
		13, 12};
	return pos[((b & -b) * 0x022fdd63cc95386dULL) >> 58];
}

/* Read and clear the A bits of ep's frames mapped in p, a run of
 * consecutive pages per call; each referenced page is pol_ref'ed. */
#define EV_LEAF 512 /* pages under one leaf of the shadow table */
struct ev_run {
	struct evpol *ep;
	struct proc *p;
	uint8_t owner;
};

/* x, a shadow entry whose page was referenced: pol_ref if it is a frame
 * of this instance. */
static void ev_ref(struct evpol *ep, uint8_t owner, uint64_t x)
{
	uint64_t off = (x & ~PM_FLAGS) - pg_frames.base;
	if (x && !(x & PM_SWAP) && off < pg_frames.end - pg_frames.base &&
	    frame_owner[off / PG] == owner)
		pol_ref(&ep->pol, frame_slot[off / PG]);
}

/* One SYS_REF_CLEAR over the leaf's 512 pages (the kernel looks only at
 * the page-table entries present; D bits stay for msync), then pol_ref
 * for each referenced page that is a frame of this instance. */
static void ev_run_leaf(uint64_t first, uint64_t *e, void *ctx)
{
	static uint64_t bits[EV_LEAF / 64];
	struct ev_run *r = ctx;
	if (r->owner != EV_GLOBAL && (first >= r->ep->vhi || first + EV_LEAF <= r->ep->vlo))
		return; /* no page of this local instance under the leaf */
	if (sys_ref_clear(r->p->task, first * PG, EV_LEAF, bits) <= 0)
		return;
	for (unsigned w = 0; w < EV_LEAF / 64; w++) {
		for (uint64_t b = bits[w]; b; b &= b - 1)
			ev_ref(r->ep, r->owner, e[w * 64 + ev_ctz(b)]);
	}
}

/* SYS_REF_CLEAR over vpn [vlo, vhi) of p (a region, or a local instance's
 * range), 4,096 pages a call; a shadow-table walk per 512-page leaf that
 * holds a referenced page, no more. */
#define EV_RANGE_MAX 16384
static void ev_harvest_range(struct evpol *ep, uint8_t owner, struct proc *p, uint64_t vlo,
			     uint64_t vhi)
{
	static uint64_t bits[4096 / 64];
	for (uint64_t v = vlo; v < vhi; v += 4096) {
		uint64_t n = vhi - v < 4096 ? vhi - v : 4096, *leaf = NULL, leaf_vpn = 1;
		if (sys_ref_clear(p->task, v * PG, n, bits) <= 0)
			continue;
		for (unsigned w = 0; w < (n + 63) / 64; w++) {
			for (uint64_t b = bits[w]; b; b &= b - 1) {
				uint64_t vpn = v + w * 64 + ev_ctz(b);
				if ((vpn & ~511ULL) != leaf_vpn) { /* one walk per 512 pages */
					leaf_vpn = vpn & ~511ULL;
					leaf = pagemap_leaf(&pg_frames, &p->pages, vpn);
				}
				ev_ref(ep, owner, leaf ? leaf[vpn & 511] : 0);
			}
		}
	}
}

/* Region by region when every region is small (the usual case), else
 * along the shadow table's leaves: the work follows the pages present,
 * never the size of a huge sparse region. */
static void ev_harvest_proc(struct evpol *ep, uint8_t owner, struct proc *q)
{
	for (int k = 0; k < q->nregions; k++) {
		if ((q->regions[k].end - q->regions[k].start) / PG > EV_RANGE_MAX) {
			struct ev_run r = {ep, q, owner};
			pagemap_walk_leaves(&pg_frames, &q->pages, ev_run_leaf, &r);
			return;
		}
	}
	/* Regions in address order, neighbours less than 1 MiB apart in one
	 * call: the kernel skips what is not mapped, a call costs more. */
	uint64_t lo[MAX_REGIONS], hi[MAX_REGIONS];
	int n = 0;
	for (int k = 0; k < q->nregions; k++) {
		const struct region *g = &q->regions[k];
		if (g->end <= g->start)
			continue;
		int at = n++;
		for (; at > 0 && lo[at - 1] > g->start / PG; at--) {
			lo[at] = lo[at - 1];
			hi[at] = hi[at - 1];
		}
		lo[at] = g->start / PG;
		hi[at] = g->end / PG;
	}
	for (int k = 0; k < n;) {
		uint64_t a = lo[k], b = hi[k];
		for (k++; k < n && lo[k] <= b + 256; k++)
			b = hi[k] > b ? hi[k] : b;
		ev_harvest_range(ep, owner, q, a, b);
	}
}

static void ev_harvest(struct evpol *ep, uint8_t owner, struct proc *only)
{
	if (ep->pol.ops->flags & POL_F_NOREF)
		return; /* FIFO, Random: references change nothing */
	if (only && owner != EV_GLOBAL && ep->vhi - ep->vlo <= EV_RANGE_MAX) {
		ev_harvest_range(ep, owner, only, ep->vlo, ep->vhi);
		return;
	}
	for (int i = 0; i < MAX_PROCS; i++) {
		struct proc *q = only ? only : proc_slot(i);
		if (q->state == P_LIVE && q->task > 0 && q->resident)
			ev_harvest_proc(ep, owner, q);
		if (only)
			break;
	}
}

/* One victim of ep, not used by the request being served (its pointers
 * into the frame are live); such a page is put back as a new one. */
static uint64_t ev_victim(struct evpol *ep, uint64_t incoming)
{
	for (int tries = 0; tries < 8 && ep->pol.nres; tries++) {
		uint32_t s = pol_victim(&ep->pol, POL_PREFER_CLEAN, incoming);
		if (s == POL_NONE)
			return UINT64_MAX;
		uint64_t f = ep->slot_frame[s], id = ep->pol.slot[s].page;
		uint8_t owner = frame_owner[f];
		ep->free_slot[ep->nfree++] = s;
		frame_owner[f] = EV_NONE;
		ev_uncount(f);
		if (frame_epoch[f] != cache_epoch)
			return f;
		ev_add(ep, owner, f, id);
	}
	return UINT64_MAX;
}

/* Evict one page of ep (whose frames are marked owner) to swap; false if
 * none could go. */
static bool ev_evict(struct evpol *ep, uint8_t owner, uint64_t incoming)
{
	uint64_t f = ev_victim(ep, incoming);
	if (f == UINT64_MAX)
		return false;
	if (ev_page_out(f))
		return true;
	ev_add(ep, owner, f, frame_vpn[f]); /* swap full: the page stays */
	return false;
}

/* cache_room_hook: make room before a frame is handed out. Within
 * EV_BATCH frames of the limit (or of running out), each frame handed out
 * first evicts one page: clean cached pages go first (nothing to write),
 * then the policy's victim, chosen after a fresh harvest of references
 * (one victim per harvest, as the simulator chooses one per miss); the
 * victims' writes go out EV_BATCH at a time, one request. At the limit a
 * request waits for those writes. At the limit with nothing left to page
 * out (swap full, or none) the frame is refused: the process that asked
 * is killed for memory, as a full swap must. */
static unsigned ev_pending; /* evicted pages whose writes are not started */

static int ev_room_inner(void);

/* Eviction can itself take a frame (a shared mapping's harvest reads the
 * file's inode): that frame is given, not evicted for (no recursion). */
static int ev_room(void)
{
	static bool busy;
	if (busy) { /* a clean page for it if there is one: the count stays */
		if (ev_limit && ev_used() >= ev_limit)
			cache_reclaim_aged(1, EV_FRESH);
		return CACHE_ROOM_OK;
	}
	busy = true;
	int r = ev_room_inner();
	busy = false;
	return r;
}

/* One victim of the global instance out, after a fresh harvest of
 * references (one victim per harvest, as the simulator chooses one per
 * miss); EV_BATCH evictions are one tick. */
static void ev_evict_global(void)
{
	static unsigned since_tick;
	ev_harvest(&global, EV_GLOBAL, NULL);
	if (ev_evict(&global, EV_GLOBAL, POL_NEVER)) {
		ev_pending++;
		if (++since_tick == EV_BATCH) {
			since_tick = 0;
			pol_tick(&global.pol);
		}
	}
}

static int ev_room_inner(void)
{
	uint64_t used = ev_used(), free = frames_free_count(&pg_frames);
	bool hard = ev_limit ? used >= ev_limit : free < 32;
	bool near = ev_limit ? used + EV_BATCH >= ev_limit : free < 32 + EV_BATCH;
	if (!near)
		return CACHE_ROOM_OK;
	/* Frames to give back for this one: one, and over the limit the
	 * excess too, EV_BATCH at most a call (frames given while evicting: a
	 * shared mapping's harvest reads the file's inode block, which may be
	 * the only clean page and reclaimed just before; ext2's reserve). One
	 * frame back for one handed out would hold the excess where it is,
	 * and every such frame would add to it. */
	uint64_t over = ev_limit && used >= ev_limit ? used - ev_limit + 1 : 1;
	unsigned want = over < EV_BATCH ? (unsigned)over : EV_BATCH;
	unsigned got = cache_reclaim_aged(want, EV_FRESH);
	if (got == want)
		return CACHE_ROOM_OK;
	for (unsigned i = got; i < want && swap_nslots && global.pol.nres; i++)
		ev_evict_global();
	/* Every dirty page but metadata: a frame may be asked for in the middle
	 * of an ext2 update, whose blocks must not be written half-done (the
	 * flusher, fsync and sync write them, at the end of a request). */
	if (hard && cache_stats.dirty) {
		cache_sync(CACHE_DATA);
		ev_stats.writebacks += cache_sync_file_pages;
		ev_pending = 0;
	} else if (ev_pending >= EV_BATCH) {
		cache_sync(CACHE_SWAP);
		ev_pending = 0;
	}
	if (!hard || got + cache_reclaim_aged(want - got, EV_FRESH)) /* clean ones free now */
		return CACHE_ROOM_OK;
	if (cache_inflight()) /* a wait ends when some I/O completes */
		return CACHE_ROOM_WAIT;
	/* Refused only when swap is really full (or absent): pages that cannot
	 * go just now (shared swap-cache frames in I/O) let it run over. */
	bool full = !swap_nslots || ev_stats.swap_used - sc_holds + 1 >= swap_nslots;
	return ev_limit && full ? CACHE_ROOM_NONE : CACHE_ROOM_OK;
}

/* ---- tracking: vm.c's hooks ---------------------------------------------- */

bool ev_on;

void ev_track_page(struct proc *p, uint64_t va, uint64_t pa)
{
	uint64_t f = fidx(pa);
	/* Without a swap disk nothing is evicted: no bookkeeping on faults. A
	 * driver's pages stay: page-in needs it. */
	if (!swap_nslots || !frame_owner || frame_owner[f] || blkc_is_driver(p->pid))
		return;
	frame_vpn[f] = (uint32_t)(va / PG);
	frame_epoch[f] = cache_epoch;
	struct evpol *ep = local[p->slot];
	if (!ep) {
		ev_add(&global, EV_GLOBAL, f, ev_page_id(EV_GLOBAL, p->pid, va / PG));
		return;
	}
	if (ep->pol.nres >= ep->pol.frames) { /* local replacement */
		ev_harvest(ep, (uint8_t)(EV_LOCAL0 + p->slot), p);
		static unsigned unwritten;
		if (ev_evict(ep, (uint8_t)(EV_LOCAL0 + p->slot), va / PG) && ++unwritten == EV_BATCH) {
			unwritten = 0;
			pol_tick(&ep->pol); /* a batch is one tick, as in the global */
			cache_sync(CACHE_SWAP); /* one request for a batch */
		}
	}
	if (ep->pol.nres < ep->pol.frames)
		ev_add(ep, (uint8_t)(EV_LOCAL0 + p->slot), f, va / PG);
	else
		ev_add(&global, EV_GLOBAL, f, ev_page_id(EV_GLOBAL, p->pid, va / PG));
}

/* A frame whose swap slot was freed while processes map it: theirs now,
 * an anonymous (dirty) page. */
void ev_adopt(uint64_t pa)
{
	uint64_t f = fidx(pa);
	struct evpol *ep = ev_of(frame_owner[f]);
	if (ep && frame_swslot[f]) {
		ncached--;
		frame_swslot[f] = 0;
		pol_set_dirty(&ep->pol, frame_slot[f], POL_DIRTY);
	} else if (!ep) {
		ev_add(&global, EV_GLOBAL, f, frame_vpn[f]);
	}
}

/* p maps file page idx of inode ino, the cache's frame pa: tracked once
 * (clean or dirty as the cache has it), evicted by unmapping it from all. */
void ev_track_file(struct proc *p, uint32_t ino, uint64_t idx, uint64_t pa, bool dirty)
{
	uint64_t f = fidx(pa);
	if (frame_owner[f] || blkc_is_driver(p->pid) || idx > UINT32_MAX)
		return;
	frame_ino[f] = ino;
	frame_vpn[f] = (uint32_t)idx;
	frame_dirty[f] = dirty;
	frame_epoch[f] = cache_epoch;
	ev_add(&global, EV_GLOBAL, f, (uint64_t)ino << 32 | idx);
}

/* p maps swap-cache frame pa of slot at va: a clean page (its slot holds
 * it), in p's local instance if it has one, as ev_track_page would put an
 * anonymous page; evicted by unmapping it (ev_page_out). */
static void ev_track_cached(struct proc *p, uint64_t va, uint64_t pa, uint64_t slot)
{
	uint64_t f = fidx(pa);
	if (!swap_nslots || !frame_owner || frame_owner[f] || blkc_is_driver(p->pid))
		return;
	frame_swslot[f] = (uint32_t)slot;
	ev_track_page(p, va, pa);
}

void ev_sc_map(struct proc *p, uint64_t va, uint64_t pa, uint64_t slot)
{
	uint64_t f = fidx(pa);
	if (!frame_held[f]) { /* its first mapper: the frame holds the slot */
		frame_held[f] = (uint32_t)slot;
		sc_holds++;
		swap_ref[slot]++;
	}
	swap_put(slot); /* p's swap entry: never the last one now */
	ev_track_cached(p, va, pa, slot);
}

/* Taken only when the storer is the one mapper (frame_refs 2: it and the
 * cache) and no swap entry names the slot, with no I/O on the page: then
 * nothing else can want swap's copy; else the storer copies. */
bool ev_sc_take(uint64_t pa)
{
	uint64_t f = fidx(pa), slot = frame_held[f];
	struct cpage *cp = slot ? cache_lookup(CACHE_SWAP, slot) : NULL;
	if (!cp || cp->pa != pa || frame_refs(pa) != 2 || swap_ref[slot] != 1 ||
	    (cp->flags & (CP_READING | CP_WRITING)))
		return false;
	frame_held[f] = 0;
	sc_holds--;
	swap_drop(slot); /* the page leaves the cache: an anonymous (dirty) page */
	return true;
}

void ev_sc_release(uint64_t pa)
{
	uint64_t f = fidx(pa), slot = frame_held[f];
	if (!slot)
		return;
	frame_held[f] = 0;
	sc_holds--;
	ev_untrack(pa); /* nobody maps it: nothing to evict */
	swap_put(slot); /* the last hold: the page and its frame go too */
}

/* p ends: its local pages (still held by a child, say) join the global. */
void ev_proc_gone(struct proc *p)
{
	struct evpol *ep = local[p->slot];
	if (!ep)
		return;
	for (uint64_t f = 0; f < nframes && ep->pol.nres; f++) {
		if (frame_owner[f] == EV_LOCAL0 + p->slot) {
			ev_forget(f);
			ev_add(&global, EV_GLOBAL, f, frame_vpn[f]);
		}
	}
	ev_unmake(ep);
	free(ep);
	local[p->slot] = NULL;
}

/* ---- setup and PG_PAGERCTL ----------------------------------------------- */

static const struct pol_ops *ev_ops(const char *name, long *err)
{
	const struct pol_ops *ops = pol_find(name);
	*err = !ops ? -ENOENT : (ops->flags & (POL_F_SIM_ONLY | POL_F_FUTURE)) ? -EINVAL : 0;
	return *err ? NULL : ops;
}

/* A new global instance of ops; the frames tracked so far join it in
 * frame order. */
static long ev_set_policy(const char *name, uint64_t seed)
{
	long e;
	const struct pol_ops *ops = ev_ops(name, &e);
	struct evpol fresh;
	if (!ops)
		return e;
	uint64_t old_seed = ev_seed;
	ev_seed = seed;
	if (ev_make(&fresh, ops, (uint32_t)nframes) < 0) {
		ev_seed = old_seed;
		return -ENOMEM;
	}
	ev_unmake(&global);
	global = fresh;
	for (uint64_t f = 0; f < nframes; f++)
		if (frame_owner[f] == EV_GLOBAL) {
			frame_owner[f] = EV_NONE;
			ev_uncount(f);
			ev_add(&global, EV_GLOBAL, f, frame_vpn[f]);
		}
	snprintf(ev_policy_name, sizeof ev_policy_name, "%s", name);
	return 0;
}

static long ev_set_rlimit(struct proc *p, uint64_t n)
{
	if (n > PCTL_RLIMIT_MAX)
		return -EINVAL;
	ev_proc_gone(p); /* its old local pages join the global instance */
	p->rlimit = n;
	if (!n)
		return 0;
	long e;
	const struct pol_ops *ops = ev_ops(ev_policy_name, &e);
	struct evpol *ep = malloc(sizeof *ep);
	if (!ops || !ep || ev_make(ep, ops, (uint32_t)n) < 0) {
		free(ep);
		p->rlimit = 0;
		return -ENOMEM;
	}
	local[p->slot] = ep;
	return 0;
}

void ev_init(const char *bootargs)
{
	nframes = (pg_frames.end - pg_frames.base) / PG;
	frame_owner = calloc(nframes, 1);
	frame_slot = calloc(nframes, sizeof *frame_slot);
	frame_vpn = calloc(nframes, sizeof *frame_vpn);
	frame_epoch = calloc(nframes, sizeof *frame_epoch);
	frame_swslot = calloc(nframes, sizeof *frame_swslot);
	frame_ino = calloc(nframes, sizeof *frame_ino);
	frame_dirty = calloc(nframes, 1);
	cache_truncate_hook = ev_anon_truncate; /* an object's slots go with it */
	char name[16] = "clock", num[24] = "";
	const char *a;
	if ((a = strstr(bootargs, "policy=")) && (a == bootargs || a[-1] == ' '))
		sscanf(a + 7, "%15[^ ]", name);
	if ((a = strstr(bootargs, "seed=")) && (a == bootargs || a[-1] == ' '))
		sscanf(a + 5, "%23[^ ]", num);
	uint64_t seed = num[0] ? strtoull(num, NULL, 0) : 1;
	if (!frame_owner || !frame_slot || !frame_vpn || !frame_epoch || !frame_swslot ||
	    !frame_ino || !frame_dirty ||
	    (ev_set_policy(name, seed) < 0 && ev_set_policy("clock", seed) < 0)) {
		printf("pager: no memory for page-out: it is off\n");
		free(frame_owner);
		frame_owner = NULL;
		return;
	}
	if ((a = strstr(bootargs, "frames=")) && (a == bootargs || a[-1] == ' '))
		ev_limit = strtoull(a + 7, NULL, 0);
	if (ev_limit && ev_limit < PCTL_LIMIT_MIN)
		ev_limit = PCTL_LIMIT_MIN;
	if (ev_limit) /* else only once a swap disk or a limit appears: no cost */
		cache_room_hook = ev_room;
}

static long ev_stat(struct proc *p, uint64_t ubuf)
{
	struct pg_pagerstat st = {.seed = ev_seed, .limit = ev_limit,
				  .frames_used = ev_used(),
				  .faults = ev_stats.faults, .evictions = ev_stats.evictions,
				  .pageins = ev_stats.pageins, .pageouts = ev_stats.pageouts,
				  .writebacks = ev_stats.writebacks, .drops = cache_stats.dropped,
				  .swap_slots = swap_nslots ? swap_nslots - 1 : 0,
				  /* pages only swap holds: not those kept
				   * for clean resident pages (freed if
				   * swap runs out, ev_sc_unhold) */
				  .swap_used = ev_stats.swap_used - sc_holds,
				  .self_faults = p->faults, .self_pageins = p->pageins,
				  .self_resident = p->resident, .self_swapped = p->swapped,
				  .self_rlimit = p->rlimit};
	snprintf(st.policy, sizeof st.policy, "%s", ev_policy_name);
	return vm_copy_out(p, ubuf, &st, sizeof st);
}

/* ---- the fault trace (tools/pager-exp --dump-trace) ---------------------- */

bool ev_tracing;
static uint64_t *trace_buf;
static uint64_t trace_n, trace_read;

void ev_trace_page(struct proc *p, uint64_t va)
{
	if (trace_n < PCTL_TRACE_MAX)
		trace_buf[trace_n++] = (uint64_t)p->pid << 36 | va / PG;
}

static long ev_trace_start(void)
{
	if (!trace_buf && !(trace_buf = malloc(PCTL_TRACE_MAX * sizeof *trace_buf)))
		return -ENOMEM;
	trace_n = trace_read = 0;
	ev_tracing = true;
	return 0;
}

static long ev_trace_copy(struct proc *p, uint64_t ubuf, uint64_t max)
{
	ev_tracing = false;
	uint64_t n = trace_n - trace_read < max ? trace_n - trace_read : max;
	if (!n)
		return 0;
	long r = vm_copy_out(p, ubuf, trace_buf + trace_read, n * sizeof *trace_buf);
	if (r < 0)
		return r;
	trace_read += n;
	return (long)n;
}

long ev_call(struct proc *p, const struct msg *m)
{
	char name[16];
	long r;
	if (!frame_owner)
		return -ENOSYS;
	switch (m->w[0]) {
	case PCTL_STAT:
		r = ev_stat(p, m->w[1]);
		return r < 0 ? r : 0;
	case PCTL_POLICY:
		if ((r = vm_string_in(p, name, m->w[1], sizeof name)) < 0)
			return r == -ENAMETOOLONG ? -ENOENT : r;
		return ev_set_policy(name, m->w[2]);
	case PCTL_LIMIT:
		if (m->w[1] && m->w[1] < PCTL_LIMIT_MIN)
			return -EINVAL;
		ev_limit = m->w[1];
		if (ev_limit || swap_nslots)
			cache_room_hook = ev_room;
		return 0;
	case PCTL_RLIMIT: {
		struct proc *q = m->w[1] ? proc_find((long)m->w[1]) : p;
		if (!q || q->state != P_LIVE)
			return -ESRCH;
		return ev_set_rlimit(q, m->w[2]);
	}
	case PCTL_TRACE_START:
		return ev_trace_start();
	case PCTL_TRACE_READ:
		return ev_trace_copy(p, m->w[1], m->w[2]);
	case PCTL_HARVEST:
		if (local[p->slot])
			ev_harvest(local[p->slot], (uint8_t)(EV_LOCAL0 + p->slot), p);
		else
			ev_harvest(&global, EV_GLOBAL, p);
		return 0;
	default:
		return -EINVAL;
	}
}
