/*
 * test_pt.c - host unit tests for mm/pt.c, the Sv39 page-table walks.
 * Layer: tests/host. "Physical memory" is a page-aligned array of 64 pages
 * at fake pa 0x80000000; mm_phys() aborts on any pa outside it, so pt.c must
 * never touch a leaf's data frame (all leaf pas here lie outside it).
 */
#define MM_HOST_ONLY
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mm.h"

#define NPAGES 64
#define MEM_BASE 0x80000000ULL
#define DATA_PA 0x90000000ULL /* leaf frames: never dereferenced */
#define USER_TOP (1ULL << 38)
#define MAX_VISITS 64

static _Alignas(4096) uint8_t mem[NPAGES * PG_SIZE];
static unsigned next_page;  /* pages handed out (root + tables) */
static unsigned nalloc;     /* pages handed out through the callback */
static unsigned nfree;      /* pages given back through the callback */
static unsigned nphys;      /* mm_phys calls */
static uint64_t freed[NPAGES];

void *mm_phys(uint64_t pa)
{
	nphys++;
	if (pa < MEM_BASE || pa >= MEM_BASE + sizeof mem || pa % PG_SIZE) {
		fprintf(stderr, "mm_phys: bad pa 0x%llx\n", (unsigned long long)pa);
		abort();
	}
	return mem + (pa - MEM_BASE);
}

static uint64_t take_page(void)
{
	if (next_page >= NPAGES) {
		fprintf(stderr, "fake memory exhausted\n");
		abort();
	}
	uint64_t pa = MEM_BASE + (uint64_t)next_page++ * PG_SIZE;
	memset(mem + (pa - MEM_BASE), 0, PG_SIZE);
	return pa;
}

static uint64_t test_alloc(void *ctx)
{
	CHECK(ctx == &nalloc);
	nalloc++;
	return take_page();
}

static void test_free(uint64_t pa, void *ctx)
{
	CHECK(ctx == &nfree);
	if (nfree < NPAGES)
		freed[nfree] = pa;
	nfree++;
}

/* Forget all state and return a fresh, zeroed root table's pa. */
static uint64_t fresh_root(void)
{
	memset(mem, 0xa5, sizeof mem); /* stale garbage: tables must be zeroed */
	next_page = nalloc = nfree = nphys = 0;
	return take_page();
}

static void map4k(uint64_t root, uint64_t va, uint64_t pa, uint64_t flags)
{
	pt_map(root, va, pa, flags, test_alloc, &nalloc);
}

static void map2m(uint64_t root, uint64_t va, uint64_t pa, uint64_t flags)
{
	pt_map_super(root, va, pa, flags, test_alloc, &nalloc);
}

static void test_pte_bits(void)
{
	CHECK_EQ(PTE_V, 1);
	CHECK_EQ(PTE_R, 2);
	CHECK_EQ(PTE_W, 4);
	CHECK_EQ(PTE_X, 8);
	CHECK_EQ(PTE_U, 16);
	CHECK_EQ(PTE_G, 32);
	CHECK_EQ(PTE_A, 64);
	CHECK_EQ(PTE_D, 128);
	CHECK_EQ(pte_make(0x80001000, PTE_V | PTE_R), (0x80001ULL << 10) | 3);
	CHECK_EQ(pte_make(0x1000, 0), 1ULL << 10); /* PPN starts at bit 10 */
	CHECK_EQ(pte_make(0, 0xff), 0xff);

	static const uint64_t pas[] = { 0, 0x1000, 0x80000000, 0x3fffffff000ULL,
					PTE_PPN_MASK << PG_SHIFT };
	for (unsigned i = 0; i < sizeof pas / sizeof pas[0]; i++) {
		pte_t p = pte_make(pas[i], PTE_V | PTE_R | PTE_W | PTE_D);
		CHECK_EQ(pte_pa(p), pas[i]);
		CHECK_EQ(p & 0x3ff, PTE_V | PTE_R | PTE_W | PTE_D);
		/* RSW (8-9) and reserved (54-63) bits never leak into the pa */
		CHECK_EQ(pte_pa(p | (3ULL << 8) | (0x3ffULL << 54)), pas[i]);
	}
	CHECK_EQ(pte_pa(pte_make(0x80001000, 0xff)), 0x80001000);

	CHECK(!pte_valid(PTE_R | PTE_W));
	CHECK(pte_valid(PTE_V));
	CHECK(!pte_is_leaf(PTE_V));          /* pointer to next table */
	CHECK(!pte_is_leaf(PTE_R | PTE_X));  /* not valid */
	CHECK(pte_is_leaf(PTE_V | PTE_X));
	CHECK_EQ(pte_perm_bits(1), PTE_R);
	CHECK_EQ(pte_perm_bits(2), PTE_W);
	CHECK_EQ(pte_perm_bits(4), PTE_X);
	CHECK_EQ(pte_perm_bits(0xf), PTE_RWX);
}

