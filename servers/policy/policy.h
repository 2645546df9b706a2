/*
 * policy.h - the page-eviction policy interface, shared unchanged by the
 * guest pager (servers/) and the host trace simulator (tools/pagersim).
 * Layer: servers/policy, pure C, freestanding (stdint/stddef only), no
 * allocation: all state lives in a caller-provided arena sized at create.
 *
 * Model. The caller owns `frames` slots (0 .. frames-1: page frames in the
 * guest, cache entries in the simulator) and tells the policy what happens
 * to them; the policy only ever names slots the caller gave it.
 *
 * Invariants (checked by the pol_* wrappers, which refuse a call that
 * would break them and return POL_EINVAL with nothing changed):
 *  - a slot holds at most one page; a page (by id) sits in one slot at
 *    most (the caller's duty: the wrappers cannot see its page table);
 *  - resident count = adds - removes - victims <= frames;
 *  - pol_victim returns a resident slot and takes it out of the resident
 *    set (the caller then unmaps / writes the page); it is only called
 *    with at least one page resident;
 *  - the "prefer clean" hint never changes a choice between pages of the
 *    same class: with every resident page clean (or every one dirty) the
 *    result, and the state after, is exactly the hint-less one. So the
 *    simulator's textbook numbers hold for the guest's hinted calls on
 *    traces without writes;
 *  - the same calls with the same seed give the same choices (Random has
 *    its own PRNG; nothing reads a clock).
 *
 * References. pol_ref(slot) means "this page was referenced since the last
 * pol_ref/pol_tick about it": the simulator calls it on every hit, the
 * guest once per page whose hardware A bit it harvested (read-and-clear).
 * A page just added counts as referenced once (the access that faulted it
 * in: in the guest that access sets A right after the fault). pol_tick
 * marks the passing of time (the guest's harvest period; every N requests
 * in the simulator) for aging and working-set policies; others ignore it.
 */
#ifndef SERVERS_POLICY_POLICY_H
#define SERVERS_POLICY_POLICY_H

#include <stddef.h>
#include <stdint.h>

#define POL_NONE UINT32_MAX       /* no slot */
#define POL_NEVER UINT64_MAX      /* "never used again" (OPT's next use) */
#define POL_EINVAL (-22)

/* Page class, given at add and changed by pol_set_dirty. */
enum { POL_CLEAN = 0, POL_DIRTY = 1 };

/* Hints for pol_victim. */
enum { POL_HINT_NONE = 0, POL_PREFER_CLEAN = 1 };

/* Policy flags (struct pol_ops.flags). */
#define POL_F_SIM_ONLY 1u   /* needs every reference (exact LRU, ARC): simulator */
#define POL_F_FUTURE 2u     /* needs pol_set_next_use before add/ref (OPT) */
#define POL_F_NOREF 4u      /* ignores pol_ref: a caller may skip harvesting references */

struct pol_stats {
	uint64_t adds, refs, removes, ticks;
	uint64_t victims, victims_dirty; /* evictions chosen, of which dirty */
};

struct pol;

/* The common state of one slot (one cache line holds several). */
struct pol_slot {
	uint64_t page;          /* page id */
	uint8_t dirty;          /* POL_CLEAN / POL_DIRTY */
	uint8_t resident;       /* 1 if the slot holds a page */
};

/* One policy: one file in servers/policy/, one line in registry.c. */
struct pol_ops {
	const char *name;
	const char *summary;
	uint32_t flags;
	/* Bytes of private state for `frames` slots (8-byte aligned). */
	size_t (*state_size)(uint32_t frames);
	/* Start empty; the state is zero-filled already. */
	void (*init)(struct pol *p);
	/* Slot `slot` now holds page p->slot[slot].page (class .dirty). */
	void (*add)(struct pol *p, uint32_t slot);
	void (*ref)(struct pol *p, uint32_t slot);
	/* The page leaves without being chosen (unmapped, process exit). */
	void (*remove)(struct pol *p, uint32_t slot);
	/* Choose and forget a resident slot. `incoming` is the page about to
	 * come in (ARC/CAR adapt on it) or POL_NEVER if unknown. */
	uint32_t (*victim)(struct pol *p, unsigned hint, uint64_t incoming);
	void (*tick)(struct pol *p);             /* may be NULL */
	void (*set_dirty)(struct pol *p, uint32_t slot); /* may be NULL; after the change */
};

/* Common state, kept by the wrappers in policy.c; policies may read it. */
struct pol {
	const struct pol_ops *ops;
	void *st;               /* the policy's state, in the arena */
	uint32_t frames, nres, nclean; /* nclean: resident clean pages */
	uint64_t seed;
	uint64_t next_use;      /* POL_F_FUTURE: set by pol_set_next_use */
	uint64_t param;         /* the policy's knob (WSClock: tau); 0 = default */
	struct pol_slot *slot;  /* [frames] */
	struct pol_stats stats;
};

/* Registry (registry.c): every policy, by name. */
extern const struct pol_ops *const pol_registry[];
extern const uint32_t pol_registry_count;
const struct pol_ops *pol_find(const char *name);

/* Arena bytes needed for `ops` with `frames` slots (0 if frames is 0 or
 * too large). */
size_t pol_arena_size(const struct pol_ops *ops, uint32_t frames);
/* Set up p in arena (8-byte aligned, >= pol_arena_size bytes). 0 or
 * POL_EINVAL. */
int pol_create(struct pol *p, const struct pol_ops *ops, uint32_t frames, uint64_t seed,
	       void *arena, size_t arena_bytes);

int pol_add(struct pol *p, uint32_t slot, uint64_t page, int dirty);
int pol_ref(struct pol *p, uint32_t slot);
int pol_remove(struct pol *p, uint32_t slot);
int pol_set_dirty(struct pol *p, uint32_t slot, int dirty);
void pol_tick(struct pol *p);
/* The chosen slot (no longer resident), or POL_NONE if none is resident. */
uint32_t pol_victim(struct pol *p, unsigned hint, uint64_t incoming);
/* OPT: the time of the next request for the page of the coming add/ref. */
static inline void pol_set_next_use(struct pol *p, uint64_t t) { p->next_use = t; }

/* Helpers for policies. */
void pol_zero(void *dst, size_t n);
/* Carve n bytes (8-aligned) off *cur. */
static inline void *pol_carve(uint8_t **cur, size_t n)
{
	void *r = *cur;
	*cur += (n + 7) & ~(size_t)7;
	return r;
}
static inline size_t pol_round8(size_t n) { return (n + 7) & ~(size_t)7; }

#endif /* SERVERS_POLICY_POLICY_H */
