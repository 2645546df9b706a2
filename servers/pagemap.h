/*
 * pagemap.h (servers/) - a process's shadow page table in the pager:
 * virtual page number -> frame address | PM_* flags. A three-level radix
 * tree of 512-entry nodes, like Sv39 itself; every node is one frame
 * from the pager's frame allocator, so a process's bookkeeping returns to
 * the pool when it exits. Pure logic: host tests give it fake frames.
 * Invariant: an entry is 0 (no page), a frame address with flags, or a
 * swap slot << 12 | PM_SWAP.
 */
#ifndef SERVERS_PAGEMAP_H
#define SERVERS_PAGEMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "frames.h"

#define PM_COW 1ULL   /* shared copy-on-write: map read-only, copy on store */
#define PM_LENT 2ULL  /* someone else's frame lent to us read-only */
#define PM_SWAP 4ULL  /* not resident: the page is in swap slot entry >> 12 */
/* With PM_COW: a swap-cache frame, paged in and not written since; the
 * frame holds its slot while mapped (evict.c), the first store frees it. */
#define PM_SC 8ULL
#define PM_FLAGS 0xfffULL

struct pagemap {
	uint64_t root; /* pa of the top node, 0 while empty */
	uint64_t used; /* entries in use */
	uint64_t nodes;
};

/* The entry for vpn, or NULL when it holds no page. */
uint64_t *pagemap_find(struct frames *f, struct pagemap *pm, uint64_t vpn);
/* The leaf node holding vpn's entry (512 entries, vpn & 511 is its index),
 * or NULL when there is none: for loops over many pages of one leaf. */
uint64_t *pagemap_leaf(struct frames *f, struct pagemap *pm, uint64_t vpn);
/* The same, with missing nodes made (NULL: no frame left). Entries the
 * caller fills there are its to count in pm->used. */
uint64_t *pagemap_leaf_make(struct frames *f, struct pagemap *pm, uint64_t vpn);
/* Set the entry (pa | flags, non-zero); 0, or -1 when no frame is left. */
int pagemap_put(struct frames *f, struct pagemap *pm, uint64_t vpn, uint64_t entry);
/* The same, returning the entry's slot (NULL: no frame left): no second
 * walk for a caller that goes on using it. */
uint64_t *pagemap_set(struct frames *f, struct pagemap *pm, uint64_t vpn, uint64_t entry);
void pagemap_del(struct frames *f, struct pagemap *pm, uint64_t vpn);
/* Visit every entry in vpn order; fn may change *entry but not add/del. */
typedef void (*pagemap_fn)(uint64_t vpn, uint64_t *entry, void *ctx);
void pagemap_walk(struct frames *f, struct pagemap *pm, pagemap_fn fn, void *ctx);
/* Visit every leaf node (512 entries, vpn first .. first + 511, zeros
 * included) in vpn order: for loops too hot for a call per entry. */
typedef void (*pagemap_leaf_fn)(uint64_t first, uint64_t *entries, void *ctx);
void pagemap_walk_leaves(struct frames *f, struct pagemap *pm, pagemap_leaf_fn fn, void *ctx);
/* Is any vpn of [lo, hi) present? Stops at the first. */
bool pagemap_any(struct frames *f, struct pagemap *pm, uint64_t lo, uint64_t hi);
/* The same for the entries with vpn in [lo, hi) only. */
void pagemap_walk_range(struct frames *f, struct pagemap *pm, uint64_t lo, uint64_t hi,
			pagemap_fn fn, void *ctx);
/* Free the nodes that hold no entry in vpn range [lo, hi). */
void pagemap_prune(struct frames *f, struct pagemap *pm, uint64_t lo, uint64_t hi);
/* Free the tree's nodes (not the frames the entries name). */
void pagemap_free(struct frames *f, struct pagemap *pm);

#endif /* SERVERS_PAGEMAP_H */
