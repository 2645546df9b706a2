/*
 * test_pagemap.c - host unit tests for servers/pagemap.c, the pager's
 * shadow page table (three-level radix tree vpn -> entry). Layer: tests/host.
 * Nodes come from libsys/frames.c over a heap "frame pool" at fake pa
 * 0x81000000 (garbage-filled, so unzeroed nodes show); ends with 100,000
 * random operations checked against a plain reference array.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pagemap.h"

#define FSZ 4096u
#define POOL_BASE 0x81000000ULL
#define POOL_MAX 16384u             /* frames: 64 MiB */
#define VPN_MAX ((1ULL << 27) - 1)  /* Sv39 user vpns */
#define BULK 10000
#define DOMAIN 3000
#define RANDOM_OPS 100000

static uint8_t *pool;
static struct frames fr;
static uint64_t pool_n;
static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A fresh allocator over the first n pool frames, filled with garbage. */
static void pool_reset(uint64_t n)
{
	pool_n = n;
	memset(pool, 0xa5, n * FSZ);
	frames_init(&fr, POOL_BASE, POOL_BASE + n * FSZ, (uint64_t)(uintptr_t)pool - POOL_BASE);
}

static uint64_t frames_used(void) { return pool_n - frames_free_count(&fr); }

static uint64_t entry_for(uint64_t vpn, uint64_t salt)
{
	return 0x90000000ULL + ((vpn * 0x10001 + salt) << 12) + (salt & PM_FLAGS) + 1;
}

static bool has(struct pagemap *pm, uint64_t vpn, uint64_t entry)
{
	uint64_t *e = pagemap_find(&fr, pm, vpn);
	return e && *e == entry;
}

static void test_empty(void)
{
	struct pagemap pm = { 0 };
	pool_reset(8);
	CHECK(pagemap_find(&fr, &pm, 0) == NULL);
	CHECK(pagemap_find(&fr, &pm, 5) == NULL);
	CHECK(pagemap_find(&fr, &pm, VPN_MAX) == NULL);
	pagemap_del(&fr, &pm, 5);
	pagemap_prune(&fr, &pm, 0, VPN_MAX + 1);
	pagemap_free(&fr, &pm);
	CHECK_EQ(pm.root, 0);
	CHECK_EQ(pm.used, 0);
	CHECK_EQ(pm.nodes, 0);
	CHECK_EQ(frames_used(), 0); /* looking never allocates */
}

static void test_basic(void)
{
	struct pagemap pm = { 0 };
	pool_reset(8);
	CHECK_EQ(pagemap_put(&fr, &pm, 5, 0x80001003), 0);
	CHECK_EQ(pm.nodes, 3);
	CHECK_EQ(frames_used(), 3);
	CHECK_EQ(pm.used, 1);
	CHECK(has(&pm, 5, 0x80001003));
	CHECK(pagemap_find(&fr, &pm, 4) == NULL); /* nodes were zeroed */
	CHECK(pagemap_find(&fr, &pm, 6) == NULL);
	CHECK(pagemap_find(&fr, &pm, 5 + 512) == NULL);
	CHECK(pagemap_find(&fr, &pm, 5 + (1 << 18)) == NULL);

	CHECK_EQ(pagemap_put(&fr, &pm, 5, 0x80009fff), 0); /* overwrite */
	CHECK_EQ(pm.used, 1);
	CHECK_EQ(pm.nodes, 3);
	uint64_t *e = pagemap_find(&fr, &pm, 5);
	CHECK(e && *e == 0x80009fff);
	if (e)
		*e = 0x8000a000 | PM_COW; /* flags edited in place */
	CHECK(has(&pm, 5, 0x8000a000 | PM_COW));

	CHECK_EQ(pagemap_put(&fr, &pm, 0, 0x80002000), 0);       /* vpn 0 */
	CHECK_EQ(pagemap_put(&fr, &pm, VPN_MAX, 0x80003000), 0); /* last vpn */
	CHECK_EQ(pm.nodes, 5);
	CHECK_EQ(pm.used, 3);
	CHECK(has(&pm, 0, 0x80002000) && has(&pm, VPN_MAX, 0x80003000));

	pagemap_del(&fr, &pm, 5);
	CHECK(pagemap_find(&fr, &pm, 5) == NULL);
	CHECK_EQ(pm.used, 2);
	pagemap_del(&fr, &pm, 5); /* absent: no change */
	pagemap_del(&fr, &pm, 7);
	CHECK_EQ(pm.used, 2);
	CHECK(has(&pm, 0, 0x80002000) && has(&pm, VPN_MAX, 0x80003000));
	pagemap_free(&fr, &pm);
	CHECK(pm.root == 0 && pm.used == 0 && pm.nodes == 0);
	CHECK_EQ(frames_used(), 0);
}