static void test_pt_index(void)
{
	static const struct { uint64_t va; unsigned idx[3]; } cases[] = {
		{ 0x0, { 0, 0, 0 } },
		{ 0x0000003fffffffffULL, { 0x1ff, 0x1ff, 0xff } },
		{ 0x40201000, { 1, 1, 1 } },
		{ 0x40201fff, { 1, 1, 1 } },
		{ 0x12345678, { 0x145, 0x91, 0 } },
		{ 0x7fffffffffULL, { 0x1ff, 0x1ff, 0x1ff } },
		{ 0xffffffc000000000ULL, { 0, 0, 0x100 } },
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++)
		for (int lv = 0; lv < PT_LEVELS; lv++)
			CHECK_EQ(pt_index(cases[i].va, lv), cases[i].idx[lv]);
}

static void test_tables_needed(void)
{
	uint64_t root = fresh_root();

	CHECK_EQ(pt_tables_needed(root, 0x40201000), 2);
	map4k(root, 0x40200000, DATA_PA, PTE_R);
	CHECK_EQ(nalloc, 2);
	CHECK_EQ(pt_tables_needed(root, 0x40200000), 0); /* already mapped */
	CHECK_EQ(pt_tables_needed(root, 0x40201000), 0); /* same 2 MiB */
	CHECK_EQ(pt_tables_needed(root, 0x403ff000), 0);
	CHECK_EQ(pt_tables_needed(root, 0x40400000), 1); /* same GiB */
	CHECK_EQ(pt_tables_needed(root, 0x40000000), 1);
	CHECK_EQ(pt_tables_needed(root, 0x80000000), 2); /* next GiB */
	CHECK_EQ(pt_tables_needed(root, 0x3fffe00000ULL), 2);

	map2m(root, 0x40600000, DATA_PA + 0x200000, PTE_R | PTE_W);
	CHECK_EQ(nalloc, 2); /* level-1 table already there */
	CHECK_EQ(pt_tables_needed(root, 0x40600000), -1);
	CHECK_EQ(pt_tables_needed(root, 0x407ff000), -1);
	CHECK_EQ(pt_tables_needed(root, 0x40800000), 1);
	CHECK_EQ(pt_tables_needed(root, 0x405ff000), 1);

	map2m(root, 0xc0000000, DATA_PA, PTE_R); /* fresh GiB: one table */
	CHECK_EQ(nalloc, 3);
	CHECK_EQ(pt_tables_needed(root, 0xc0000000), -1);
	CHECK_EQ(pt_tables_needed(root, 0xc0200000), 1);
}

/* Lookups of unmapped VAs stop at the first invalid entry on the path. */
static void check_absent(uint64_t root, pte_t *leaf, pte_t *r)
{
	int level = -1;
	pte_t *n = pt_lookup(root, 0x2000, &level); /* neighbour: empty slot */
	CHECK_EQ(level, 0);
	CHECK_EQ(*n, 0);
	CHECK(n == leaf + 1);
	n = pt_lookup(root, 0x40000000, &level);    /* other GiB: root entry */
	CHECK_EQ(level, 2);
	CHECK_EQ(*n, 0);
	CHECK(n == r + 1);
	n = pt_lookup(root, 0x200000, &level);      /* other 2 MiB */
	CHECK_EQ(level, 1);
	CHECK_EQ(*n, 0);
}

