/*
 * test_pagemap.c - host unit tests for servers/pagemap.c, the pager's
 * open-addressing map vpn -> pa. Layer: tests/host. Covers the basics, a
 * 10,000-key bulk load, deletes from the middle of (wrapping) probe runs
 * and 100,000 random operations checked against a plain reference array.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "pagemap.h"

#define BULK 10000
#define VPN_MASK ((1ULL << 27) - 1) /* Sv39 user vpns */
#define DOMAIN 3000                 /* vpns 1..DOMAIN in the random test */
#define RANDOM_OPS 100000

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Slot index of a record, from the pointer pagemap_find returns. */
static uint64_t slot_of(struct pagemap *pm, uint64_t *pa)
{
	return (uint64_t)(pa - &pm->slots[0].pa) / 2;
}

/* Structural check: used matches the occupied slots, load <= 1/2, no key
 * twice, and every stored key is found in its own slot. */
static void check_table(struct pagemap *pm)
{
	uint64_t occupied = 0, lost = 0;
	for (uint64_t i = 0; i < pm->cap; i++) {
		if (!pm->slots[i].vpn)
			continue;
		occupied++;
		lost += pagemap_find(pm, pm->slots[i].vpn) != &pm->slots[i].pa;
	}
	CHECK_EQ(occupied, pm->used);
	CHECK_EQ(lost, 0);
	CHECK(pm->used * 2 <= pm->cap);
	CHECK_EQ(pm->cap & (pm->cap - 1), 0);
}

static void test_basic(void)
{
	struct pagemap pm = { 0 };
	CHECK(pagemap_find(&pm, 1) == NULL);
	CHECK(pagemap_find(&pm, 12345) == NULL);
	pagemap_del(&pm, 7); /* on a map that never allocated */
	CHECK_EQ(pm.used, 0);

	CHECK_EQ(pagemap_put(&pm, 5, 0x80001003), 0);
	CHECK_EQ(pagemap_put(&pm, 6, 0x80002000), 0);
	uint64_t *p = pagemap_find(&pm, 5);
	CHECK(p != NULL && *p == 0x80001003);
	p = pagemap_find(&pm, 6);
	CHECK(p != NULL && *p == 0x80002000);
	CHECK(pagemap_find(&pm, 7) == NULL);
	CHECK_EQ(pm.used, 2);

	CHECK_EQ(pagemap_put(&pm, 5, 0x80009fff), 0); /* overwrite */
	CHECK_EQ(pm.used, 2);
	p = pagemap_find(&pm, 5);
	CHECK(p != NULL && *p == 0x80009fff);
	*p = 0x8000a001;                              /* flags edited in place */
	CHECK_EQ(*pagemap_find(&pm, 5), 0x8000a001);

	pagemap_del(&pm, 5);
	CHECK(pagemap_find(&pm, 5) == NULL);
	CHECK_EQ(*pagemap_find(&pm, 6), 0x80002000);
	CHECK_EQ(pm.used, 1);
	pagemap_del(&pm, 5); /* absent: no change */
	CHECK_EQ(pm.used, 1);
	check_table(&pm);
	free(pm.slots);
}

/* Distinct non-zero vpns: multiplying by an odd constant permutes 2^27. */
static uint64_t bulk_vpn(unsigned i)
{
	return ((uint64_t)(i + 1) * 0x9e3779b1ULL) & VPN_MASK;
}

static uint64_t bulk_pa(unsigned i)
{
	return 0x80000000ULL + ((uint64_t)i << 12) + (i % 0xfff);
}

static unsigned count_wrong(struct pagemap *pm, unsigned step, unsigned first, bool present)
{
	unsigned bad = 0;
	for (unsigned i = first; i < BULK; i += step) {
		uint64_t *p = pagemap_find(pm, bulk_vpn(i));
		bad += present ? (!p || *p != bulk_pa(i)) : p != NULL;
	}
	return bad;
}

static void test_bulk(void)
{
	struct pagemap pm = { 0 };
	unsigned failed = 0;
	for (unsigned i = 0; i < BULK; i++)
		failed += pagemap_put(&pm, bulk_vpn(i), bulk_pa(i)) != 0;
	CHECK_EQ(failed, 0);
	CHECK_EQ(pm.used, BULK);
	CHECK_EQ(count_wrong(&pm, 1, 0, true), 0);
	check_table(&pm);

	for (unsigned i = 0; i < BULK; i += 2)
		pagemap_del(&pm, bulk_vpn(i));
	CHECK_EQ(pm.used, BULK / 2);
	CHECK_EQ(count_wrong(&pm, 2, 0, false), 0);
	CHECK_EQ(count_wrong(&pm, 2, 1, true), 0);
	check_table(&pm);
	free(pm.slots);
}

/* Collect n vpns whose home slot in a 64-slot map is `home`: in an empty
 * map a key lands exactly on its home slot. */
static void find_colliding(uint64_t home, uint64_t *out, unsigned n, uint64_t start)
{
	struct pagemap probe = { 0 };
	pagemap_put(&probe, 1, 0); /* allocate the 64 slots, then empty them */
	pagemap_del(&probe, 1);
	CHECK_EQ(probe.cap, 64);
	for (uint64_t v = start; n; v++) {
		pagemap_put(&probe, v, 0);
		if (slot_of(&probe, pagemap_find(&probe, v)) == home)
			*out++ = v, n--;
		pagemap_del(&probe, v);
	}
	CHECK_EQ(probe.used, 0);
	free(probe.slots);
}