static void test_nodes(void)
{
	struct pagemap pm = { 0 };
	unsigned bad = 0;
	pool_reset(16);
	for (uint64_t v = 0; v < 512; v++)
		pagemap_put(&fr, &pm, v, entry_for(v, 1));
	CHECK_EQ(pm.nodes, 3); /* one leaf holds 512 entries */
	pagemap_put(&fr, &pm, 512, entry_for(512, 1));
	CHECK_EQ(pm.nodes, 4); /* next leaf */
	pagemap_put(&fr, &pm, 1 << 18, entry_for(1 << 18, 1));
	CHECK_EQ(pm.nodes, 6); /* next middle node + leaf */
	CHECK_EQ(frames_used(), pm.nodes);
	CHECK_EQ(pm.used, 514);
	for (uint64_t v = 0; v <= 512; v++)
		bad += !has(&pm, v, entry_for(v, 1));
	CHECK_EQ(bad, 0);
	pagemap_free(&fr, &pm);
	CHECK_EQ(frames_used(), 0);
}

static void test_out_of_frames(void)
{
	struct pagemap pm = { 0 };
	pool_reset(3);
	CHECK_EQ(pagemap_put(&fr, &pm, 1, 0x80001000), 0);
	CHECK_EQ(pagemap_put(&fr, &pm, 512, 0x80002000), -1); /* needs a leaf */
	CHECK_EQ(pm.used, 1);
	CHECK(pagemap_find(&fr, &pm, 512) == NULL);
	CHECK(has(&pm, 1, 0x80001000));
	CHECK_EQ(pagemap_put(&fr, &pm, 2, 0x80003000), 0); /* existing leaf */
	CHECK_EQ(pm.used, 2);
	pagemap_free(&fr, &pm);
	CHECK_EQ(frames_used(), 0);

	pool_reset(2); /* root and middle node fit, the leaf does not */
	CHECK_EQ(pagemap_put(&fr, &pm, 1, 0x80001000), -1);
	CHECK_EQ(pm.used, 0);
	CHECK(pagemap_find(&fr, &pm, 1) == NULL);
	CHECK_EQ(pm.nodes, frames_used()); /* partial path is still owned */
	pagemap_free(&fr, &pm);
	CHECK_EQ(frames_used(), 0);
}

/* pagemap_set returns the very slot pagemap_find finds, counts only new
 * entries; pagemap_leaf_make makes the path (counting nothing) and gives
 * the leaf base, the same one pagemap_leaf finds afterwards. */