static void test_map_lookup(void)
{
	uint64_t root = fresh_root();
	uint64_t fl = PTE_R | PTE_W | PTE_U | PTE_A | PTE_D;
	int level = -1;

	map4k(root, 0x1000, DATA_PA + 0x1000, fl);
	CHECK_EQ(nalloc, 2);
	pte_t *e = pt_lookup(root, 0x1000, &level);
	CHECK(e != NULL);
	CHECK_EQ(level, 0);
	CHECK_EQ(*e, pte_make(DATA_PA + 0x1000, fl | PTE_V));
	CHECK_EQ(pte_pa(*e), DATA_PA + 0x1000);
	CHECK_EQ(*e & 0x3ff, fl | PTE_V);
	CHECK(pt_lookup(root, 0x1abc, &level) == e); /* offset within the page */

	/* intermediate entries are pointers: V only */
	pte_t *r = mm_phys(root);
	CHECK_EQ(r[0] & 0x3ff, PTE_V);
	CHECK_EQ(((pte_t *)mm_phys(pte_pa(r[0])))[0] & 0x3ff, PTE_V);

	check_absent(root, e, r);

	map4k(root, 0x1000, DATA_PA + 0x5000, PTE_R | PTE_X | PTE_G);
	CHECK_EQ(nalloc, 2); /* replaced in place */
	CHECK(pt_lookup(root, 0x1000, &level) == e);
	CHECK_EQ(*e, pte_make(DATA_PA + 0x5000, PTE_V | PTE_R | PTE_X | PTE_G));

	map2m(root, 0x40600000, DATA_PA + 0x600000, PTE_R | PTE_U);
	e = pt_lookup(root, 0x40712345, &level);
	CHECK_EQ(level, 1);
	CHECK_EQ(*e, pte_make(DATA_PA + 0x600000, PTE_V | PTE_R | PTE_U));
}

struct visit {
	pte_t *pte;
	uint64_t va;
	int level;
};

struct visits {
	unsigned n;
	struct visit v[MAX_VISITS];
};

static void record(pte_t *pte, uint64_t va, int level, void *ctx)
{
	struct visits *vs = ctx;
	if (vs->n < MAX_VISITS)
		vs->v[vs->n] = (struct visit){ pte, va, level };
	vs->n++;
}

static struct visits *range(uint64_t root, uint64_t va, uint64_t end)
{
	static struct visits vs;
	memset(&vs, 0, sizeof vs);
	pt_range(root, va, end, record, &vs);
	return &vs;
}

/* Visit i went to a leaf at va/level, and its pte is the one pt_lookup finds. */
static void check_visit(uint64_t root, const struct visits *vs, unsigned i, uint64_t va,
			int level)
{
	int lv;
	CHECK(i < vs->n);
	if (i >= vs->n || i >= MAX_VISITS)
		return;
	CHECK_EQ(vs->v[i].va, va);
	CHECK_EQ(vs->v[i].level, level);
	CHECK(vs->v[i].pte == pt_lookup(root, va, &lv));
	CHECK(pte_is_leaf(*vs->v[i].pte));
}

static void test_range_sparse(void)
{
	uint64_t root = fresh_root();
	const uint64_t last = USER_TOP - PG_SIZE;

	map4k(root, last, DATA_PA + 0x3000, PTE_R);     /* mapped out of order */
	map4k(root, 0x1000, DATA_PA + 0x1000, PTE_R);
	map4k(root, 0x40201000, DATA_PA + 0x2000, PTE_R);
	CHECK_EQ(nalloc, 6);

	nphys = 0;
	struct visits *vs = range(root, 0, USER_TOP);
	CHECK_EQ(vs->n, 3);
	check_visit(root, vs, 0, 0x1000, 0);
	check_visit(root, vs, 1, 0x40201000, 0);
	check_visit(root, vs, 2, last, 0);
	/* each table read once (root + 6), plus the lookups in check_visit */
	CHECK_EQ(nphys, 1 + 6 + 3 * 3);

	nphys = 0;
	vs = range(root, 0, 1ULL << 39); /* the whole root, kernel half too */
	CHECK_EQ(vs->n, 3);
	CHECK_EQ(nphys, 1 + 6);

	CHECK_EQ(range(root, 0, 0x1000)->n, 0);
	CHECK_EQ(range(root, 0x1000, 0x1000)->n, 0);     /* empty range */
	CHECK_EQ(range(root, 0x2000, 0x40201000)->n, 0); /* end is exclusive */
	vs = range(root, 0x1000, 0x2000);
	CHECK_EQ(vs->n, 1);
	check_visit(root, vs, 0, 0x1000, 0);
	vs = range(root, 0x2000, USER_TOP);
	CHECK_EQ(vs->n, 2);
	check_visit(root, vs, 0, 0x40201000, 0);
}

