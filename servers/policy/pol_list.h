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

struct pol_links {
	uint32_t *next, *prev;
};

static inline void pol_list_init(struct pol_links *l, uint32_t head)
{
	l->next[head] = l->prev[head] = head;
}

static inline int pol_list_empty(const struct pol_links *l, uint32_t head)
{
	return l->next[head] == head;
}

/* Insert x just before `at` (at the tail when `at` is the head). */
static inline void pol_list_insert_before(struct pol_links *l, uint32_t at, uint32_t x)
{
	uint32_t pv = l->prev[at];
	l->next[pv] = x;
	l->prev[x] = pv;
	l->next[x] = at;
	l->prev[at] = x;
}

static inline void pol_list_unlink(struct pol_links *l, uint32_t x)
{
	uint32_t n = l->next[x], pv = l->prev[x];
	l->next[pv] = n;
	l->prev[n] = pv;
}

#endif /* SERVERS_POLICY_POL_LIST_H */