#define CL_N 30 /* <= 32 keys keep a 64-slot map from growing */

struct refmap {
	unsigned n;
	uint64_t key[DOMAIN + 1], pa[DOMAIN + 1];
	bool has[DOMAIN + 1];
};

static struct refmap ref;

/* Number of ref keys whose find result disagrees with the reference. */
static unsigned ref_mismatches(struct pagemap *pm)
{
	unsigned bad = 0, n = 0;
	for (unsigned i = 0; i < ref.n; i++) {
		uint64_t *p = pagemap_find(pm, ref.key[i]);
		bad += ref.has[i] ? (!p || *p != ref.pa[i]) : p != NULL;
		n += ref.has[i];
	}
	return bad + (n != pm->used);
}

/* 20 keys homed at slot 62 (their run wraps past slot 63 to 0..) mixed
 * with 6 homed at 0 and 4 homed at 5, all inside one long probe run. */
static void cluster_keys(void)
{
	uint64_t k62[20], k0[6], k5[4];
	find_colliding(62, k62, 20, 1000);
	find_colliding(0, k0, 6, 1000);
	find_colliding(5, k5, 4, 1000);
	ref.n = 0;
	for (unsigned i = 0; i < 20; i++) {
		ref.key[ref.n++] = k62[i];
		if (i % 3 == 1 && i / 3 < 6)
			ref.key[ref.n++] = k0[i / 3];
		if (i % 5 == 4)
			ref.key[ref.n++] = k5[i / 5];
	}
	CHECK_EQ(ref.n, CL_N);
}

static void fill_ref(struct pagemap *pm)
{
	for (unsigned i = 0; i < ref.n; i++) {
		ref.pa[i] = rnd() & ~0xfffULL >> 8 | (i & 0xfff);
		ref.has[i] = true;
		pagemap_put(pm, ref.key[i], ref.pa[i]);
	}
}

/* Fill one long wrapping run, then delete its keys one at a time in a
 * shuffled order; after every delete all the others must still be found. */
static void test_clusters(void)
{
	cluster_keys();
	for (unsigned round = 0; round < 8; round++) {
		struct pagemap pm = { 0 };
		unsigned order[CL_N], bad = 0, full = 0;
		fill_ref(&pm);
		CHECK_EQ(pm.cap, 64);
		for (unsigned i = 0; i < 64; i++)
			full += pm.slots[i].vpn != 0 && (i >= 62 || i < CL_N - 2);
		CHECK_EQ(full, CL_N); /* one run: slots 62, 63, 0..27 */
		for (unsigned i = 0; i < CL_N; i++)
			order[i] = i;
		for (unsigned i = CL_N - 1; i > 0; i--) {
			unsigned j = rnd() % (i + 1), t = order[i];
			order[i] = order[j], order[j] = t;
		}
		for (unsigned i = 0; i < CL_N; i++) {
			pagemap_del(&pm, ref.key[order[i]]);
			ref.has[order[i]] = false;
			bad += ref_mismatches(&pm) != 0;
		}
		CHECK_EQ(bad, 0);
		CHECK_EQ(pm.used, 0);
		check_table(&pm);
		free(pm.slots);
	}
}

/* One random put, del or find on ref key k; returns 1 on a disagreement. */
static unsigned random_op(struct pagemap *pm, unsigned k, unsigned op)
{
	uint64_t *p;
	switch (op) {
	case 0:
	case 1:
		ref.pa[k] = rnd() >> 20;
		ref.has[k] = true;
		return pagemap_put(pm, ref.key[k], ref.pa[k]) != 0;
	case 2:
		pagemap_del(pm, ref.key[k]);
		ref.has[k] = false;
		return pagemap_find(pm, ref.key[k]) != NULL;
	default:
		p = pagemap_find(pm, ref.key[k]);
		return ref.has[k] ? (!p || *p != ref.pa[k]) : p != NULL;
	}
}

/* nops random operations over the keys in ref, full comparison with the
 * reference every `every` operations and at the end. */
static void random_ops(unsigned nops, unsigned every)
{
	struct pagemap pm = { 0 };
	unsigned bad = 0, first_bad = 0, audits_bad = 0;
	for (unsigned i = 0; i < ref.n; i++)
		ref.has[i] = false;
	for (unsigned i = 1; i <= nops; i++) {
		uint64_t r = rnd();
		unsigned wrong = random_op(&pm, (unsigned)(r % ref.n), (unsigned)(r >> 40) % 4);
		if (wrong && !bad++)
			first_bad = i;
		if (i % every == 0 || i == nops)
			audits_bad += ref_mismatches(&pm) != 0;
	}
	if (bad)
		fprintf(stderr, "first bad op: %u\n", first_bad);
	CHECK_EQ(bad, 0);
	CHECK_EQ(audits_bad, 0);
	check_table(&pm);
	free(pm.slots);
}

static void test_random(void)
{
	ref.n = DOMAIN; /* pseudo-random distinct keys */
	for (unsigned i = 0; i < DOMAIN; i++)
		ref.key[i] = bulk_vpn(i * 7919 + 13);
	random_ops(RANDOM_OPS, 1000);

	cluster_keys(); /* the same on one long colliding run */
	random_ops(RANDOM_OPS / 5, 1);
}

int main(void)
{
	test_basic();
	test_bulk();
	test_clusters();
	test_random();
	return check_report("host-pagemap");
}