static void test_set_and_leaf_make(void)
{
	struct pagemap pm = { 0 };
	pool_reset(8);
	uint64_t *s = pagemap_set(&fr, &pm, 700, 0x80001003);
	CHECK(s != NULL && s == pagemap_find(&fr, &pm, 700));
	CHECK_EQ(pm.used, 1);
	CHECK(pagemap_set(&fr, &pm, 700, 0x80002003) == s); /* overwrite: same slot */
	CHECK_EQ(pm.used, 1);
	CHECK(has(&pm, 700, 0x80002003));

	uint64_t *leaf = pagemap_leaf_make(&fr, &pm, 5 << 9 | 17);
	CHECK(leaf != NULL && leaf == pagemap_leaf(&fr, &pm, 5 << 9));
	CHECK_EQ(pm.used, 1); /* nothing filled yet */
	CHECK_EQ(leaf[17], 0);
	leaf[17] = 0x80003003;
	pm.used++; /* the caller counts what it fills */
	CHECK(has(&pm, 5 << 9 | 17, 0x80003003));
	CHECK(pagemap_leaf_make(&fr, &pm, 5 << 9 | 400) == leaf); /* existing leaf */
	uint64_t nodes = pm.nodes;
	CHECK(pagemap_leaf(&fr, &pm, 1ULL << 18) == NULL); /* looking makes nothing */
	CHECK_EQ(pm.nodes, nodes);
	pagemap_free(&fr, &pm);
	CHECK_EQ(frames_used(), 0);

	pool_reset(2); /* root and middle fit, the leaf does not */
	CHECK(pagemap_leaf_make(&fr, &pm, 3) == NULL);
	CHECK(pagemap_set(&fr, &pm, 3, 0x80001000) == NULL);
	CHECK_EQ(pm.used, 0);
	pagemap_free(&fr, &pm);
	CHECK_EQ(frames_used(), 0);
}

struct walk_log {
	uint64_t n, last, bad_order, bad_entry;
	struct pagemap *pm;
	bool set_cow;
};

static void walk_fn(uint64_t vpn, uint64_t *entry, void *ctx)
{
	struct walk_log *w = ctx;
	if (w->n && vpn <= w->last)
		w->bad_order++;
	if (pagemap_find(&fr, w->pm, vpn) != entry)
		w->bad_entry++;
	if (w->set_cow)
		*entry |= PM_COW;
	w->last = vpn;
	w->n++;
}

static struct walk_log walk(struct pagemap *pm, bool set_cow)
{
	struct walk_log w = { 0, 0, 0, 0, pm, set_cow };
	pagemap_walk(&fr, pm, walk_fn, &w);
	return w;
}

static void test_walk(void)
{
	static const uint64_t vpns[] = { 1 << 18, 511, VPN_MAX, 0, 512, 3, (1 << 18) - 1, 1000 };
	const unsigned n = sizeof vpns / sizeof vpns[0];
	struct pagemap pm = { 0 };
	pool_reset(32);
	CHECK_EQ(walk(&pm, false).n, 0);
	for (unsigned i = 0; i < n; i++)
		pagemap_put(&fr, &pm, vpns[i], entry_for(vpns[i], 2) & ~PM_COW);
	struct walk_log w = walk(&pm, true);
	CHECK_EQ(w.n, n);
	CHECK_EQ(w.bad_order, 0);
	CHECK_EQ(w.bad_entry, 0);
	CHECK_EQ(w.last, VPN_MAX);
	for (unsigned i = 0; i < n; i++)
		CHECK(has(&pm, vpns[i], entry_for(vpns[i], 2) | PM_COW));

	pagemap_del(&fr, &pm, 511);
	pagemap_del(&fr, &pm, VPN_MAX);
	w = walk(&pm, false);
	CHECK_EQ(w.n, n - 2);
	CHECK_EQ(w.n, pm.used);
	CHECK_EQ(w.last, 1 << 18);
	pagemap_free(&fr, &pm);
	CHECK_EQ(frames_used(), 0);
}

