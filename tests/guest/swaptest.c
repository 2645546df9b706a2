/*
 * swaptest.c - page-out suite (root=pager init=swaptest, a swap disk
 * attached): under a frame limit, anonymous memory, heap and fork-shared
 * pages totalling 3x the limit are written with checksummed patterns and
 * read back under every guest policy, then shared file and shared
 * anonymous mappings of 2x the limit; pages only read keep their slots
 * (a second read pass writes none); every frame and swap slot returns.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libsys.h"

#define PG 4096L
#define LIMIT 384 /* frames: process pages plus the page cache */

/* Swap slots the live processes hold (none shares a slot with another
 * when this is called: no fork is in progress). */
static uint64_t swap_held(void)
{
	static struct pg_ps ps[64];
	long n = pager_ps(ps, 64);
	uint64_t sum = 0;
	for (long i = 0; i < n; i++)
		sum += ps[i].swapped;
	return sum;
}

static struct pg_pagerstat stat_now(void)
{
	struct pg_pagerstat st;
	memset(&st, 0, sizeof st);
	pager_ctl(PCTL_STAT, (uint64_t)&st, 0);
	return st;
}

/* Slots in use (PCTL_STAT) and slots the processes hold (ps), as one
 * snapshot: a copy out to a page of ours that is in swap pages it in (a
 * store: its slot goes) between the two, so both are taken again until
 * neither moved. */
static uint64_t slots_held(uint64_t *used)
{
	uint64_t held = 0;
	for (int i = 0; i < 8; i++) {
		held = swap_held();
		*used = stat_now().swap_used;
		if (swap_held() == held && stat_now().swap_used == *used)
			break;
	}
	return held;
}

/* The word at index i of page p of a region, for round r. */
static uint64_t pattern(uint64_t p, uint64_t i, uint64_t r)
{
	return (p * 0x9e3779b97f4a7c15ULL) ^ (i * 0x2545f4914f6cdd1dULL) ^ (r << 56) ^ 0x5a5a;
}

static void fill(uint64_t *mem, long pages, uint64_t r)
{
	for (long p = 0; p < pages; p++)
		for (long i = 0; i < PG / 8; i += 64) /* a word per cache line */
			mem[p * PG / 8 + i] = pattern((uint64_t)p, (uint64_t)i, r);
}

/* Pages [first, first + pages) whose words do not read back. */
static long check_from(const uint64_t *mem, long first, long pages, uint64_t r)
{
	long bad = 0;
	for (long p = first; p < first + pages; p++)
		for (long i = 0; i < PG / 8; i += 64)
			if (mem[p * PG / 8 + i] != pattern((uint64_t)p, (uint64_t)i, r)) {
				bad++;
				break;
			}
	return bad;
}

static long check(const uint64_t *mem, long pages, uint64_t r) { return check_from(mem, 0, pages, r); }

