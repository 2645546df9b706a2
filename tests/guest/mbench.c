/*
 * mbench.c - mapping benchmarks under the root pager on the disk (root=pager
 * init=mbench bench, booted by tools/bench on a fresh copy of its bench
 * image, the same as dbench.c's: /bench/big0..big2 are 16 MiB files whose
 * page k starts with the 8 bytes f * 4096 + k). Each figure is the median of
 * its samples of guest instructions minus the instret the kernel spent idle
 * in WFI meanwhile (sys_idle_instret); the files are read into the page
 * cache first, so only msync waits for the disk. Data is checked outside
 * the timed part.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"
#include "libsys.h"

#define PG 4096
#define BIG_SIZE (16u << 20)
#define BIG_PAGES (BIG_SIZE / PG)
#define CHUNK (64u << 10)
#define SYNC_RUNS 21            /* msync rounds */
#define SYNC_STRIDE 100         /* every 100th page dirty: 41 of 4096, 1% */
#define SYNC_DIRTY ((BIG_PAGES + SYNC_STRIDE - 1) / SYNC_STRIDE)

static uint64_t samples[BENCH_RUNS], idle[BENCH_RUNS];
static uint8_t buf[CHUNK] __attribute__((aligned(PG)));

static int mbench_fail(const char *what)
{
	printf("mbench: %s failed\n", what);
	return 1;
}

static uint64_t page_id(unsigned f, unsigned k) { return f * 4096ull + k; }

static uint64_t word_at(const volatile uint8_t *p)
{
	uint64_t w;
	memcpy(&w, (const void *)p, sizeof w);
	return w;
}

/* /bench/bigF read through once with read() (now cached); its fd, or -1. */
static int open_cached(unsigned f, int flags)
{
	char path[32];
	snprintf(path, sizeof path, "/bench/big%u", f);
	int fd = open(path, flags);
	if (fd < 0)
		return -1;
	uint64_t off = 0;
	long n;
	while ((n = pread(fd, buf, CHUNK, (off_t)off)) > 0)
		off += (uint64_t)n;
	return off == BIG_SIZE ? fd : -1;
}

/* First load from each of BENCH_RUNS cached pages through a shared mapping:
 * fault, map the cache's frame, resume. */