static void test_prune(void)
{
	struct pagemap pm = { 0 };
	const uint64_t far = (1 << 18) + 3;
	pool_reset(16);
	pagemap_put(&fr, &pm, 10, 0x80001000);
	pagemap_put(&fr, &pm, 600, 0x80002000);
	pagemap_put(&fr, &pm, far, 0x80003000);
	CHECK_EQ(pm.nodes, 6);
	pagemap_prune(&fr, &pm, 0, VPN_MAX + 1); /* nothing empty yet */
	CHECK_EQ(pm.nodes, 6);

	pagemap_del(&fr, &pm, 600);
	pagemap_prune(&fr, &pm, 700, 800); /* partial overlap of the leaf */
	CHECK_EQ(pm.nodes, 5);
	CHECK_EQ(frames_used(), 5);
	pagemap_del(&fr, &pm, 10);
	pagemap_prune(&fr, &pm, 1024, 1 << 18); /* leaf 0 not in range */
	CHECK_EQ(pm.nodes, 5);
	pagemap_prune(&fr, &pm, 0, 1); /* leaf 0, then its middle node */
	CHECK_EQ(pm.nodes, 3);
	CHECK(has(&pm, far, 0x80003000));
	CHECK(pagemap_find(&fr, &pm, 10) == NULL);

	pagemap_put(&fr, &pm, 20, 0x80004000); /* rebuilds the path */
	CHECK_EQ(pm.nodes, 5);
	pagemap_del(&fr, &pm, 20);
	pagemap_del(&fr, &pm, far);
	pagemap_prune(&fr, &pm, 0, VPN_MAX + 1);
	CHECK_EQ(pm.nodes, 0);
	CHECK_EQ(pm.root, 0);
	CHECK_EQ(frames_used(), 0);
	CHECK_EQ(pagemap_put(&fr, &pm, 30, 0x80005000), 0); /* still usable */
	CHECK(has(&pm, 30, 0x80005000));
	pagemap_free(&fr, &pm);
	CHECK_EQ(frames_used(), 0);
}

/* Distinct vpns: multiplying by an odd constant permutes 2^27. */
static uint64_t bulk_vpn(unsigned i)
{
	return ((uint64_t)(i + 1) * 0x9e3779b1ULL) & VPN_MAX;
}

static unsigned count_wrong(struct pagemap *pm, unsigned first, unsigned step, bool present)
{
	unsigned bad = 0;
	for (unsigned i = first; i < BULK; i += step) {
		uint64_t v = bulk_vpn(i), *e = pagemap_find(&fr, pm, v);
		bad += present ? (!e || *e != entry_for(v, i)) : e != NULL;
	}
	return bad;
}

/* Nodes a tree holding the odd-indexed bulk keys needs: root, middles, leaves. */
static uint64_t nodes_for_odd_keys(void)
{
	static uint8_t leaf[1 << 18], mid[1 << 9];
	uint64_t n = 1;
	memset(leaf, 0, sizeof leaf);
	memset(mid, 0, sizeof mid);
	for (unsigned i = 1; i < BULK; i += 2) {
		uint64_t v = bulk_vpn(i);
		n += !leaf[v >> 9] + !mid[v >> 18];
		leaf[v >> 9] = mid[v >> 18] = 1;
	}
	return n;
}

static void test_bulk(void)
{
	struct pagemap pm = { 0 };
	unsigned failed = 0;
	pool_reset(POOL_MAX);
	for (unsigned i = 0; i < BULK; i++)
		failed += pagemap_put(&fr, &pm, bulk_vpn(i), entry_for(bulk_vpn(i), i)) != 0;
	CHECK_EQ(failed, 0);
	CHECK_EQ(pm.used, BULK);
	CHECK_EQ(count_wrong(&pm, 0, 1, true), 0);
	CHECK_EQ(frames_used(), pm.nodes);
	struct walk_log w = walk(&pm, false);
	CHECK(w.n == BULK && w.bad_order == 0 && w.bad_entry == 0);

	for (unsigned i = 0; i < BULK; i += 2)
		pagemap_del(&fr, &pm, bulk_vpn(i));
	CHECK_EQ(pm.used, BULK / 2);
	CHECK_EQ(count_wrong(&pm, 0, 2, false), 0);
	CHECK_EQ(count_wrong(&pm, 1, 2, true), 0);
	pagemap_prune(&fr, &pm, 0, VPN_MAX + 1);
	CHECK_EQ(pm.nodes, nodes_for_odd_keys());
	CHECK_EQ(frames_used(), pm.nodes);
	CHECK_EQ(count_wrong(&pm, 1, 2, true), 0);
	CHECK_EQ(walk(&pm, false).n, BULK / 2);
	pagemap_free(&fr, &pm);
	CHECK_EQ(frames_used(), 0);
}

