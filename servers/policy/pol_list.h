/*
 * pol_list.h - circular doubly linked lists of slots in index arrays, the
 * building block of most policies (FIFO, LRU, Clock's ring, ARC, CAR).
 * Layer: servers/policy, freestanding, header-only. A list's head is a
 * sentinel index >= frames in the same next/prev arrays, so one pair of
 * arrays carries several lists (ARC: T1 and T2).
 */
#ifndef SERVERS_POLICY_POL_LIST_H
#define SERVERS_POLICY_POL_LIST_H

#include <stdint.h>

/* next and prev side by side: one cache line per node visited. */
struct pol_link {
	uint32_t next, prev;
};

struct pol_links {
	struct pol_link *n;
};

static inline void pol_list_init(struct pol_links *l, uint32_t head)
{
	l->n[head].next = l->n[head].prev = head;
}

static inline int pol_list_empty(const struct pol_links *l, uint32_t head)
{
	return l->n[head].next == head;
}

/* Insert x just before `at` (at the tail when `at` is the head). */
static inline void pol_list_insert_before(struct pol_links *l, uint32_t at, uint32_t x)
{
	uint32_t pv = l->n[at].prev;
	l->n[pv].next = x;
	l->n[x].prev = pv;
	l->n[x].next = at;
	l->n[at].prev = x;
}

static inline void pol_list_unlink(struct pol_links *l, uint32_t x)
{
	uint32_t n = l->n[x].next, pv = l->n[x].prev;
	l->n[pv].next = n;
	l->n[n].prev = pv;
}

#endif /* SERVERS_POLICY_POL_LIST_H */
