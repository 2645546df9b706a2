/* The pager's work for a request is bounded by what it touches, not by the
 * size of a virtual range: growing the heap by 255 GiB and shrinking it
 * back (nothing touched) must cost the pager next to nothing (it walked
 * every page of the range, about 2 s for everyone else). */
#include <unistd.h>

#include "libsys.h"

#define BIG (255ULL << 30)

int main(void)
{
	tap_plan(4);
	char *old = sbrk(0);
	uint64_t t0 = rdinstret();
	char *a = sbrk((intptr_t)BIG);
	uint64_t t1 = rdinstret();
	tap_check(a == old, "sbrk(+255 GiB) moves the break");
	a[0] = 1;
	a[BIG - 1] = 2; /* two pages touched, at both ends */
	uint64_t t2 = rdinstret();
	char *b = sbrk(-(intptr_t)BIG);
	uint64_t t3 = rdinstret();
	tap_check(b == old + BIG && sbrk(0) == old, "sbrk(-255 GiB) moves it back");
	tap_check(t1 - t0 < 20000, "growing cost %lu instructions (< 20,000)", (unsigned long)(t1 - t0));
	tap_check(t3 - t2 < 100000, "shrinking with 2 pages touched cost %lu instructions (< 100,000)",
		  (unsigned long)(t3 - t2));
	return tap_done();
}