static struct {
	uint64_t key[DOMAIN], entry[DOMAIN];
	bool has[DOMAIN];
} ref;

/* Keys whose find disagrees with the reference, plus count/walk/node drift. */
static unsigned ref_mismatches(struct pagemap *pm)
{
	unsigned bad = 0, n = 0;
	for (unsigned i = 0; i < DOMAIN; i++) {
		uint64_t *e = pagemap_find(&fr, pm, ref.key[i]);
		bad += ref.has[i] ? (!e || *e != ref.entry[i]) : e != NULL;
		n += ref.has[i];
	}
	struct walk_log w = walk(pm, false);
	bad += w.n != n || w.bad_order || w.bad_entry;
	return bad + (n != pm->used) + (frames_used() != pm->nodes);
}

/* One random put, del, find or prune; returns 1 on a disagreement. */
static unsigned random_op(struct pagemap *pm, uint64_t r)
{
	unsigned k = (unsigned)(r % DOMAIN), op = (unsigned)(r >> 40) & 15;
	uint64_t *e, lo;
	if (op < 8) {
		ref.entry[k] = entry_for(ref.key[k], r >> 48);
		ref.has[k] = true;
		return pagemap_put(&fr, pm, ref.key[k], ref.entry[k]) != 0;
	}
	if (op < 12) {
		pagemap_del(&fr, pm, ref.key[k]);
		ref.has[k] = false;
		return pagemap_find(&fr, pm, ref.key[k]) != NULL;
	}
	if (op < 15) {
		e = pagemap_find(&fr, pm, ref.key[k]);
		return ref.has[k] ? (!e || *e != ref.entry[k]) : e != NULL;
	}
	lo = ref.key[k];
	pagemap_prune(&fr, pm, lo, lo + (rnd() & 0xfffff));
	return 0;
}

/* Half the keys are dense (consecutive vpns across leaf boundaries), half
 * scattered; mixed ops with a full comparison every 1000 and at the end. */
static void test_random(void)
{
	struct pagemap pm = { 0 };
	unsigned bad = 0, first_bad = 0, audits_bad = 0;
	pool_reset(POOL_MAX);
	for (unsigned i = 0; i < DOMAIN; i++) {
		ref.key[i] = i < DOMAIN / 2 ? 0x3fe00 + i : bulk_vpn(i * 7919 + 13);
		ref.has[i] = false;
	}
	for (unsigned i = 1; i <= RANDOM_OPS; i++) {
		if (random_op(&pm, rnd()) && !bad++)
			first_bad = i;
		if (i % 1000 == 0)
			audits_bad += ref_mismatches(&pm) != 0;
	}
	if (bad)
		fprintf(stderr, "first bad op: %u\n", first_bad);
	CHECK_EQ(bad, 0);
	CHECK_EQ(audits_bad, 0);
	pagemap_free(&fr, &pm);
	CHECK_EQ(frames_used(), 0);
}

/* walk_range visits exactly the entries inside [lo, hi), in order, for
 * ranges that start and end inside, before and after the nodes. */