static void test_range_dense(void)
{
	uint64_t root = fresh_root();

	for (uint64_t va = 0x10000; va < 0x18000; va += PG_SIZE)
		map4k(root, va, DATA_PA + va, PTE_R | PTE_W);
	map4k(root, 0x1ff000, DATA_PA, PTE_R);       /* last page of a table */
	map4k(root, 0x200000, DATA_PA, PTE_R);       /* first page of the next */
	map4k(root, 0x201000, DATA_PA, PTE_R);

	struct visits *vs = range(root, 0x12000, 0x15000); /* ends mid-table */
	CHECK_EQ(vs->n, 3);
	for (unsigned i = 0; i < 3; i++)
		check_visit(root, vs, i, 0x12000 + i * PG_SIZE, 0);

	vs = range(root, 0, USER_TOP);
	CHECK_EQ(vs->n, 11);
	for (unsigned i = 0; i < 8; i++)
		check_visit(root, vs, i, 0x10000 + i * PG_SIZE, 0);
	check_visit(root, vs, 8, 0x1ff000, 0);
	check_visit(root, vs, 9, 0x200000, 0);
	check_visit(root, vs, 10, 0x201000, 0);

	vs = range(root, 0x1ff000, 0x201000); /* crosses a table, ends inside one */
	CHECK_EQ(vs->n, 2);
	check_visit(root, vs, 0, 0x1ff000, 0);
	check_visit(root, vs, 1, 0x200000, 0);
	CHECK_EQ(range(root, 0x18000, 0x1ff000)->n, 0);
}

static void test_range_super(void)
{
	uint64_t root = fresh_root();

	map4k(root, 0x40201000, DATA_PA, PTE_R);
	map2m(root, 0x40600000, DATA_PA + 0x600000, PTE_R | PTE_W);
	map4k(root, 0x40800000, DATA_PA, PTE_R);

	struct visits *vs = range(root, 0x40000000, 0x80000000);
	CHECK_EQ(vs->n, 3);
	check_visit(root, vs, 0, 0x40201000, 0);
	check_visit(root, vs, 1, 0x40600000, 1);
	check_visit(root, vs, 2, 0x40800000, 0);

	vs = range(root, 0x40601000, 0x40700000); /* starts inside the megapage */
	CHECK_EQ(vs->n, 1);
	check_visit(root, vs, 0, 0x40600000, 1);

	CHECK(pt_range_has_super(root, 0, USER_TOP));
	CHECK(pt_range_has_super(root, 0x40600000, 0x40601000));
	CHECK(pt_range_has_super(root, 0x407ff000, 0x40801000));
	CHECK(pt_range_has_super(root, 0x405ff000, 0x40601000));
	CHECK(!pt_range_has_super(root, 0, 0x40600000));
	CHECK(!pt_range_has_super(root, 0x40800000, USER_TOP));
	CHECK(!pt_range_has_super(root, 0x40600000, 0x40600000));

	uint64_t root2 = take_page();
	map4k(root2, 0x1000, DATA_PA, PTE_R);
	CHECK(!pt_range_has_super(root2, 0, USER_TOP));
	CHECK(!pt_range_has_super(take_page(), 0, USER_TOP));
}

/* Fill root entries 256..511 with kernel-style sentinels: gigapage leaves
 * and pointers to a pa that mm_phys() rejects, so any walk there aborts. */
static void put_sentinels(pte_t *r)
{
	for (unsigned i = PT_ENTRIES / 2; i < PT_ENTRIES; i++)
		r[i] = (i & 1) ? pte_make(0x7000000ULL + i * PG_SIZE, PTE_V)
			       : pte_make((uint64_t)i << 30, PTE_V | PTE_RWX | PTE_G);
}

static bool freed_once(uint64_t pa)
{
	unsigned hits = 0;
	for (unsigned i = 0; i < nfree && i < NPAGES; i++)
		hits += freed[i] == pa;
	return hits == 1;
}

