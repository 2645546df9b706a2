/*
 * fbench.c - fault benchmarks under the root pager (root=pager init=fbench
 * bench): fault_zero_roundtrip is one first touch of a fresh heap page
 * (trap, message to the pager, frame zeroed, FAULT_MAP reply, resume);
 * fault_zero_nozero is the same without the zeroing (a bench-only region).
 */
#include <unistd.h>

#include "bench.h"
#include "libsys.h"

#define NOZERO_VA 0x100000000UL

static uint64_t samples[BENCH_RUNS];

static void bench_touch(const char *name, volatile char *base)
{
	for (int i = 0; i < BENCH_RUNS; i++) {
		volatile char *p = base + (uint64_t)i * 4096;
		uint64_t t0 = rdinstret();
		*p = 1;
		samples[i] = rdinstret() - t0;
	}
	bench_report(name, samples, BENCH_RUNS);
}

int main(void)
{
	char *heap = sbrk(BENCH_RUNS * 4096);
	if (heap == (char *)-1)
		return 1;
	bench_touch("fault_zero_roundtrip", heap);
	struct msg m = {.label = PG_NOZERO, .w = {NOZERO_VA, BENCH_RUNS}};
	if (sys_call((long)libsys_startinfo->pager, &m) < 0 || m.label)
		return 2;
	bench_touch("fault_zero_nozero", (volatile char *)NOZERO_VA);
	return 0;
}
