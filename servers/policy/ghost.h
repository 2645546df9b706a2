/*
 * ghost.h - the history directory of ARC and CAR: two LRU lists (B1, B2)
 * of page ids no longer resident, with a hash index by page id. Layer:
 * servers/policy, freestanding; `cap` nodes sized at create, no allocation.
 * Invariant: a page id is in at most one list; len[0] + len[1] <= cap.
 */
#ifndef SERVERS_POLICY_GHOST_H
#define SERVERS_POLICY_GHOST_H

#include "pol_list.h"
#include "policy.h"

struct pol_ghosts {
	uint32_t cap, mask, nfree, freelist;
	uint32_t len[2];
	struct pol_links l;  /* heads cap (B1), cap+1 (B2); next[head] = LRU */
	uint64_t *page;
	uint32_t *hnext, *bucket;
	uint8_t *which;
};

size_t ghost_size(uint32_t cap);
/* Set up g with its arrays carved from *cur. */
void ghost_init(struct pol_ghosts *g, uint32_t cap, uint8_t **cur);
/* The node holding page, or POL_NONE. */
uint32_t ghost_find(const struct pol_ghosts *g, uint64_t page);
/* Add page at the MRU end of list `which`; drops that list's LRU first
 * (the other's if it is empty) when the directory is full. */
void ghost_push(struct pol_ghosts *g, int which, uint64_t page);
void ghost_del(struct pol_ghosts *g, uint32_t node);
/* Drop the LRU entry of list `which` (nothing if empty). */
void ghost_drop_lru(struct pol_ghosts *g, int which);

#endif /* SERVERS_POLICY_GHOST_H */