static void test_walk_range(void)
{
	static const uint64_t vpns[] = { 0, 3, 511, 512, 1000, (1 << 18) - 1, 1 << 18,
					 (1 << 18) + 7, VPN_MAX };
	const unsigned n = sizeof vpns / sizeof vpns[0];
	static const uint64_t ranges[][2] = { {0, 1}, {1, 511}, {3, 4}, {4, 512}, {511, 513},
					      {0, VPN_MAX + 1}, {1001, 1 << 18}, {(1 << 18) - 1, (1 << 18) + 8},
					      {VPN_MAX, VPN_MAX + 1}, {5, 5}, {2000, 3000} };
	struct pagemap pm = { 0 };
	pool_reset(32);
	for (unsigned i = 0; i < n; i++)
		pagemap_put(&fr, &pm, vpns[i], entry_for(vpns[i], 2) & ~PM_COW);
	for (unsigned r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
		struct walk_log w = { 0, 0, 0, 0, &pm, false };
		uint64_t lo = ranges[r][0], hi = ranges[r][1], want = 0;
		pagemap_walk_range(&fr, &pm, lo, hi, walk_fn, &w);
		for (unsigned i = 0; i < n; i++)
			want += vpns[i] >= lo && vpns[i] < hi;
		CHECK_EQ(w.n, want);
		CHECK_EQ(w.bad_order, 0);
		CHECK_EQ(w.bad_entry, 0);
		CHECK(!w.n || (w.last >= lo && w.last < hi));
	}
	pagemap_free(&fr, &pm);
}

/* pagemap_walk_leaves: each leaf once, in order, first a multiple of 512,
 * and together they hold exactly the entries put. */
struct leaf_log {
	uint64_t leaves, entries, last_first;
	bool bad;
};

static void leaf_fn(uint64_t first, uint64_t *e, void *ctx)
{
	struct leaf_log *l = ctx;
	l->bad |= (first % 512) != 0 || (l->leaves && first <= l->last_first);
	l->last_first = first;
	l->leaves++;
	for (unsigned i = 0; i < 512; i++)
		l->entries += e[i] != 0;
}

static void test_walk_leaves(void)
{
	static const uint64_t vpns[] = { 0, 3, 511, 512, 1000, (1 << 18) - 1, 1 << 18, VPN_MAX };
	struct pagemap pm = { 0 };
	struct leaf_log l = { 0, 0, 0, false };
	pool_reset(32);
	pagemap_walk_leaves(&fr, &pm, leaf_fn, &l);
	CHECK_EQ(l.leaves, 0);
	for (unsigned i = 0; i < sizeof vpns / sizeof vpns[0]; i++)
		pagemap_put(&fr, &pm, vpns[i], entry_for(vpns[i], 2) & ~PM_COW);
	pagemap_walk_leaves(&fr, &pm, leaf_fn, &l);
	CHECK_EQ(l.leaves, 5); /* 0..511, 512..1023, the two around 1 << 18, the top */
	CHECK_EQ(l.entries, sizeof vpns / sizeof vpns[0]);
	CHECK(!l.bad);
	/* pagemap_leaf: the entry of vpn is leaf[vpn & 511]; no leaf, NULL */
	for (unsigned i = 0; i < sizeof vpns / sizeof vpns[0]; i++) {
		uint64_t *leaf = pagemap_leaf(&fr, &pm, vpns[i]);
		CHECK(leaf && &leaf[vpns[i] & 511] == pagemap_find(&fr, &pm, vpns[i]));
	}
	CHECK(pagemap_leaf(&fr, &pm, 5000) == NULL);
	CHECK(pagemap_leaf(&fr, &pm, 600) != NULL); /* a leaf with other entries */
	CHECK(pagemap_find(&fr, &pm, 600) == NULL);
	pagemap_free(&fr, &pm);
}

int main(void)
{
	pool = aligned_alloc(FSZ, (size_t)POOL_MAX * FSZ);
	if (!pool)
		return 1;
	test_empty();
	test_basic();
	test_nodes();
	test_out_of_frames();
	test_set_and_leaf_make();
	test_walk();
	test_walk_range();
	test_walk_leaves();
	test_prune();
	test_bulk();
	test_random();
	free(pool);
	return check_report("host-pagemap");
}
