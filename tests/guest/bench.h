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

#include "libsys.h"

#define BENCH_RUNS 1001

/* One timed interval of a disk or mapping figure: its instructions with
 * the instret the kernel spent idle in WFI taken out, and that idle part
 * (under -icount instret jumps while every hart waits for the disk). */
struct bench_span {
	uint64_t i0, t0;
};

static inline void bench_span_start(struct bench_span *s)
{
	s->i0 = sys_idle_instret(); /* outside the rdinstret window */
	s->t0 = rdinstret();
}

static inline void bench_span_end(const struct bench_span *s, uint64_t *busy, uint64_t *idled)
{
	uint64_t t1 = rdinstret(), i1 = sys_idle_instret();
	*idled = i1 - s->i0;
	*busy = t1 - s->t0 - *idled;
}

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
