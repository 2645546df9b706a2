/*
 * pgwork_mem.c (servers/bin/) - pgwork's anonymous-memory workloads: seq
 * (every word of every page, in order), and loop, rand and zipf (one
 * counter touch per page reference, the page chosen in order, uniformly
 * or zipf-skewed). Exact rules: docs/workloads.md.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "pgwork.h"

/* seq: pass 0 writes version 0 of every page; round k (1..r) checks each
 * page's version k-1 and writes version k; a last pass checks version r.
 * Every word is written and read: a streaming, all-dirty scan. */
int pgw_seq(const struct pgw_opts *o)
{
	uint64_t *m = pgw_map(o, o->pages);
	if (!m)
		return 1;
	int bad = 0;
	for (uint64_t p = 0; p < o->pages; p++)
		pgw_fill(m + p * PGW_WORDS, pgw_tag(o->seed, p, 0));
	for (uint64_t k = 1; k <= o->rounds && !bad; k++)
		for (uint64_t p = 0; p < o->pages && !bad; p++) {
			uint64_t *page = m + p * PGW_WORDS;
			bad = pgw_check(o, page, pgw_tag(o->seed, p, k - 1), "page", p);
			pgw_fill(page, pgw_tag(o->seed, p, k));
		}
	for (uint64_t p = 0; p < o->pages && !bad; p++)
		bad = pgw_check(o, m + p * PGW_WORDS, pgw_tag(o->seed, p, o->rounds), "page", p);
	munmap(m, o->pages * PGW_PAGE);
	return bad;
}

/* ---- counter pages: loop, rand, zipf ----------------------------------- */

/* A counter page: word 0 counts its touches, word 1 is pgw_tag(seed,
 * page, count) (so a page from before a touch fails), words 2.. hold the
 * version-0 pattern, written once. count[] is the program's own copy of
 * word 0, kept in a separate allocation. */
struct ctr {
	uint64_t *map;
	uint64_t *count;
};

static int ctr_setup(const struct pgw_opts *o, struct ctr *c)
{
	c->count = calloc(o->pages, sizeof *c->count);
	if (!c->count)
		return pgw_fail(o, "out of memory");
	c->map = pgw_map(o, o->pages);
	if (!c->map) {
		free(c->count);
		return 1;
	}
	for (uint64_t p = 0; p < o->pages; p++) {
		uint64_t *page = c->map + p * PGW_WORDS;
		pgw_fill(page, pgw_tag(o->seed, p, 0));
		page[0] = 0;
		page[1] = pgw_tag(o->seed, p, 0);
	}
	return 0;
}

/* Words 0 and 1 of page p agree with count[p]: 0, else 1 after a message. */
static int ctr_head_ok(const struct pgw_opts *o, const struct ctr *c, uint64_t p)
{
	const uint64_t *page = c->map + p * PGW_WORDS, n = c->count[p];
	if (page[0] == n && page[1] == pgw_tag(o->seed, p, n))
		return 0;
	return pgw_fail(o, "page %llu: count %llu tag %#llx, want count %llu",
			(unsigned long long)p, (unsigned long long)page[0],
			(unsigned long long)page[1], (unsigned long long)n);
}

/* One reference: check the page's count and tag, then bump both. */
static int ctr_touch(const struct pgw_opts *o, struct ctr *c, uint64_t p)
{
	if (ctr_head_ok(o, c, p))
		return 1;
	uint64_t *page = c->map + p * PGW_WORDS, n = ++c->count[p];
	page[0] = n;
	page[1] = pgw_tag(o->seed, p, n);
	return 0;
}

/* Every page whole: count, tag and the version-0 words 2..; then unmap
 * and free. */
static int ctr_finish(const struct pgw_opts *o, struct ctr *c, int bad)
{
	for (uint64_t p = 0; p < o->pages && !bad; p++) {
		const uint64_t *page = c->map + p * PGW_WORDS, tag0 = pgw_tag(o->seed, p, 0);
		bad = ctr_head_ok(o, c, p);
		for (uint64_t w = 2; w < PGW_WORDS && !bad; w++)
			if (page[w] != pgw_word(tag0, w))
				bad = pgw_fail(o, "page %llu word %llu: got %#llx, want %#llx",
					       (unsigned long long)p, (unsigned long long)w,
					       (unsigned long long)page[w],
					       (unsigned long long)pgw_word(tag0, w));
	}
	munmap(c->map, o->pages * PGW_PAGE);
	free(c->count);
	return bad;
}

/* loop: r rounds of pages 0, 1, .., n-1: the cyclic reference string
 * that defeats LRU once n is a little over the frames it gets. */
int pgw_loop(const struct pgw_opts *o)
{
	struct ctr c;
	if (ctr_setup(o, &c))
		return 1;
	int bad = 0;
	for (uint64_t k = 0; k < o->rounds && !bad; k++)
		for (uint64_t p = 0; p < o->pages && !bad; p++)
			bad = ctr_touch(o, &c, p);
	return ctr_finish(o, &c, bad);
}

/* rand: r*n references, each page uniform over 0..n-1 (pgw_below). */
int pgw_rand_touch(const struct pgw_opts *o)
{
	struct ctr c;
	if (ctr_setup(o, &c))
		return 1;
	uint64_t state = o->seed, touches = o->rounds * o->pages;
	int bad = 0;
	for (uint64_t i = 0; i < touches && !bad; i++)
		bad = ctr_touch(o, &c, pgw_below(&state, o->pages));
	return ctr_finish(o, &c, bad);
}

/* zipf (alpha = 1): page i (0-based) has weight 1/(i+1), so page 0 is the
 * hottest. cum[i] = sum of the weights of pages 0..i (doubles, summed in
 * order); a draw takes u = (x >> 11) * 2^-53 * cum[n-1] from one 64-bit
 * output x and returns the smallest i with cum[i] > u (n-1 if rounding
 * leaves none). */
static uint64_t zipf_draw(const double *cum, uint64_t n, uint64_t *state)
{
	double u = (double)(pgw_rand(state) >> 11) * 0x1p-53 * cum[n - 1];
	uint64_t lo = 0, hi = n - 1;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (cum[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* zipf: r*n references drawn by zipf_draw. */
int pgw_zipf(const struct pgw_opts *o)
{
	double *cum = malloc(o->pages * sizeof *cum);
	struct ctr c;
	if (!cum)
		return pgw_fail(o, "out of memory");
	if (ctr_setup(o, &c)) {
		free(cum);
		return 1;
	}
	double h = 0;
	for (uint64_t i = 0; i < o->pages; i++)
		cum[i] = h += 1.0 / (double)(i + 1);
	uint64_t state = o->seed, touches = o->rounds * o->pages;
	int bad = 0;
	for (uint64_t i = 0; i < touches && !bad; i++)
		bad = ctr_touch(o, &c, zipf_draw(cum, o->pages, &state));
	free(cum);
	return ctr_finish(o, &c, bad);
}
