/*
 * dbench.c - storage benchmarks under the root pager on the disk (root=pager
 * init=dbench bench, booted by tools/bench on a fresh copy of its bench
 * image, whose /bench holds the files made for it). Each figure is the
 * median of its samples of guest instructions minus the instret the kernel
 * spent idle in WFI meanwhile (sys_idle_instret): under -icount instret
 * jumps while every hart waits for the disk, so that part is a _idle figure
 * of its own. Data read is checked after the timed part.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "libsys.h"

#define PG 4096
#define COLD_FILES 101 /* /bench/c000 .. c100, 4 KiB each, never read before */
#define BIG_FILES 3    /* /bench/big0 .. big2, 16 MiB each */
#define BIG_SIZE (16u << 20)
#define BIG_CHUNK (64u << 10) /* bytes per read() of the sequential figure */
#define CREATE_RUNS 201
#define FORK_RUNS 101

static uint64_t samples[BENCH_RUNS], idle[BENCH_RUNS], sbig[2][BENCH_RUNS];
static uint8_t buf[BIG_CHUNK] __attribute__((aligned(PG)));

static int dbench_fail(const char *what)
{
	printf("dbench: %s failed\n", what);
	return 1;
}

/* The byte tools/bench put at offset off of cold file i (never 0, so
 * mke2fs -d makes no holes). */
static uint8_t cold_byte(unsigned i, unsigned off) { return (uint8_t)(1 + (i * 7 + off) % 251); }

static bool cold_ok(unsigned i)
{
	for (unsigned off = 0; off < PG; off++)
		if (buf[off] != cold_byte(i, off))
			return false;
	return true;
}

static int bench_cached_read(void)
{
	int fd = open("/bench/c000", O_RDONLY);
	if (fd < 0 || pread(fd, buf, PG, 0) != PG || !cold_ok(0)) /* now cached */
		return dbench_fail("cached read setup");
	for (int i = 0; i < BENCH_RUNS; i++) {
		uint64_t t0 = rdinstret();
		long r = pread(fd, buf, PG, 0);
		samples[i] = rdinstret() - t0;
		if (r != PG)
			return dbench_fail("cached pread");
	}
	close(fd);
	bench_report("file_read_4k_cached", samples, BENCH_RUNS);
	return 0;
}

static int bench_cached_write(void)
{
	int fd = open("/tmp/dbench.w", O_RDWR | O_CREAT | O_TRUNC, 0644);
	memset(buf, 'w', PG);
	if (fd < 0 || pwrite(fd, buf, PG, 0) != PG) /* page cached, blocks allocated */
		return dbench_fail("cached write setup");
	for (int i = 0; i < BENCH_RUNS; i++) {
		uint64_t t0 = rdinstret();
		long r = pwrite(fd, buf, PG, 0);
		samples[i] = rdinstret() - t0;
		if (r != PG)
			return dbench_fail("cached pwrite");
	}
	close(fd);
	if (unlink("/tmp/dbench.w"))
		return dbench_fail("unlink /tmp/dbench.w");
	bench_report("file_write_4k_cached", samples, BENCH_RUNS);
	return 0;
}

/* Files 1.. were never read: open (inode and directory now cached), then
 * time the read of their one data page from the disk. */
static int bench_cold_read(void)
{
	unsigned n = 0;
	for (unsigned i = 1; i < COLD_FILES; i++, n++) {
		char path[32];
		snprintf(path, sizeof path, "/bench/c%03u", i);
		int fd = open(path, O_RDONLY);
		if (fd < 0)
			return dbench_fail(path);
		struct bench_span s;
		bench_span_start(&s);
		long r = pread(fd, buf, PG, 0);
		bench_span_end(&s, &samples[n], &idle[n]);
		close(fd);
		if (r != PG || !cold_ok(i))
			return dbench_fail("cold pread");
	}
	bench_report("file_read_4k_cold", samples, n);
	bench_report("file_read_4k_cold_idle", idle, n);
	return 0;
}

