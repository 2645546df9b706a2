/*
 * bench.h - median-of-runs helpers for the in-guest benchmarks. Under
 * `-icount shift=0` rdinstret counts guest instructions exactly; each
 * figure is the median of BENCH_RUNS samples of (after - before).
 */
#ifndef TESTS_BENCH_H
#define TESTS_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define BENCH_RUNS 1001

static int bench_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static inline uint64_t bench_median(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof *v, bench_cmp);
	return v[n / 2];
}

static inline void bench_report(const char *name, uint64_t *v, size_t n)
{
	printf("BENCH %s %lu instructions\n", name, (unsigned long)bench_median(v, n));
}

#endif /* TESTS_BENCH_H */
