/*
 * sim.h - the simulation loops of tools/pagersim, shared with the host
 * tests: one policy at one size over a dense trace, and Mattson's one-pass
 * LRU stack distances. Layer: tools (native host program).
 */
#ifndef TOOLS_PAGERSIM_SIM_H
#define TOOLS_PAGERSIM_SIM_H

#include "../../servers/policy/policy.h"
#include "trace.h"

struct sim_opts {
	uint64_t seed, param;
	uint64_t tick;        /* pol_tick every `tick` requests; 0: never */
};

struct sim_result {
	uint64_t hits, misses;
	double seconds;       /* the request loop alone */
};

/* Run ops with `frames` slots over t (t->next needed for POL_F_FUTURE).
 * 0, or -1 (out of memory, or with check set: a broken invariant). */
int sim_run(const struct pol_ops *ops, uint32_t frames, const struct trace *t,
	    const struct sim_opts *o, struct sim_result *r);

/* Mattson: hist[d] (d = 1 .. npages) counts requests at stack distance
 * d, *cold the first references. hist has npages + 1 entries. */
int sim_mattson(const struct trace *t, uint64_t *hist, uint64_t *cold);
/* LRU misses with `frames` frames from the histogram. */
uint64_t sim_mattson_misses(const uint64_t *hist, uint32_t npages, uint64_t cold,
			    uint32_t frames);

#endif /* TOOLS_PAGERSIM_SIM_H */