static int bench_fault_shared(int fd)
{
	volatile uint8_t *p = mmap(NULL, BIG_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return mbench_fail("mmap big0 shared");
	for (unsigned i = 0; i < BENCH_RUNS; i++) {
		struct bench_span s;
		bench_span_start(&s);
		(void)p[(size_t)i * 4 * PG]; /* every 4th page: no neighbour mapped with it */
		bench_span_end(&s, &samples[i], &idle[i]);
	}
	for (unsigned i = 0; i < BENCH_RUNS; i++)
		if (word_at(p + (size_t)i * 4 * PG) != page_id(0, 4 * i))
			return mbench_fail("shared mapping contents");
	munmap((void *)p, BIG_SIZE);
	bench_report("mmap_fault_shared_cached", samples, BENCH_RUNS);
	bench_report("mmap_fault_shared_cached_idle", idle, BENCH_RUNS);
	return 0;
}

/* First store to each of BENCH_RUNS cached pages through a private mapping:
 * fault, copy the cache's frame, map the copy, resume. */
static int bench_fault_private(int fd)
{
	volatile uint8_t *p = mmap(NULL, BIG_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return mbench_fail("mmap big1 private");
	for (unsigned i = 0; i < BENCH_RUNS; i++) {
		struct bench_span s;
		bench_span_start(&s);
		p[(size_t)i * 4 * PG + 100] = 0xee;
		bench_span_end(&s, &samples[i], &idle[i]);
	}
	for (unsigned i = 0; i < BENCH_RUNS; i++)
		if (word_at(p + (size_t)i * 4 * PG) != page_id(1, 4 * i) ||
		    p[(size_t)i * 4 * PG + 100] != 0xee)
			return mbench_fail("private mapping contents");
	bench_report("mmap_fault_private_write", samples, BENCH_RUNS);
	bench_report("mmap_fault_private_write_idle", idle, BENCH_RUNS);
	/* Parts: a first load maps the cache's frame read-only; a store
	 * after it copies the frame (a fault of its own). */
	for (unsigned i = 0; i < BENCH_RUNS; i++) {
		struct bench_span s;
		volatile uint8_t *pg = p + (size_t)(i * 4 + 2) * PG;
		bench_span_start(&s);
		(void)*pg;
		bench_span_end(&s, &samples[i], &idle[i]);
		bench_span_start(&s);
		pg[100] = 0xee;
		bench_span_end(&s, &idle[i], &idle[BENCH_RUNS - 1 - i]);
		if (word_at(pg) != page_id(1, i * 4 + 2))
			return mbench_fail("private mapping contents (parts)");
	}
	bench_report("part_private_fault_read", samples, BENCH_RUNS);
	bench_report("part_private_write_after_read", idle, BENCH_RUNS);
	munmap((void *)p, BIG_SIZE);
	if (pread(fd, buf, 128, 0) != 128 || buf[100] == 0xee)
		return mbench_fail("a private store reached the file");
	return 0;
}

/* mmap + munmap of 1 MiB never touched: of a file (shared) and anonymous. */
static int bench_map_unmap(int fd)
{
	for (int anon = 0; anon < 2; anon++) {
		for (unsigned i = 0; i < BENCH_RUNS; i++) {
			struct bench_span s;
			bench_span_start(&s);
			void *p = anon ? mmap(NULL, 1u << 20, PROT_READ | PROT_WRITE,
					      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
				       : mmap(NULL, 1u << 20, PROT_READ, MAP_SHARED, fd, 0);
			int r = p == MAP_FAILED ? -1 : munmap(p, 1u << 20);
			bench_span_end(&s, &samples[i], &idle[i]);
			if (r)
				return mbench_fail("mmap + munmap 1 MiB");
		}
		bench_report(anon ? "part_mmap_munmap_1m_anon" : "mmap_munmap_1m_file", samples,
			     BENCH_RUNS);
	}
	/* Parts: the file mapping's mmap and munmap timed apart. */
	for (unsigned i = 0; i < BENCH_RUNS; i++) {
		struct bench_span s;
		uint64_t id;
		bench_span_start(&s);
		void *p = mmap(NULL, 1u << 20, PROT_READ, MAP_SHARED, fd, 0);
		bench_span_end(&s, &samples[i], &id);
		bench_span_start(&s);
		int r = p == MAP_FAILED ? -1 : munmap(p, 1u << 20);
		bench_span_end(&s, &idle[i], &id);
		if (r)
			return mbench_fail("mmap + munmap 1 MiB (parts)");
	}
	bench_report("part_mmap_1m_file", samples, BENCH_RUNS);
	bench_report("part_munmap_1m_file_untouched", idle, BENCH_RUNS);
	return 0;
}

/* msync of one mapping, SYNC_RUNS times: the median of its instructions. */
static int msync_parts(const char *name, void *p, size_t len, int flags)
{
	for (unsigned r = 0; r < SYNC_RUNS; r++) {
		struct bench_span s;
		bench_span_start(&s);
		int e = msync(p, len, flags);
		bench_span_end(&s, &samples[r], &idle[r]);
		if (e)
			return mbench_fail(name);
	}
	bench_report(name, samples, SYNC_RUNS);
	return 0;
}

/* Where msync's instructions go: the call on anonymous memory, a 16 MiB
 * file mapping never touched (the harvest finds nothing mapped), one page
 * of a file with 4096 pages cached (the file's writeback scan). */
static int bench_msync_parts(int fd)
{
	void *a = mmap(NULL, BIG_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *u = mmap(NULL, BIG_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	volatile uint8_t *one = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	if (a == MAP_FAILED || u == MAP_FAILED || one == MAP_FAILED)
		return mbench_fail("msync parts mmap");
	(void)*one;
	if (msync_parts("part_msync_16m_anon", a, BIG_SIZE, MS_SYNC) ||
	    msync_parts("part_msync_16m_file_untouched", u, BIG_SIZE, MS_SYNC) ||
	    msync_parts("part_msync_1page_of_cached_16m_file", (void *)one, PG, MS_SYNC))
		return 1;
	munmap(a, BIG_SIZE), munmap(u, BIG_SIZE), munmap((void *)one, PG);
	return 0;
}

/* msync(MS_SYNC) of a 16 MiB shared mapping, every page mapped, 1% of them
 * (41) stored to before each round: instructions per dirty page. Then the
 * same with nothing dirty: instructions in all (the A/D harvest alone). */
static int bench_msync(int fd)
{
	volatile uint8_t *p = mmap(NULL, BIG_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return mbench_fail("mmap big2 shared");
	for (unsigned k = 0; k < BIG_PAGES; k++)
		if (word_at(p + (size_t)k * PG) != page_id(2, k)) /* maps every page */
			return mbench_fail("big2 contents");
	uint64_t dirty_idle[SYNC_RUNS];
	for (unsigned r = 0; r < SYNC_RUNS; r++) {
		for (unsigned k = 0; k < BIG_PAGES; k += SYNC_STRIDE)
			p[(size_t)k * PG + 16] = (uint8_t)(r + 1);
		struct bench_span s;
		bench_span_start(&s);
		int e = msync((void *)p, BIG_SIZE, MS_SYNC);
		bench_span_end(&s, &samples[r], &dirty_idle[r]);
		samples[r] /= SYNC_DIRTY;
		if (e)
			return mbench_fail("msync with 1% dirty");
	}
	bench_report("msync_16m_1pct_per_dirty_page", samples, SYNC_RUNS);
	bench_report("msync_16m_1pct_idle", dirty_idle, SYNC_RUNS);
	for (unsigned r = 0; r < SYNC_RUNS; r++) {
		struct bench_span s;
		bench_span_start(&s);
		int e = msync((void *)p, BIG_SIZE, MS_SYNC);
		bench_span_end(&s, &samples[r], &idle[r]);
		if (e)
			return mbench_fail("msync with nothing dirty");
	}
	bench_report("msync_16m_clean", samples, SYNC_RUNS);
	/* Part: MS_ASYNC with 1% dirty (no wait), drained by an untimed MS_SYNC. */
	for (unsigned r = 0; r < SYNC_RUNS; r++) {
		for (unsigned k = 0; k < BIG_PAGES; k += SYNC_STRIDE)
			p[(size_t)k * PG + 16] = (uint8_t)(SYNC_RUNS + r + 1);
		struct bench_span s;
		bench_span_start(&s);
		int e = msync((void *)p, BIG_SIZE, MS_ASYNC);
		bench_span_end(&s, &samples[r], &idle[r]);
		samples[r] /= SYNC_DIRTY;
		if (e || msync((void *)p, BIG_SIZE, MS_SYNC))
			return mbench_fail("msync MS_ASYNC with 1% dirty");
	}
	bench_report("part_msync_16m_1pct_async_per_dirty_page", samples, SYNC_RUNS);
	munmap((void *)p, BIG_SIZE);
	for (unsigned k = 0; k < BIG_PAGES; k += SYNC_STRIDE)
		if (pread(fd, buf, 24, (off_t)k * PG) != 24 || buf[16] != 2 * SYNC_RUNS ||
		    word_at(buf) != page_id(2, k))
			return mbench_fail("msync'd contents read back");
	return 0;
}

int main(void)
{
	memset(buf, 0, sizeof buf); /* every page of buf mapped before timing */
	int f0 = open_cached(0, O_RDONLY), f1 = open_cached(1, O_RDONLY);
	int f2 = open_cached(2, O_RDWR);
	if (f0 < 0 || f1 < 0 || f2 < 0)
		return mbench_fail("reading /bench/big0..2 into the cache");
	if (bench_fault_shared(f0) || bench_fault_private(f1) || bench_map_unmap(f0) ||
	    bench_msync(f2) || bench_msync_parts(f0))
		return 1;
	close(f0), close(f1), close(f2);
	return 0;
}
