/*
 * sbench.c - page-out benchmarks (root=pager init=sbench bench, a swap
 * disk attached): a page-in from swap (fault to resume, idle time apart),
 * the eviction of one dirty anonymous page under a resident limit, and
 * the A-bit harvest of 1,000 resident pages. Medians, guest instructions.
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

#define PG 4096L
#define RUNS 101

static char *map_pages(long n)
{
	return mmap(NULL, (size_t)(n * PG), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
}

/* Touch RUNS pages that are on the swap disk only (written, then dropped
 * from the cache): each touch is a fault, a read and the mapping. */
static void bench_pagein(void)
{
	static uint64_t v[RUNS], idle[RUNS];
	long n = 64 + RUNS;
	char *m = map_pages(n);
	pager_ctl(PCTL_RLIMIT, 0, 64);
	for (long i = 0; i < n; i++)
		m[i * PG] = 1; /* pages 0 .. RUNS-1 go to swap */
	pager_ctl(PCTL_RLIMIT, 0, 0); /* no eviction while we measure */
	sync();
	pager_cache_drop();
	for (long i = 0; i < RUNS; i++) {
		struct bench_span s;
		bench_span_start(&s);
		*(volatile char *)(m + i * PG);
		bench_span_end(&s, &v[i], &idle[i]);
	}
	bench_report("swap_pagein", v, RUNS);
	bench_report("swap_pagein_idle", idle, RUNS);
	munmap(m, (size_t)(n * PG));
}

/* A store to a new page with the resident limit reached: a zero-fill
 * fault plus one eviction (victim, unmap, and 1/16 of a 16-page write
 * request), under FIFO (no reference harvest) and Clock (a harvest of the
 * 64 resident pages first). The plain zero-fill fault is measured apart. */
static void bench_evict_under(const char *policy, const char *name)
{
	static uint64_t v[RUNS];
	long n = 64 + RUNS;
	char *m = map_pages(n);
	pager_ctl(PCTL_POLICY, (uint64_t)policy, 1);
	pager_ctl(PCTL_RLIMIT, 0, 64);
	for (long i = 0; i < 64; i++)
		m[i * PG] = 1;
	for (long i = 64; i < n; i++) {
		uint64_t t0 = rdinstret();
		m[i * PG] = 1;
		v[i - 64] = rdinstret() - t0;
	}
	pager_ctl(PCTL_RLIMIT, 0, 0);
	bench_report(name, v, RUNS);
	munmap(m, (size_t)(n * PG));
}

static void bench_evict(void)
{
	static uint64_t z[RUNS];
	char *m = map_pages(RUNS);
	for (long i = 0; i < RUNS; i++) {
		uint64_t t0 = rdinstret();
		m[i * PG] = 1;
		z[i] = rdinstret() - t0;
	}
	bench_report("swap_zero_fault", z, RUNS);
	munmap(m, (size_t)(RUNS * PG));
	bench_evict_under("fifo", "swap_evict_fault_fifo");
	bench_evict_under("clock", "swap_evict_fault_clock");
	pager_ctl(PCTL_POLICY, (uint64_t)"clock", 1);
}

/* PCTL_HARVEST over 1,000 resident pages, less a null PG_PAGERCTL call. */
static void bench_harvest(void)
{
	static uint64_t v[RUNS], null[RUNS];
	long n = 1000;
	char *m = map_pages(n);
	for (long i = 0; i < n; i++)
		m[i * PG] = 1;
	for (long i = 0; i < RUNS; i++) {
		uint64_t t0 = rdinstret();
		pager_ctl(99, 0, 0);
		uint64_t t1 = rdinstret();
		pager_ctl(PCTL_HARVEST, 0, 0);
		uint64_t t2 = rdinstret();
		null[i] = t1 - t0;
		v[i] = t2 - t1;
		for (long k = 0; k < n; k += 7)
			m[k * PG] = 2; /* some A bits set again */
	}
	bench_report("harvest_1000_call", v, RUNS);
	for (long i = 0; i < RUNS; i++) {
		static uint64_t bits[8];
		uint64_t t0 = rdinstret();
		sys_ref_clear((long)libsys_startinfo->self, (uint64_t)m, 500, bits);
		sys_ref_clear((long)libsys_startinfo->self, (uint64_t)m + 500 * PG, 500, bits);
		v[i] = rdinstret() - t0;
		for (long k = 0; k < n; k += 7)
			m[k * PG] = 2;
	}
	bench_report("part_ref_clear_1000_kernel", v, RUNS);
	bench_report("pagerctl_null", null, RUNS);
	munmap(m, (size_t)(n * PG));
}

int main(void)
{
	struct pg_pagerstat st;
	if (pager_ctl(PCTL_STAT, (uint64_t)&st, 0) < 0 || !st.swap_slots) {
		printf("sbench: no swap disk\n");
		return 1;
	}
	bench_pagein();
	bench_evict();
	bench_harvest();
	return 0;
}