static void test_free_user(void)
{
	uint64_t root = fresh_root();
	pte_t *r = mm_phys(root);
	put_sentinels(r);

	map4k(root, 0x1000, DATA_PA, PTE_R);
	map4k(root, 0x2000, DATA_PA, PTE_R);
	map4k(root, 0x200000, DATA_PA, PTE_R);
	map4k(root, 0x40201000, DATA_PA, PTE_R);
	map2m(root, 0x40600000, DATA_PA, PTE_R);
	map2m(root, 0x80000000, DATA_PA, PTE_R);
	map4k(root, USER_TOP - PG_SIZE, DATA_PA, PTE_R);
	CHECK_EQ(nalloc, 8);

	pt_free_user(root, test_free, &nfree);
	CHECK_EQ(nfree, nalloc + 1);
	for (unsigned i = 0; i < next_page; i++)
		CHECK(freed_once(MEM_BASE + i * PG_SIZE));
	CHECK_EQ(freed[nfree - 1], root); /* root last */

	unsigned dirty = 0, changed = 0;
	for (unsigned i = 0; i < PT_ENTRIES / 2; i++)
		dirty += r[i] != 0;
	pte_t want[PT_ENTRIES];
	put_sentinels(want);
	for (unsigned i = PT_ENTRIES / 2; i < PT_ENTRIES; i++)
		changed += r[i] != want[i];
	CHECK_EQ(dirty, 0);
	CHECK_EQ(changed, 0);
}

/* Clear the leaf at va (what do_unmap does before pruning). */
static void clear4k(uint64_t root, uint64_t va)
{
	int level;
	pte_t *e = pt_lookup(root, va, &level);
	CHECK_EQ(level, 0);
	*e = 0;
}

/* pt_prune frees exactly the table pages left empty inside the range and
 * keeps every table that still maps something (and the root). */
static void test_prune(void)
{
	uint64_t root = fresh_root();
	int level;
	map4k(root, 0x1000, DATA_PA, PTE_R);     /* L1 a, L0 a */
	map4k(root, 0x2000, DATA_PA, PTE_R);     /* same L0 */
	map4k(root, 0x400000, DATA_PA, PTE_R);   /* L0 b under L1 a */
	map4k(root, 0x40000000, DATA_PA, PTE_R); /* L1 c, L0 c */
	CHECK_EQ(nalloc, 5);

	clear4k(root, 0x1000); /* L0 a still holds 0x2000 */
	pt_prune(root, 0x0, 0x3000, test_free, &nfree);
	CHECK_EQ(nfree, 0);

	clear4k(root, 0x2000); /* L0 a empty now; L1 a still has L0 b */
	pt_prune(root, 0x0, 0x3000, test_free, &nfree);
	CHECK_EQ(nfree, 1);
	CHECK_EQ(pt_tables_needed(root, 0x1000), 1);  /* L0 a gone, L1 a kept */
	CHECK_EQ(pt_tables_needed(root, 0x400000), 0); /* L0 b kept */

	clear4k(root, 0x400000); /* L0 b empty, but outside the range: kept, */
	pt_prune(root, 0x0, 0x3000, test_free, &nfree);
	CHECK_EQ(nfree, 1);                            /* and so L1 a too */
	CHECK_EQ(pt_tables_needed(root, 0x400000), 0);
	pt_lookup(root, 0x40000000, &level);
	CHECK_EQ(level, 0); /* the other GiB untouched */

	clear4k(root, 0x40000000);
	pt_prune(root, 0, USER_TOP, test_free, &nfree);
	CHECK_EQ(nfree, 5); /* everything but the root */
	CHECK_EQ(pt_tables_needed(root, 0x40000000), 2);
}

static void test_free_empty(void)
{
	uint64_t root = fresh_root();
	put_sentinels(mm_phys(root));
	pt_free_user(root, test_free, &nfree);
	CHECK_EQ(nfree, 1);
	CHECK_EQ(freed[0], root);
}

int main(void)
{
	test_pte_bits();
	test_pt_index();
	test_tables_needed();
	test_map_lookup();
	test_range_sparse();
	test_range_dense();
	test_range_super();
	test_free_user();
	test_prune();
	test_free_empty();
	return check_report("host-pt");
}
