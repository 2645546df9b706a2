/*
 * test_policy.c - host unit tests for the eviction policies
 * (servers/policy) and the simulator's loops and trace formats
 * (tools/pagersim). Layer: tests/host. Classic strings with known answers
 * (Belady's anomaly, an ARC case worked by hand), LRU's inclusion property
 * and Mattson's curve against per-size runs, every policy's invariants
 * under random call sequences, the clean-first hint, seeded Random.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, mkstemp, strdup, strtok_r */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "../../tools/pagersim/sim.h"

static uint64_t rng_x;
static uint64_t rng(void)
{
	uint64_t z = (rng_x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A dense trace from page numbers already dense (0 .. npages-1). */
static void mk_trace(struct trace *t, const uint32_t *ids, uint64_t n)
{
	memset(t, 0, sizeof *t);
	t->n = n;
	t->id = malloc(n * sizeof *t->id);
	for (uint64_t i = 0; i < n; i++) {
		t->id[i] = ids[i];
		if (ids[i] + 1 > t->npages)
			t->npages = ids[i] + 1;
	}
	t->page = calloc(t->npages, sizeof *t->page);
	CHECK_EQ(trace_next_use(t), 0);
}

static uint64_t misses(const char *pol, uint32_t frames, const struct trace *t, uint64_t seed)
{
	struct sim_opts o = {.seed = seed, .tick = 10};
	struct sim_result r;
	const struct pol_ops *ops = pol_find(pol);
	CHECK(ops != NULL);
	if (!ops || sim_run(ops, frames, t, &o, &r)) {
		CHECK(0);
		return 0;
	}
	CHECK_EQ(r.hits + r.misses, t->n);
	return r.misses;
}

static void test_belady(void)
{
	static const uint32_t s[] = {1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5};
	struct trace t;
	mk_trace(&t, s, 12);
	CHECK_EQ(misses("fifo", 3, &t, 0), 9);
	CHECK_EQ(misses("fifo", 4, &t, 0), 10); /* the anomaly */
	CHECK_EQ(misses("opt", 3, &t, 0), 7);
	CHECK_EQ(misses("opt", 4, &t, 0), 6);
	CHECK_EQ(misses("lru", 3, &t, 0), 10);
	CHECK_EQ(misses("lru", 4, &t, 0), 8);
	CHECK_EQ(misses("clock", 3, &t, 0), 9); /* Clock with every R set is FIFO here */
	uint64_t hist[7], cold;
	CHECK_EQ(sim_mattson(&t, hist, &cold), 0);
	CHECK_EQ(cold, 5);
	CHECK_EQ(sim_mattson_misses(hist, t.npages, cold, 3), 10);
	CHECK_EQ(sim_mattson_misses(hist, t.npages, cold, 4), 8);
	trace_free(&t);
}

/* LRU's inclusion property and Mattson's curve against per-size runs. */
static void test_inclusion(void)
{
	for (uint64_t seed = 1; seed <= 8; seed++) {
		uint32_t ids[3000], np = 10 + (uint32_t)(seed * 7);
		rng_x = seed;
		for (int i = 0; i < 3000; i++) /* skewed: low pages more often */
			ids[i] = (uint32_t)(rng() % (1 + rng() % np));
		struct trace t;
		mk_trace(&t, ids, 3000);
		uint64_t *hist = malloc((t.npages + 1) * sizeof *hist), cold, prev = UINT64_MAX;
		uint64_t prev_opt = UINT64_MAX;
		CHECK_EQ(sim_mattson(&t, hist, &cold), 0);
		for (uint32_t f = 1; f <= t.npages + 2; f++) {
			uint64_t m = misses("lru", f, &t, 0), o = misses("opt", f, &t, 0);
			CHECK(m <= prev);
			CHECK(o <= prev_opt);
			CHECK(o <= m);
			CHECK_EQ(sim_mattson_misses(hist, t.npages, cold, f), m);
			prev = m;
			prev_opt = o;
		}
		CHECK_EQ(prev, cold); /* enough frames: only cold misses */
		free(hist);
		trace_free(&t);
	}
}

#define INV_F 16
#define INV_PAGES 40

struct inv {
	struct pol p;
	_Alignas(8) uint8_t arena[1 << 16];
	int64_t slot_page[INV_F];   /* shadow: page in each slot, or -1 */
	int64_t page_slot[INV_PAGES];
	uint32_t nres, nclean;
};

static void inv_check(struct inv *v, uint32_t frames)
{
	CHECK_EQ(v->p.nres, v->nres);
	CHECK_EQ(v->p.nclean, v->nclean);
	CHECK(v->p.nres <= frames);
	CHECK_EQ(v->p.stats.adds - v->p.stats.removes - v->p.stats.victims, v->p.nres);
}

static void inv_evict(struct inv *v, uint32_t s)
{
	v->page_slot[v->slot_page[s]] = -1;
	v->slot_page[s] = -1;
	v->nres--;
	v->nclean -= v->p.slot[s].dirty == POL_CLEAN;
}

/* One request for page x: hit, free slot or victim. Returns the victim. */
static uint32_t inv_request(struct inv *v, uint32_t frames, uint32_t x, int cls, unsigned hint)
{
	if (v->page_slot[x] >= 0) {
		CHECK_EQ(pol_ref(&v->p, (uint32_t)v->page_slot[x]), 0);
		return POL_NONE;
	}
	uint32_t s = POL_NONE, vic = POL_NONE;
	for (uint32_t i = 0; i < frames && s == POL_NONE; i++)
		if (v->slot_page[i] < 0)
			s = i;
	if (s == POL_NONE) {
		int mixed = v->nclean > 0 && v->nclean < v->nres;
		vic = s = pol_victim(&v->p, hint, x);
		CHECK(s < frames);
		if (s >= frames)
			return POL_NONE;
		CHECK(v->slot_page[s] >= 0);          /* it was resident ... */
		CHECK_EQ(v->p.slot[s].page, v->slot_page[s]); /* ... with that page */
		CHECK(!v->p.slot[s].resident);
		if (hint && mixed && !strcmp(v->p.ops->name, "random"))
			CHECK_EQ(v->p.slot[s].dirty, POL_CLEAN);
		inv_evict(v, s);
		CHECK_EQ(pol_ref(&v->p, s), POL_EINVAL); /* gone: refused */
	}
	CHECK_EQ(pol_add(&v->p, s, x, cls), 0);
	CHECK_EQ(pol_add(&v->p, s, x, cls), POL_EINVAL); /* a slot holds one page */
	v->slot_page[s] = x;
	v->page_slot[x] = s;
	v->nres++;
	v->nclean += cls == POL_CLEAN;
	return vic;
}

/* Random calls; victims recorded in out (if not NULL). allclean: every
 * page clean and no class changes. */
static void inv_run(const struct pol_ops *ops, uint64_t seed, int allclean, unsigned hint,
		    uint32_t *out, size_t nout)
{
	static struct inv v;
	uint32_t frames = 1 + (uint32_t)(seed % INV_F);
	rng_x = seed;
	CHECK(pol_arena_size(ops, frames) <= sizeof v.arena);
	CHECK_EQ(pol_create(&v.p, ops, frames, seed, v.arena, sizeof v.arena), 0);
	memset(v.slot_page, 0xff, sizeof v.slot_page);
	memset(v.page_slot, 0xff, sizeof v.page_slot);
	v.nres = v.nclean = 0;
	CHECK_EQ(pol_victim(&v.p, hint, 0), POL_NONE);
	for (size_t i = 0, k = 0; i < 4000; i++) {
		uint64_t r = rng(), op = r % 100;
		uint32_t x = (uint32_t)((r >> 8) % INV_PAGES), s = (uint32_t)((r >> 20) % frames);
		int cls = allclean ? POL_CLEAN : (int)((r >> 30) & 1);
		if (ops->flags & POL_F_FUTURE)
			pol_set_next_use(&v.p, (r >> 40) % 4 ? (r >> 33) % 5000 : POL_NEVER);
		if (op < 80) {
			uint32_t vic = inv_request(&v, frames, x, cls, hint);
			if (out && vic != POL_NONE && k < nout)
				out[k++] = vic;
		} else if (op < 85 && v.slot_page[s] >= 0) {
			CHECK_EQ(pol_remove(&v.p, s), 0);
			v.nres--, v.nclean -= v.p.slot[s].dirty == POL_CLEAN;
			v.page_slot[v.slot_page[s]] = -1, v.slot_page[s] = -1;
		} else if (op < 92 && !allclean && v.slot_page[s] >= 0) {
			int was = v.p.slot[s].dirty;
			CHECK_EQ(pol_set_dirty(&v.p, s, cls), 0);
			if (was != cls)
				v.nclean += cls == POL_CLEAN ? 1u : (uint32_t)-1;
		} else if (op < 97) {
			pol_tick(&v.p);
		} else {
			CHECK_EQ(pol_set_dirty(&v.p, frames, 0), POL_EINVAL);
			CHECK_EQ(pol_remove(&v.p, frames + s), POL_EINVAL);
		}
		inv_check(&v, frames);
	}
}

static void test_invariants(void)
{
	for (uint32_t i = 0; i < pol_registry_count; i++)
		for (uint64_t seed = 1; seed <= 40; seed++)
			inv_run(pol_registry[i], seed * 1000 + i, 0, (unsigned)(seed & 1), NULL, 0);
}

/* With one class resident the hint changes nothing, for every policy. */
static void test_hint_same_class(void)
{
	static uint32_t a[2000], b[2000];
	for (uint32_t i = 0; i < pol_registry_count; i++) {
		memset(a, 0xff, sizeof a), memset(b, 0xff, sizeof b);
		inv_run(pol_registry[i], 77 + i, 1, POL_HINT_NONE, a, 2000);
		inv_run(pol_registry[i], 77 + i, 1, POL_PREFER_CLEAN, b, 2000);
		CHECK(memcmp(a, b, sizeof a) == 0);
		CHECK(a[0] != POL_NONE); /* it did evict */
	}
}

/* Clock: with every page unreferenced, the hint passes a dirty page at
 * the hand for the next clean one; without it the hand takes what it finds. */
static void test_clock_clean_first(void)
{
	static _Alignas(8) uint8_t arena[4096];
	for (int hint = 0; hint < 2; hint++) {
		struct pol p;
		CHECK_EQ(pol_create(&p, pol_find("clock"), 3, 0, arena, sizeof arena), 0);
		CHECK_EQ(pol_add(&p, 0, 10, POL_DIRTY), 0);
		CHECK_EQ(pol_add(&p, 1, 11, POL_DIRTY), 0);
		CHECK_EQ(pol_add(&p, 2, 12, POL_CLEAN), 0);
		/* first pick: a full revolution clears every R (all were 1) */
		uint32_t v = pol_victim(&p, hint ? POL_PREFER_CLEAN : 0, 13);
		CHECK_EQ(v, hint ? 2 : 0);
	}
}

/* Drive a policy over ids with `frames` slots; victims' pages into out. */
static uint64_t drive(const char *name, uint32_t frames, uint64_t seed, const uint32_t *ids,
		      size_t n, uint64_t *out, size_t nout)
{
	static _Alignas(8) uint8_t arena[1 << 16];
	static int64_t where[256];
	struct pol p;
	uint64_t miss = 0;
	size_t k = 0;
	CHECK_EQ(pol_create(&p, pol_find(name), frames, seed, arena, sizeof arena), 0);
	memset(where, 0xff, sizeof where);
	for (size_t i = 0; i < n; i++) {
		if (where[ids[i]] >= 0) {
			CHECK_EQ(pol_ref(&p, (uint32_t)where[ids[i]]), 0);
			continue;
		}
		int evict = p.nres == frames; /* no removals here: slots fill in order */
		uint32_t s = evict ? pol_victim(&p, 0, ids[i]) : p.nres;
		CHECK(s < frames);
		if (s >= frames)
			return 0;
		if (evict) {
			if (k < nout)
				out[k++] = p.slot[s].page;
			where[p.slot[s].page] = -1;
		}
		CHECK_EQ(pol_add(&p, s, ids[i], POL_CLEAN), 0);
		where[ids[i]] = s;
		miss++;
	}
	return miss;
}

/* ARC with c = 2 on 1 2 1 3 2 4 1 3 4 5 2, worked by hand from the
 * paper's Fig. 4: victims 2 (IV, T1) 1 (II, B1 hit: p 0->1, T2) 2 (IV)
 * 3 (III, B2 hit: p -> 0, T1) 1 (II: p -> 1) 3 (IV.B: B2's LRU 2 dropped)
 * 4 (IV.B: 1 dropped); hits on the third and ninth requests: 9 misses
 * (exact LRU: 10). */
static void test_arc_by_hand(void)
{
	static const uint32_t s[] = {1, 2, 1, 3, 2, 4, 1, 3, 4, 5, 2};
	static const uint64_t want[] = {2, 1, 2, 3, 1, 3, 4};
	uint64_t got[8] = {0};
	CHECK_EQ(drive("arc", 2, 0, s, 11, got, 8), 9);
	for (int i = 0; i < 7; i++)
		CHECK_EQ(got[i], want[i]);
	CHECK_EQ(drive("lru", 2, 0, s, 11, got, 8), 10);
}

/* Random: the same seed gives the same victims; another seed does not. */
static void test_random_seeded(void)
{
	uint32_t ids[2000];
	uint64_t a[1000], b[1000], c[1000];
	rng_x = 5;
	for (int i = 0; i < 2000; i++)
		ids[i] = (uint32_t)(rng() % 100);
	uint64_t ma = drive("random", 20, 42, ids, 2000, a, 1000);
	uint64_t mb = drive("random", 20, 42, ids, 2000, b, 1000);
	uint64_t mc = drive("random", 20, 43, ids, 2000, c, 1000);
	CHECK_EQ(ma, mb);
	CHECK(ma > 1000);
	CHECK(mc > 1000);
	CHECK(memcmp(a, b, sizeof a) == 0);
	CHECK(memcmp(a, c, sizeof a) != 0);
}

/* Binary traces round-trip (big jumps both ways); bad files are refused. */
static void test_trace_formats(void)
{
	static const uint64_t pg[] = {0, 5, 3, UINT64_MAX, 0, 1ull << 40, 7, 7};
	char path[] = "/tmp/test_policy_XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	uint64_t *back, n;
	CHECK_EQ(trace_write_bin(path, pg, 8), 0);
	CHECK_EQ(trace_read_raw(path, &back, &n), 0);
	CHECK_EQ(n, 8);
	for (int i = 0; i < 8 && n == 8; i++)
		CHECK_EQ(back[i], pg[i]);
	free(back);
	/* truncated: drop the last byte */
	FILE *f = fopen(path, "r+b");
	fseek(f, 0, SEEK_END);
	CHECK_EQ(ftruncate(fileno(f), ftell(f) - 1), 0);
	fclose(f);
	fprintf(stderr, "(an error message for a bad trace is expected next)\n");
	CHECK_EQ(trace_read_raw(path, &back, &n), -1);
	f = fopen(path, "w");
	fputs("# comment\n1\n\n 2 \n0x10\n", f);
	fclose(f);
	CHECK_EQ(trace_read_raw(path, &back, &n), 0);
	CHECK_EQ(n, 3);
	if (n == 3)
		CHECK(back[0] == 1 && back[1] == 2 && back[2] == 16);
	free(back);
	f = fopen(path, "w");
	fputs("1\n2x\n", f);
	fclose(f);
	CHECK_EQ(trace_read_raw(path, &back, &n), -1);
	unlink(path);
}

int main(void)
{
	test_belady();
	test_inclusion();
	test_invariants();
	test_hint_same_class();
	test_clock_clean_first();
	test_arc_by_hand();
	test_random_seeded();
	test_trace_formats();
	return check_report("host-policy");
}