static int bench_create(void)
{
	memset(buf, 'c', PG);
	for (int i = 0; i < CREATE_RUNS; i++) {
		struct bench_span s;
		bench_span_start(&s);
		int fd = open("/tmp/dbench.c", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		long r = fd < 0 ? -1 : write(fd, buf, PG);
		int c = fd < 0 ? -1 : close(fd);
		int u = unlink("/tmp/dbench.c");
		bench_span_end(&s, &samples[i], &idle[i]);
		if (r != PG || c || u)
			return dbench_fail("create/write/close/unlink");
	}
	bench_report("create_write_4k_unlink", samples, CREATE_RUNS);
	bench_report("create_write_4k_unlink_idle", idle, CREATE_RUNS);
	return 0;
}

/* echo writes into a pipe drained between runs, outside the timing. */
static int bench_fork_exec(void)
{
	char *argv[] = {"echo", "dbench", NULL};
	int p[2];
	if (pipe(p))
		return dbench_fail("pipe");
	for (int i = -1; i < FORK_RUNS; i++) { /* run -1 brings echo into the cache */
		struct bench_span s;
		uint64_t busy, idled;
		int status = -1;
		bench_span_start(&s);
		pid_t pid = fork();
		if (pid == 0) {
			dup2(p[1], 1);
			close(p[0]);
			close(p[1]);
			execv("/bin/echo", argv);
			_exit(127);
		}
		pid_t w = waitpid(pid, &status, 0);
		bench_span_end(&s, &busy, &idled);
		if (pid < 0 || w != pid || !WIFEXITED(status) || WEXITSTATUS(status) ||
		    read(p[0], buf, PG) != 7 || memcmp(buf, "dbench\n", 7))
			return dbench_fail("fork + exec /bin/echo");
		if (i >= 0) {
			samples[i] = busy;
			idle[i] = idled;
		}
	}
	close(p[0]);
	close(p[1]);
	bench_report("fork_exec_echo_disk", samples, FORK_RUNS);
	bench_report("fork_exec_echo_disk_idle", idle, FORK_RUNS);
	return 0;
}

/* Page k of big file f starts with the 8 bytes f * 4096 + k (tools/bench). */
static bool big_ok(unsigned f, uint64_t off, long n)
{
	for (long o = 0; o < n; o += PG) {
		uint64_t want = f * 4096ull + (off + (uint64_t)o) / PG, got;
		memcpy(&got, buf + o, sizeof got);
		if (got != want)
			return false;
	}
	return true;
}

/* One cold 16 MiB file read front to back in BIG_CHUNK reads; only the
 * read calls are timed. Per KiB. */
static int bench_big_one(unsigned f, uint64_t *busy, uint64_t *idled)
{
	char path[32];
	snprintf(path, sizeof path, "/bench/big%u", f);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return dbench_fail(path);
	uint64_t off = 0, b = 0, id = 0;
	for (;;) {
		struct bench_span s;
		uint64_t db, di;
		bench_span_start(&s);
		long n = read(fd, buf, BIG_CHUNK);
		bench_span_end(&s, &db, &di);
		b += db;
		id += di;
		if (n <= 0)
			break;
		if (!big_ok(f, off, n))
			return dbench_fail("big file contents");
		off += (uint64_t)n;
	}
	close(fd);
	if (off != BIG_SIZE)
		return dbench_fail("big file size");
	*busy = b / (BIG_SIZE >> 10);
	*idled = id / (BIG_SIZE >> 10);
	return 0;
}

static int bench_big(void)
{
	for (unsigned f = 0; f < BIG_FILES; f++)
		if (bench_big_one(f, &samples[f], &idle[f]))
			return 1;
	bench_report("seq_read_16m_cold_per_kib", samples, BIG_FILES);
	bench_report("seq_read_16m_cold_per_kib_idle", idle, BIG_FILES);
	return 0;
}

/* For comparison: the cheapest pager call. */
static void bench_getpid(void)
{
	for (int i = 0; i < BENCH_RUNS; i++) {
		uint64_t t0 = rdinstret();
		getpid();
		samples[i] = rdinstret() - t0;
	}
	bench_report("pager_getpid", samples, BENCH_RUNS);
}

/* ---- parts: where the figures above go (docs/perf.md) ------------------- */

#define PART(name, setup, call, check)                                      \
	do {                                                                \
		for (int i_ = 0; i_ < CREATE_RUNS; i_++) {                  \
			setup;                                              \
			struct bench_span s_;                               \
			bench_span_start(&s_);                              \
			long r_ = (long)(call);                             \
			bench_span_end(&s_, &samples[i_], &idle[i_]);       \
			if (!(check))                                       \
				return dbench_fail(name);                   \
		}                                                           \
		bench_report(name, samples, CREATE_RUNS);                   \
	} while (0)

static int bench_parts(void)
{
	struct stat st;
	int fd = open("/bench/c000", O_RDONLY);
	if (fd < 0)
		return dbench_fail("open /bench/c000");
	PART("part_pread_1b_cached", (void)0, pread(fd, buf, 1, 0), r_ == 1);
	PART("part_fstat", (void)0, fstat(fd, &st), r_ == 0);
	close(fd);
	memset(buf, 'p', PG);
	/* The four steps of create_write_4k_unlink, each timed alone. */
	for (int i = 0; i < CREATE_RUNS; i++) {
		uint64_t part[4][2];
		struct bench_span s;
		bench_span_start(&s);
		fd = open("/tmp/dbench.p", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		bench_span_end(&s, &part[0][0], &part[0][1]);
		bench_span_start(&s);
		long r = write(fd, buf, PG);
		bench_span_end(&s, &part[1][0], &part[1][1]);
		bench_span_start(&s);
		int c = close(fd);
		bench_span_end(&s, &part[2][0], &part[2][1]);
		bench_span_start(&s);
		int u = unlink("/tmp/dbench.p");
		bench_span_end(&s, &part[3][0], &part[3][1]);
		if (fd < 0 || r != PG || c || u)
			return dbench_fail("create parts");
		samples[i] = part[0][0];
		idle[i] = part[1][0];
		sbig[0][i] = part[2][0];
		sbig[1][i] = part[3][0];
	}
	bench_report("part_open_creat", samples, CREATE_RUNS);
	bench_report("part_write_4k_new_file", idle, CREATE_RUNS);
	bench_report("part_close", sbig[0], CREATE_RUNS);
	bench_report("part_unlink", sbig[1], CREATE_RUNS);
	return 0;
}

/* unlink again once 48 MiB of file pages are cached (its cost follows the
 * cache's size). */
static int bench_unlink_big_cache(void)
{
	for (int i = 0; i < CREATE_RUNS; i++) {
		int fd = open("/tmp/dbench.u", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, buf, PG) != PG || close(fd))
			return dbench_fail("unlink setup");
		struct bench_span s;
		bench_span_start(&s);
		int u = unlink("/tmp/dbench.u");
		bench_span_end(&s, &samples[i], &idle[i]);
		if (u)
			return dbench_fail("unlink");
	}
	bench_report("part_unlink_48m_cached", samples, CREATE_RUNS);
	return 0;
}

/* The last big file again, now cached: the file server's and the copy's
 * share of the cold sequential figure. */
static int bench_big_cached(void)
{
	int fd = open("/bench/big2", O_RDONLY);
	uint64_t total = 0, got = 0;
	long n;
	if (fd < 0)
		return dbench_fail("open /bench/big2");
	do {
		struct bench_span s;
		uint64_t b, id;
		bench_span_start(&s);
		n = read(fd, buf, BIG_CHUNK);
		bench_span_end(&s, &b, &id);
		total += b;
		got += n > 0 ? (uint64_t)n : 0;
	} while (n > 0);
	close(fd);
	if (got != BIG_SIZE)
		return dbench_fail("cached big read");
	samples[0] = total / (BIG_SIZE >> 10);
	bench_report("part_seq_read_16m_cached_per_kib", samples, 1);
	return 0;
}

int main(void)
{
	memset(buf, 0, sizeof buf); /* every page of buf mapped before timing */
	bench_getpid();
	if (bench_cached_read() || bench_cached_write() || bench_cold_read() || bench_create() ||
	    bench_parts() || bench_fork_exec() || bench_big() || bench_big_cached() ||
	    bench_unlink_big_cache())
		return 1;
	return 0;
}
