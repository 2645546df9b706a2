/*
 * sim.c - run a policy over a trace through the policy interface exactly
 * as the guest pager would call it, and Mattson's stack algorithm for the
 * whole LRU curve in one pass (O(n log n) with a Fenwick tree over time).
 * Layer: tools (native host program).
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, mkstemp, strdup, strtok_r */
#include "sim.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static double sim_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* One miss: a free slot or a victim; returns the slot or POL_NONE. */
static uint32_t sim_slot(struct pol *p, uint32_t *slot_of, uint32_t *nused, uint64_t page)
{
	if (*nused < p->frames)
		return (*nused)++;
	uint32_t s = pol_victim(p, POL_HINT_NONE, page);
	if (s != POL_NONE)
		slot_of[p->slot[s].page] = POL_NONE;
	return s;
}

static int sim_loop(struct pol *p, const struct trace *t, const struct sim_opts *o,
		    uint32_t *slot_of, struct sim_result *r)
{
	uint32_t nused = 0;
	uint64_t tick = o->tick, tk = 0, hits = 0;
	int future = (p->ops->flags & POL_F_FUTURE) != 0;
	for (uint64_t i = 0; i < t->n; i++) {
		/* The page-to-slot lookup is the loop's one sure cache miss on a
		 * big trace: fetch it ahead (reading past the end is avoided). */
		if (i + 16 < t->n)
			__builtin_prefetch(&slot_of[t->id[i + 16]]);
		uint32_t d = t->id[i], s = slot_of[d];
		if (future)
			pol_set_next_use(p, t->next[i]);
		if (s != POL_NONE) {
			hits++;
			if (pol_ref(p, s))
				return -1;
		} else {
			s = sim_slot(p, slot_of, &nused, d);
			if (s == POL_NONE || pol_add(p, s, d, POL_CLEAN))
				return -1;
			slot_of[d] = s;
		}
		if (tick && ++tk == tick) {
			tk = 0;
			pol_tick(p);
		}
	}
	r->hits = hits;
	r->misses = t->n - hits;
	return 0;
}

int sim_run(const struct pol_ops *ops, uint32_t frames, const struct trace *t,
	    const struct sim_opts *o, struct sim_result *r)
{
	size_t need = pol_arena_size(ops, frames);
	void *arena = need ? aligned_alloc(8, (need + 7) & ~(size_t)7) : NULL;
	uint32_t *slot_of = malloc(((size_t)t->npages + 1) * sizeof *slot_of);
	struct pol p;
	int rc = -1;
	if (!arena || !slot_of || pol_create(&p, ops, frames, o->seed, arena, need))
		goto out;
	p.param = o->param;
	memset(slot_of, 0xff, ((size_t)t->npages + 1) * sizeof *slot_of);
	double t0 = sim_now();
	rc = sim_loop(&p, t, o, slot_of, r);
	r->seconds = sim_now() - t0;
	if (rc == 0 && (p.stats.refs != r->hits || p.stats.adds != r->misses))
		rc = -1;
out:
	free(arena);
	free(slot_of);
	return rc;
}

int sim_mattson(const struct trace *t, uint64_t *hist, uint64_t *cold)
{
	uint64_t n = t->n;
	int32_t *bit = calloc(n + 1, sizeof *bit);     /* 1 at each page's last request */
	uint64_t *last = malloc(((size_t)t->npages + 1) * sizeof *last);
	if (!bit || !last)
		return free(bit), free(last), -1;
	memset(last, 0, ((size_t)t->npages + 1) * sizeof *last); /* 0: not yet; else pos + 1 */
	memset(hist, 0, ((size_t)t->npages + 1) * sizeof *hist);
	*cold = 0;
	int64_t live = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint32_t d = t->id[i];
		if (last[d] == 0) {
			(*cold)++;
		} else {
			/* distinct pages since: live markers after last[d] */
			int64_t upto = 0;
			for (uint64_t k = last[d]; k > 0; k &= k - 1)
				upto += bit[k];
			hist[live - upto + 1]++;
			for (uint64_t k = last[d]; k <= n; k += k & (0 - k))
				bit[k]--;
			live--;
		}
		last[d] = i + 1;
		for (uint64_t k = i + 1; k <= n; k += k & (0 - k))
			bit[k]++;
		live++;
	}
	free(bit);
	free(last);
	return 0;
}

uint64_t sim_mattson_misses(const uint64_t *hist, uint32_t npages, uint64_t cold,
			    uint32_t frames)
{
	uint64_t m = cold;
	for (uint64_t d = (uint64_t)frames + 1; d <= npages; d++)
		m += hist[d];
	return m;
}