/* Anonymous pages, 3x the limit, two rounds: every page comes back. */
static void test_anon(const char *policy)
{
	long pages = 3 * LIMIT;
	struct pg_pagerstat a = stat_now();
	uint64_t *mem = mmap(NULL, (size_t)(pages * PG), PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fill(mem, pages, 1);
	long bad1 = check(mem, pages, 1);
	fill(mem, pages, 2);
	long bad2 = check(mem, pages, 2);
	struct pg_pagerstat b = stat_now();
	tap_check(bad1 == 0 && bad2 == 0, "%s: %ld anonymous pages under a %d-frame limit read back "
		  "(bad %ld, %ld)", policy, pages, LIMIT, bad1, bad2);
	tap_check(b.pageouts - a.pageouts >= (uint64_t)pages && b.pageins > a.pageins,
		  "%s: pages went to swap and came back (%lu out, %lu in)", policy,
		  (unsigned long)(b.pageouts - a.pageouts), (unsigned long)(b.pageins - a.pageins));
	tap_check(b.frames_used <= LIMIT + 16, "%s: frames used %lu within the limit", policy,
		  (unsigned long)b.frames_used);
	munmap(mem, (size_t)(pages * PG));
	struct pg_pagerstat c;
	uint64_t held = slots_held(&c.swap_used);
	tap_check(c.swap_used == held, "%s: after munmap, slots used %lu = slots processes hold %lu",
		  policy, (unsigned long)c.swap_used, (unsigned long)held);
}

/* Pages paged in and only read keep their swap slots: a second read pass
 * over 3x the limit evicts them unchanged, without writing them again
 * (it was 2x the limit of pageouts when the slot went at page-in). A
 * store after that still sticks, and the slots go at munmap. */
static void test_clean(void)
{
	long pages = 3 * LIMIT;
	uint64_t *mem = mmap(NULL, (size_t)(pages * PG), PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fill(mem, pages, 4);
	long bad1 = check(mem, pages, 4);
	struct pg_pagerstat a = stat_now();
	long bad2 = check(mem, pages, 4);
	struct pg_pagerstat b = stat_now();
	fill(mem, pages, 5);
	long bad3 = check(mem, pages, 5);
	tap_check(bad1 == 0 && bad2 == 0 && bad3 == 0, "clean pages: read twice, then written, "
		  "%ld pages read back (bad %ld, %ld, %ld)", pages, bad1, bad2, bad3);
	tap_check(b.pageouts - a.pageouts < LIMIT / 8 && b.pageins - a.pageins >= (uint64_t)LIMIT,
		  "clean pages: the second read pass wrote %lu pages (read %lu): unchanged pages "
		  "keep their slots", (unsigned long)(b.pageouts - a.pageouts),
		  (unsigned long)(b.pageins - a.pageins));
	munmap(mem, (size_t)(pages * PG));
	struct pg_pagerstat c;
	uint64_t held = slots_held(&c.swap_used);
	tap_check(c.swap_used == held, "clean pages: after munmap, slots used %lu = slots "
		  "processes hold %lu", (unsigned long)c.swap_used, (unsigned long)held);
}

/* Fork shares the pages, swap keeps them shared: parent and children each
 * see their own writes and nobody else's. */
static void test_fork(void)
{
	long pages = 2 * LIMIT;
	uint64_t *mem = mmap(NULL, (size_t)(pages * PG), PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fill(mem, pages, 3);
	pid_t kids[2];
	for (int k = 0; k < 2; k++) {
		if ((kids[k] = fork()) == 0) {
			long b1 = check(mem, pages, 3);
			fill(mem, pages / 2, (uint64_t)(10 + k)); /* a COW break each */
			long b2 = check(mem, pages / 2, (uint64_t)(10 + k));
			long b3 = check_from(mem, pages / 2, pages - pages / 2, 3);
			if (b1 || b2 || b3)
				printf("# child %d: bad pages %ld %ld %ld\n", k, b1, b2, b3);
			_exit(b1 || b2 || b3 ? 1 : 0);
		}
	}
	int ok = 0;
	for (int k = 0; k < 2; k++) {
		int st = -1;
		ok += waitpid(kids[k], &st, 0) == kids[k] && st == 0;
		if (st)
			printf("# child %d: status %#x\n", k, st);
	}
	tap_check(ok == 2, "fork: both children read the shared pages and their own writes");
	tap_check(check(mem, pages, 3) == 0, "fork: the parent's pages are unchanged");
	munmap(mem, (size_t)(pages * PG));
}

/* The heap: sbrk up, fill, check, sbrk back down. */
static void test_heap(void)
{
	long pages = 2 * LIMIT;
	uint64_t *mem = sbrk(pages * PG);
	fill(mem, pages, 4);
	tap_check(check(mem, pages, 4) == 0, "heap: %ld pages of sbrk memory read back", pages);
	sbrk(-pages * PG);
}

/* A shared file mapping of 2x the limit, written by the parent and a
 * forked child (each its half), evicted (its stores harvested and written
 * back) and read back through the mapping and through read(). */
static void test_shared_file(void)
{
	long pages = 2 * LIMIT;
	struct pg_pagerstat b = stat_now();
	int fd = open("/swapfile.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	tap_check(fd >= 0 && ftruncate(fd, pages * PG) == 0, "a %ld-page file", pages);
	uint64_t *mem = mmap(NULL, (size_t)(pages * PG), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	tap_check(mem != MAP_FAILED, "mapped shared");
	pid_t kid = fork();
	if (kid == 0) {
		fill(mem + pages / 2 * PG / 8, pages - pages / 2, 5); /* pattern of its own pages */
		_exit(0);
	}
	int st = -1;
	waitpid(kid, &st, 0);
	for (long p = 0; p < pages / 2; p++) /* the parent's half, as fill(5) would */
		for (long i = 0; i < PG / 8; i += 64)
			mem[p * PG / 8 + i] = pattern((uint64_t)p, (uint64_t)i, 5);
	long bad = 0;
	for (long p = 0; p < pages; p++) {
		long q = p < pages / 2 ? p : p - pages / 2;
		for (long i = 0; i < PG / 8; i += 64)
			if (mem[p * PG / 8 + i] != pattern((uint64_t)q, (uint64_t)i, 5)) {
				bad++;
				break;
			}
	}
	tap_check(st == 0 && bad == 0, "both halves read back through the mapping (%ld bad)", bad);
	struct pg_pagerstat a = stat_now();
	tap_check(a.writebacks - b.writebacks >= (uint64_t)LIMIT && a.frames_used <= LIMIT + 16,
		  "mapped file pages were evicted and written back (%lu) within the limit (%lu used)",
		  (unsigned long)(a.writebacks - b.writebacks), (unsigned long)a.frames_used);
	munmap(mem, (size_t)(pages * PG));
	bad = 0;
	static uint64_t buf[PG / 8];
	for (long p = 0; p < pages; p++) {
		long q = p < pages / 2 ? p : p - pages / 2;
		if (pread(fd, buf, PG, p * PG) != PG || buf[0] != pattern((uint64_t)q, 0, 5))
			bad++;
	}
	tap_check(bad == 0, "and through read() after munmap (%ld bad)", bad);
	close(fd);
	unlink("/swapfile.dat");
}

/* The most frames in use seen by this process's samples (PCTL_STAT)
 * while the mixed phase runs. */
static uint64_t mixed_peak;

static void mixed_sample(void)
{
	uint64_t used = stat_now().frames_used;
	mixed_peak = used > mixed_peak ? used : mixed_peak;
}

/* The mix, under the current policy: anonymous memory, heap and a shared
 * file mapping, LIMIT pages each (3x the limit), shared by fork with two
 * children. Each child, for two rounds, checks what it inherited, then
 * writes its own pattern into its half of all three (the file half seen by
 * everyone, the others copied on write) and checks it. The parent then
 * finds its anonymous and heap pages unchanged and each child's half of
 * the file. Half k of the anonymous and heap pages hold round r, of the file
 * round rf: the bad pages, 16 at a time, frames used sampled after each. */
static long mixed_check(uint64_t *a, uint64_t *h, uint64_t *f, int k, uint64_t r, uint64_t rf)
{
	long half = LIMIT / 2, bad = 0;
	for (long lo = k * half; lo < (k + 1) * half; lo += 16) {
		bad += check_from(a, lo, 16, r) + check_from(h, lo, 16, r + 100) +
		       check_from(f, lo, 16, rf + 200);
		mixed_sample();
	}
	return bad;
}

static void mixed_fill(uint64_t *a, uint64_t *h, uint64_t *f, int k, uint64_t r)
{
	long half = LIMIT / 2, lo = k * half;
	for (long p = lo; p < lo + half; p++) {
		for (long i = 0; i < PG / 8; i += 64) {
			a[p * PG / 8 + i] = pattern((uint64_t)p, (uint64_t)i, r);
			h[p * PG / 8 + i] = pattern((uint64_t)p, (uint64_t)i, r + 100);
			f[p * PG / 8 + i] = pattern((uint64_t)p, (uint64_t)i, r + 200);
		}
		if (p % 16 == 0)
			mixed_sample();
	}
}

static void test_mixed(const char *policy)
{
	struct pg_pagerstat b = stat_now();
	int fd = open("/swapmix.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
	ftruncate(fd, LIMIT * PG);
	uint64_t *a = mmap(NULL, LIMIT * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t *f = mmap(NULL, LIMIT * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	uint64_t *h = sbrk(LIMIT * PG);
	/* the children's peaks: a page of a shared anonymous object */
	uint64_t *peaks = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	mixed_peak = 0;
	mixed_fill(a, h, f, 0, 1);
	mixed_fill(a, h, f, 1, 1);
	pid_t kids[2];
	for (int k = 0; k < 2; k++) {
		if ((kids[k] = fork()) == 0) {
			long bad = mixed_check(a, h, f, k, 1, 1);
			for (uint64_t r = (uint64_t)(10 * k) + 2; r < (uint64_t)(10 * k) + 4; r++) {
				mixed_fill(a, h, f, k, r);
				bad += mixed_check(a, h, f, k, r, r);
			}
			peaks[k] = mixed_peak;
			_exit(bad ? 1 : 0);
		}
	}
	int ok = 0;
	for (int k = 0; k < 2; k++) {
		int st = -1;
		ok += waitpid(kids[k], &st, 0) == kids[k] && st == 0;
	}
	long bad = 0;
	for (int k = 0; k < 2; k++) /* ours unchanged, the file as child k left it */
		bad += mixed_check(a, h, f, k, 1, (uint64_t)(10 * k) + 3);
	struct pg_pagerstat e = stat_now();
	tap_check(ok == 2 && bad == 0, "%s: anonymous, heap and shared-file pages (3x the limit), "
		  "two forked writers, two rounds: all read back (%ld bad)", policy, bad);
	uint64_t peak = mixed_peak;
	for (int k = 0; k < 2; k++)
		peak = peaks[k] > peak ? peaks[k] : peak;
	tap_check(peak <= LIMIT + 16 && e.frames_used <= LIMIT + 16,
		  "%s: frames used within the limit all along (at most %lu sampled, %lu at the end)",
		  policy, (unsigned long)peak, (unsigned long)e.frames_used);
	tap_check(e.writebacks > b.writebacks, "%s: file pages written back (%lu)", policy,
		  (unsigned long)(e.writebacks - b.writebacks));
	munmap(a, LIMIT * PG);
	munmap(f, LIMIT * PG);
	munmap(peaks, PG);
	sbrk(-LIMIT * PG);
	close(fd);
	unlink("/swapmix.dat");
}

/* Pages [lo, lo + n) of round r, frames used sampled every 16 pages. */
static void anon_fill(uint64_t *mem, long lo, long n, uint64_t r)
{
	for (long p = lo; p < lo + n; p++) {
		for (long i = 0; i < PG / 8; i += 64)
			mem[p * PG / 8 + i] = pattern((uint64_t)p, (uint64_t)i, r);
		if (p % 16 == 0)
			mixed_sample();
	}
}

static long anon_check(const uint64_t *mem, long pages, uint64_t r)
{
	long bad = 0;
	for (long lo = 0; lo < pages; lo += 16) {
		bad += check_from(mem, lo, 16, r);
		mixed_sample();
	}
	return bad;
}

/* Shared anonymous memory (MAP_SHARED | MAP_ANONYMOUS) of 2x the limit,
 * half written by the parent and half by a forked child: its pages go to
 * swap slots of the object and come back, seen by both; the frame limit
 * holds, and the slots go with the object at munmap. */
static void test_shared_anon(void)
{
	long pages = 2 * LIMIT, half = LIMIT;
	int rw = PROT_READ | PROT_WRITE, flags = MAP_SHARED | MAP_ANONYMOUS;
	struct pg_pagerstat b = stat_now();
	uint64_t *mem = mmap(NULL, (size_t)(pages * PG), rw, flags, -1, 0);
	uint64_t *peak = mmap(NULL, PG, rw, flags, -1, 0); /* the child's */
	tap_check(mem != MAP_FAILED && peak != MAP_FAILED, "shared anonymous: %ld pages", pages);
	mixed_peak = 0;
	anon_fill(mem, 0, half, 6);
	pid_t kid = fork();
	if (kid == 0) {
		anon_fill(mem, half, pages - half, 6);
		long bad = anon_check(mem, pages, 6);
		if (bad)
			printf("# child: %ld bad pages\n", bad);
		*peak = mixed_peak;
		_exit(bad ? 1 : 0);
	}
	int st = -1;
	waitpid(kid, &st, 0);
	long bad = anon_check(mem, pages, 6);
	struct pg_pagerstat a = stat_now();
	uint64_t top = *peak > mixed_peak ? *peak : mixed_peak;
	tap_check(st == 0 && bad == 0, "shared anonymous: both halves read back in the child and "
		  "the parent (%ld bad in the parent, child status %#x)", bad, st);
	tap_check(top <= LIMIT + 16 && a.frames_used <= LIMIT + 16,
		  "shared anonymous: frames used within the limit all along (at most %lu sampled, "
		  "%lu at the end)", (unsigned long)top, (unsigned long)a.frames_used);
	tap_check(a.pageouts - b.pageouts >= (uint64_t)LIMIT && a.pageins > b.pageins,
		  "shared anonymous: pages went to swap and came back (%lu out, %lu in)",
		  (unsigned long)(a.pageouts - b.pageouts), (unsigned long)(a.pageins - b.pageins));
	munmap(mem, (size_t)(pages * PG));
	munmap(peak, PG);
	struct pg_pagerstat c;
	uint64_t held = slots_held(&c.swap_used);
	tap_check(c.swap_used == held, "shared anonymous: after munmap, slots used %lu = slots "
		  "processes hold %lu", (unsigned long)c.swap_used, (unsigned long)held);
}

int main(void)
{
	static const char *const policies[] = {"fifo", "clock", "lru_aging", "random", "wsclock", "car"};
	int n = sizeof policies / sizeof policies[0];
	tap_plan(1 + 8 * n + 3 + 5 + 5 + 3 + 2);
	struct pg_pagerstat st = stat_now();
	tap_check(st.swap_slots > 1000, "a swap disk with %lu slots", (unsigned long)st.swap_slots);
	struct pg_meminfo m0, m1;
	pager_cache_drop();
	pager_meminfo(&m0);
	pager_ctl(PCTL_LIMIT, LIMIT, 0);
	for (int i = 0; i < n; i++) {
		tap_check(pager_ctl(PCTL_POLICY, (uint64_t)policies[i], 7) == 0, "policy %s",
			  policies[i]);
		test_anon(policies[i]);
	}
	for (int i = 0; i < n; i++) {
		pager_ctl(PCTL_POLICY, (uint64_t)policies[i], 7);
		test_mixed(policies[i]);
	}
	test_fork();
	test_heap();
	test_shared_file();
	pager_ctl(PCTL_POLICY, (uint64_t)"clock", 7);
	test_clean();
	test_shared_anon();
	pager_ctl(PCTL_LIMIT, 0, 0);
	uint64_t held = slots_held(&st.swap_used);
	tap_check(st.swap_used == held, "at the end, slots used %lu = slots processes hold %lu",
		  (unsigned long)st.swap_used, (unsigned long)held);
	pager_cache_drop();
	pager_meminfo(&m1);
	/* The pager's heap keeps its high-water mark (policy state). */
	tap_check(m1.frames_free + m1.pager_heap >= m0.frames_free + m0.pager_heap,
		  "every frame came back: %lu free + %lu heap, %lu + %lu at the start",
		  (unsigned long)m1.frames_free, (unsigned long)m1.pager_heap,
		  (unsigned long)m0.frames_free, (unsigned long)m0.pager_heap);
	return tap_done();
}
