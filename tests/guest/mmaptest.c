/*
 * mmaptest.c - the memory-mapping suite (root=pager init=mmaptest): mmap,
 * munmap, mprotect, msync and madvise of libsys (posix_mman.c) against the
 * pager's mappings on the page cache and the ext2 disk, in a fresh
 * /tmp/mmaptest. The classic mmap lab test, then sharing across processes,
 * MAP_FIXED, splits, SIGSEGV/SIGBUS kills, anonymous shared memory,
 * madvise, msync writeback, unlink, the CVE-2020-29374 rule for private
 * file pages and the bad-argument matrix; at the end every frame and fd is
 * back. Each section makes a fixed number of checks (mt_section_end pads a
 * section cut short), so the plan holds whatever fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libsys.h"

#define PG 4096L
#define DIR_TEST "/tmp/mmaptest"
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static int mt_n; /* checks made so far: sections are padded to their count */

#define CHECK(cond, ...) (mt_n++, tap_check((cond), __VA_ARGS__))
#define CHECK_EQ(got, want, name) (mt_n++, tap_eq((got), (want), (name)))

#define FSU_CHECK CHECK /* fsutil.h's checks (EXPECT_ERR, ...) count too */
#include "fsutil.h"

/* Run body in a forked child that then exits 0; its wait status. */
#define CHILD(...)                                                                     \
	({                                                                             \
		pid_t pid_ = fork();                                                   \
		if (pid_ == 0) {                                                       \
			__VA_ARGS__;                                                   \
			_exit(0);                                                      \
		}                                                                      \
		fsu_wait(pid_);                                                        \
	})

/* ---- helpers ----------------------------------------------------------- */

static bool mt_killed(int st, int sig) { return st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == sig; }

static bool mt_exited0(int st) { return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0; }

/* A section of want checks: pad with failures if it stopped early. */
static int mt_section_begin(void) { return mt_n; }

static void mt_section_end(int start, int want, const char *name)
{
	if (mt_n - start > want)
		tap_check(0, "%s made %d checks, not %d: fix the plan", name, mt_n - start, want);
	while (mt_n - start < want)
		CHECK(0, "%s: skipped (its set-up failed)", name);
}

static bool mt_mapped(const void *p) { return p != MAP_FAILED; }

/* Clean-up: unmap p unless its mmap failed. */
static void mt_unmap(void *p, long len)
{
	if (mt_mapped(p))
		munmap(p, (size_t)len);
}

/* Byte i of the test file made with seed (never 0, so a zero is a hole). */
static char mt_pat(int seed, long i) { return (char)('A' + (seed * 7 + i) % 26); }

static bool mt_is_pat(const volatile char *p, int seed, long from, long len)
{
	for (long i = 0; i < len; i++)
		if (p[i] != mt_pat(seed, from + i))
			return false;
	return true;
}

static bool mt_is_byte(const volatile char *p, char c, long len)
{
	for (long i = 0; i < len; i++)
		if (p[i] != c)
			return false;
	return true;
}

static char mt_buf[4 * PG];

/* name := len bytes of pattern seed. */
static int mt_make(const char *name, int seed, long len)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	bool ok = true;
	for (long off = 0; ok && off < len; off += (long)sizeof mt_buf) {
		long n = len - off < (long)sizeof mt_buf ? len - off : (long)sizeof mt_buf;
		for (long i = 0; i < n; i++)
			mt_buf[i] = mt_pat(seed, off + i);
		ok = write(fd, mt_buf, (size_t)n) == n;
	}
	return close(fd) == 0 && ok ? 0 : -1;
}

/* The whole file (at most sizeof mt_buf) into mt_buf: its length, or -1. */
static long mt_slurp(const char *name)
{
	int fd = open(name, O_RDONLY);
	if (fd < 0)
		return -1;
	long got = 0, n;
	while (got < (long)sizeof mt_buf &&
	       (n = read(fd, mt_buf + got, sizeof mt_buf - (size_t)got)) > 0)
		got += n;
	close(fd);
	return got;
}

static long mt_free_frames(void)
{
	struct msg m;
	pager_cache_drop(); /* clean cached pages are only kept, not lost */
	return pager_stats(&m) < 0 ? -1 : (long)m.w[0];
}

static long mt_resident(void)
{
	struct msg m;
	return pager_stats(&m) < 0 ? -1 : (long)m.w[3];
}

static void mt_load(const volatile char *p) { (void)*p; }

static void mt_store(volatile char *p) { *p = 'k'; }

/* An address no mapping uses now (for MAP_FIXED and pager_lend). */
static char *mt_free_va(long len)
{
	char *p = mmap(NULL, (size_t)len, PROT_NONE, ANON, -1, 0);
	if (!mt_mapped(p))
		return NULL;
	munmap(p, (size_t)len);
	return p;
}

/* ---- the classic mmap lab test --------------------------------------- */

#define LAB_SIZE (PG + PG / 2) /* the last page is half file, half zeros */

/* A read-only private mapping shows the file, zeros past its end; a
 * private writable one never changes the file (6 checks). */
static void test_lab_private(void)
{
	int s = mt_section_begin();
	int fd = open("lab", O_RDONLY);
	char *p = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(fd >= 0 && mt_mapped(p) && ((uintptr_t)p & (PG - 1)) == 0,
	      "mmap 2 pages PROT_READ MAP_PRIVATE of a 1.5-page file (%p)", (void *)p);
	if (!mt_mapped(p))
		goto out;
	CHECK(mt_is_pat(p, 1, 0, LAB_SIZE) && mt_is_byte(p + LAB_SIZE, 0, 2 * PG - LAB_SIZE),
	      "it shows the file's bytes, then zeros to the end of the page");
	CHECK_EQ(munmap(p, 2 * PG), 0, "munmap it");
	/* Allowed: private writes never reach the file, whatever the fd's mode. */
	p = mmap(NULL, 2 * PG, RW, MAP_PRIVATE, fd, 0);
	CHECK(mt_mapped(p), "PROT_READ|PROT_WRITE MAP_PRIVATE of an O_RDONLY fd is allowed");
	if (!mt_mapped(p))
		goto out;
	memset(p, 'Z', 2 * PG);
	CHECK(mt_is_byte(p, 'Z', 2 * PG) && munmap(p, 2 * PG) == 0,
	      "stores to both private pages hold, munmap");
	CHECK(mt_slurp("lab") == LAB_SIZE && mt_is_pat(mt_buf, 1, 0, LAB_SIZE),
	      "the file is unchanged after private writes");
out:
	close(fd);
	mt_section_end(s, 6, "lab private");
}

/* MAP_SHARED: refused for writing on an O_RDONLY fd, survives close(fd),
 * writes back without changing the file's length (9 checks). */
static void test_lab_shared(void)
{
	int s = mt_section_begin();
	int fd = open("lab", O_RDONLY);
	EXPECT_ERR(mmap(NULL, 2 * PG, RW, MAP_SHARED, fd, 0), EACCES,
		   "MAP_SHARED|PROT_WRITE of an O_RDONLY fd");
	close(fd);
	fd = open("lab", O_RDWR);
	char *p = mmap(NULL, 2 * PG, RW, MAP_SHARED, fd, 0);
	CHECK(mt_mapped(p) && close(fd) == 0, "MAP_SHARED|PROT_WRITE of an O_RDWR fd, then close(fd)");
	if (!mt_mapped(p))
		goto out;
	CHECK(mt_is_pat(p, 1, 0, LAB_SIZE) && mt_is_byte(p + LAB_SIZE, 0, 2 * PG - LAB_SIZE),
	      "after close the mapping shows the file and zeros past its end");
	memset(p, 'W', 2 * PG); /* past the end too: those bytes are never written back */
	CHECK_EQ(munmap(p, 2 * PG), 0, "munmap after writing both pages");
	CHECK_EQ(fsu_file_size("lab"), LAB_SIZE, "the file's length did not change");
	CHECK(mt_slurp("lab") == LAB_SIZE && mt_is_byte(mt_buf, 'W', LAB_SIZE),
	      "read() shows the stores, and nothing past the old end");
	/* Extending the file must not bring back what the mapping stored
	 * past the old end: the new bytes read as zeros (POSIX ftruncate). */
	fd = open("lab", O_RDWR);
	CHECK(ftruncate(fd, 2 * PG) == 0 && pread(fd, mt_buf, 2 * PG, 0) == 2 * PG &&
		      mt_is_byte(mt_buf, 'W', LAB_SIZE) &&
		      mt_is_byte(mt_buf + LAB_SIZE, 0, 2 * PG - LAB_SIZE),
	      "ftruncate to 2 pages: the bytes stored past the old end read as zeros");
	/* Mapping at an offset: page 1 of the file. */
	p = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, PG);
	CHECK(mt_mapped(p) && mt_is_byte(p, 'W', PG / 2) && mt_is_byte(p + PG / 2, 0, PG / 2),
	      "mmap at offset 4096 shows the file's second page");
	CHECK(mt_mapped(p) && munmap(p, PG) == 0 && ftruncate(fd, LAB_SIZE) == 0 &&
		      mt_make("lab", 1, LAB_SIZE) == 0,
	      "munmap; the file restored");
out:
	close(fd);
	mt_section_end(s, 9, "lab shared");
}

/* munmap of pages never touched costs nothing; mmap itself reads nothing
 * (5 checks). */
static void test_lab_untouched(void)
{
	int s = mt_section_begin();
	int fd = open("big", O_RDONLY);
	for (int warm = 0; warm < 2; warm++) { /* round 0: the pager's heap grows */
		long before = mt_free_frames(), res = mt_resident();
		char *f = mmap(NULL, 64 * PG, PROT_READ, MAP_SHARED, fd, 0);
		char *a = mmap(NULL, 256 * PG, RW, ANON, -1, 0);
		long mapped = mt_free_frames(), res_mapped = mt_resident();
		int uf = mt_mapped(f) ? munmap(f, 64 * PG) : -1;
		int ua = mt_mapped(a) ? munmap(a, 256 * PG) : -1;
		long after = mt_free_frames();
		if (!warm)
			continue;
		CHECK(mt_mapped(f) && mt_mapped(a), "mmap 64 file pages (shared) and 1 MiB anonymous");
		CHECK(mapped == before && res_mapped == res,
		      "mmap took no frame (free %ld -> %ld, resident %ld -> %ld)", before, mapped,
		      res, res_mapped);
		CHECK_EQ(uf, 0, "munmap of the untouched file mapping");
		CHECK_EQ(ua, 0, "munmap of the untouched anonymous mapping");
		CHECK_EQ(after, before, "free frames after munmap == before mmap");
	}
	close(fd);
	mt_section_end(s, 5, "untouched munmap");
}

/* write() is seen through a shared and a private mapping (the private one
 * only in pages it has not written); a store is seen by read() (6 checks). */
static void test_lab_write_visible(void)
{
	int s = mt_section_begin();
	int fd = open("two", O_RDWR);
	char *sh = mmap(NULL, 2 * PG, RW, MAP_SHARED, fd, 0);
	char *pv = mmap(NULL, 2 * PG, RW, MAP_PRIVATE, fd, 0);
	CHECK(fd >= 0 && mt_mapped(sh) && mt_mapped(pv), "a shared and a private mapping of one file");
	if (!mt_mapped(sh) || !mt_mapped(pv))
		goto out;
	mt_load(sh);
	mt_load(pv);  /* page 0 of both mapped now */
	pv[PG] = '*'; /* page 1 of the private mapping: its own copy */
	CHECK(pwrite(fd, "NEW", 3, 0) == 3 && pwrite(fd, "XYZ", 3, PG + 100) == 3,
	      "pwrite at 0 and at 4196");
	CHECK(!memcmp(sh, "NEW", 3) && !memcmp(sh + PG + 100, "XYZ", 3),
	      "the shared mapping sees both writes at once");
	CHECK(!memcmp(pv, "NEW", 3), "the private mapping sees the write to a page it never wrote");
	CHECK(pv[PG] == '*' && mt_is_pat(pv + PG + 100, 2, PG + 100, 3),
	      "but not the write to the page it wrote (its own copy)");
	sh[10] = 'Q';
	CHECK(pread(fd, mt_buf, 1, 10) == 1 && mt_buf[0] == 'Q' && pv[10] == 'Q',
	      "a store through the shared mapping is seen by read() and the private mapping");
out:
	mt_unmap(sh, 2 * PG);
	mt_unmap(pv, 2 * PG);
	close(fd);
	mt_make("two", 2, 2 * PG);
	mt_section_end(s, 6, "write visible");
}

/* Two files mapped at once, each written through its mapping (3 checks). */
static void test_lab_two_files(void)
{
	int s = mt_section_begin();
	int f1 = open("lab", O_RDWR), f2 = open("two", O_RDWR);
	char *p1 = mmap(NULL, PG, RW, MAP_SHARED, f1, 0);
	char *p2 = mmap(NULL, 2 * PG, RW, MAP_SHARED, f2, 0);
	close(f1);
	close(f2);
	CHECK(mt_mapped(p1) && mt_mapped(p2) && p1 != p2, "two files mapped at once");
	if (!mt_mapped(p1) || !mt_mapped(p2))
		goto out;
	CHECK(mt_is_pat(p1, 1, 0, PG) && mt_is_pat(p2, 2, 0, 2 * PG), "each shows its own file");
	memcpy(p1 + 5, "one", 3);
	memcpy(p2 + PG + 5, "two", 3);
	munmap(p1, PG);
	munmap(p2, 2 * PG);
	p1 = p2 = MAP_FAILED;
	bool ok1 = mt_slurp("lab") == LAB_SIZE && !memcmp(mt_buf + 5, "one", 3) &&
		   mt_is_pat(mt_buf + 8, 1, 8, LAB_SIZE - 8);
	bool ok2 = mt_slurp("two") == 2 * PG && !memcmp(mt_buf + PG + 5, "two", 3) &&
		   mt_is_pat(mt_buf, 2, 0, PG + 5);
	CHECK(ok1 && ok2, "after munmap each file holds its own store and nothing else");
out:
	mt_unmap(p1, PG);
	mt_unmap(p2, 2 * PG);
	mt_make("lab", 1, LAB_SIZE);
	mt_make("two", 2, 2 * PG);
	mt_section_end(s, 3, "two files");
}

/* fork keeps a shared mapping shared and makes a private one COW; exit
 * writes back; an access after munmap kills with SIGSEGV (6 checks). */
static void test_lab_fork(void)
{
	int s = mt_section_begin();
	int fd = open("two", O_RDWR);
	char *sh = mmap(NULL, 2 * PG, RW, MAP_SHARED, fd, 0);
	char *pv = mmap(NULL, 2 * PG, RW, MAP_PRIVATE, fd, 0);
	CHECK(mt_mapped(sh) && mt_mapped(pv), "a shared and a private mapping before fork");
	if (!mt_mapped(sh) || !mt_mapped(pv))
		goto out;
	pv[0] = 'p'; /* the parent's private copy of page 0 */
	mt_load(sh);
	int st = CHILD({
		if (pv[0] != 'p' || sh[PG] != mt_pat(2, PG))
			_exit(1);
		pv[0] = 'c';
		pv[PG] = 'c';
		sh[0] = 'c';
		sh[PG + 1] = 'c'; /* a page the parent never touched */
	});
	CHECK(mt_exited0(st), "the child saw the parent's private store and stored (%#x)", st);
	CHECK(sh[0] == 'c' && sh[PG + 1] == 'c', "the parent sees the child's shared stores");
	CHECK(pv[0] == 'p' && pv[PG] == mt_pat(2, PG), "the child's private stores stayed its own");
	CHECK(pread(fd, mt_buf, 2, PG) == 2 && mt_buf[1] == 'c' && mt_buf[0] == mt_pat(2, PG),
	      "the child's shared store reached the file, its private one did not");
	munmap(sh, 2 * PG);
	st = CHILD(mt_load(sh));
	CHECK(mt_killed(st, SIGSEGV), "a load after munmap kills the child with SIGSEGV (%#x)", st);
	sh = MAP_FAILED;
out:
	mt_unmap(sh, 2 * PG);
	mt_unmap(pv, 2 * PG);
	close(fd);
	mt_make("two", 2, 2 * PG);
	mt_section_end(s, 6, "fork");
}

/* A child's stores to a shared mapping it made itself reach the file when
 * it exits or execs without munmap (2 checks). */
static void test_exit_writeback(void)
{
	int s = mt_section_begin();
	int st = CHILD({
		int fd = open("two", O_RDWR);
		char *p = mmap(NULL, PG, RW, MAP_SHARED, fd, 0);
		if (!mt_mapped(p))
			_exit(1);
		memcpy(p + 20, "exit", 4);
	});
	CHECK(mt_exited0(st) && mt_slurp("two") == 2 * PG && !memcmp(mt_buf + 20, "exit", 4) &&
		      mt_is_pat(mt_buf + 24, 2, 24, PG),
	      "exit writes back the stores of a mapping never unmapped (%#x)", st);
	mt_make("two", 2, 2 * PG);
	st = CHILD({
		int fd = open("two", O_RDWR);
		char *p = mmap(NULL, PG, RW, MAP_SHARED, fd, 0);
		char *argv[] = {"sync", NULL};
		if (!mt_mapped(p))
			_exit(1);
		memcpy(p + 40, "exec", 4);
		execv("/bin/sync", argv); /* prints nothing, exits 0 */
		_exit(2);
	});
	CHECK(mt_exited0(st) && mt_slurp("two") == 2 * PG && !memcmp(mt_buf + 40, "exec", 4) &&
		      mt_is_pat(mt_buf + 44, 2, 44, PG),
	      "exec writes back the stores of the old image's mapping (%#x)", st);
	mt_make("two", 2, 2 * PG);
	mt_section_end(s, 2, "exit writeback");
}

/* ---- sharing, MAP_FIXED, splits ----------------------------------------- */

/* Two processes that each mapped the file themselves see each other's
 * stores at once, without msync or munmap (3 checks). */
static void test_share_at_once(void)
{
	int s = mt_section_begin();
	int to_child[2], to_parent[2];
	int fd = open("two", O_RDWR);
	volatile char *p = mmap(NULL, PG, RW, MAP_SHARED, fd, 0);
	CHECK(mt_mapped((void *)p) && pipe(to_child) == 0 && pipe(to_parent) == 0,
	      "the parent's mapping and two pipes");
	if (!mt_mapped((void *)p))
		goto out;
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		volatile char *q = mmap(NULL, PG, RW, MAP_SHARED, fd, 0); /* its own mapping */
		munmap((void *)p, PG); /* not the inherited one */
		if (!mt_mapped((void *)q))
			_exit(1);
		for (int i = 0; i < 20; i++) { /* ping-pong: each sees the other's value */
			if (read(to_child[0], &c, 1) != 1 || q[0] != (char)(2 * i))
				_exit(2);
			q[0] = (char)(2 * i + 1);
			write(to_parent[1], "c", 1);
		}
		_exit(0);
	}
	bool seen = true;
	for (int i = 0; i < 20 && seen; i++) {
		char c;
		p[0] = (char)(2 * i);
		write(to_child[1], "p", 1);
		seen = read(to_parent[0], &c, 1) == 1 && p[0] == (char)(2 * i + 1);
	}
	CHECK(seen, "20 rounds: each process saw the other's store at once");
	int st = fsu_wait(pid);
	CHECK(mt_exited0(st), "the child saw every store of the parent (%#x)", st);
	munmap((void *)p, PG);
	close(to_child[0]), close(to_child[1]), close(to_parent[0]), close(to_parent[1]);
out:
	close(fd);
	mt_make("two", 2, 2 * PG);
	mt_section_end(s, 3, "share at once");
}

/* MAP_FIXED replaces what was there, and only that (4 checks). */
static void test_map_fixed(void)
{
	int s = mt_section_begin();
	int fd = open("two", O_RDONLY);
	char *a = mmap(NULL, 4 * PG, RW, ANON, -1, 0);
	CHECK(mt_mapped(a), "4 anonymous pages");
	if (!mt_mapped(a))
		goto out;
	memset(a, 'a', 4 * PG);
	char *f = mmap(a + PG, 2 * PG, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
	CHECK(f == a + PG, "MAP_FIXED of 2 file pages over pages 1-2 returns that address");
	CHECK(f == a + PG && mt_is_pat(a + PG, 2, 0, 2 * PG) && mt_is_byte(a, 'a', PG) &&
		      mt_is_byte(a + 3 * PG, 'a', PG),
	      "pages 1-2 show the file, pages 0 and 3 keep their data");
	char *z = mmap(a, 4 * PG, RW, ANON | MAP_FIXED, -1, 0);
	CHECK(z == a && mt_is_byte(a, 0, 4 * PG), "MAP_FIXED anonymous over all four: zeros");
	munmap(a, 4 * PG);
out:
	close(fd);
	mt_section_end(s, 4, "MAP_FIXED");
}

/* Page i of an 8-page anonymous mapping holds i + 1. */
static char *mt_numbered(void)
{
	char *a = mmap(NULL, 8 * PG, RW, ANON, -1, 0);
	if (mt_mapped(a))
		for (int i = 0; i < 8; i++)
			memset(a + i * PG, i + 1, PG);
	return a;
}

/* Partial munmap: front, back, a hole, and across two mappings (10 checks). */
static void test_munmap_split(void)
{
	int s = mt_section_begin();
	char *a = mt_numbered();
	CHECK(mt_mapped(a), "8 numbered anonymous pages");
	if (!mt_mapped(a))
		goto out;
	CHECK(munmap(a, PG) == 0 && munmap(a + 7 * PG, PG) == 0 && munmap(a + 3 * PG, PG) == 0,
	      "munmap the front, the back and a hole in the middle");
	bool kept = true;
	for (int i = 1; i < 7; i++)
		kept &= i == 3 || mt_is_byte(a + i * PG, (char)(i + 1), PG);
	CHECK(kept, "pages 1, 2, 4, 5, 6 keep their data");
	int s0 = CHILD(mt_load(a)), s7 = CHILD(mt_load(a + 7 * PG)), s3 = CHILD(mt_load(a + 3 * PG));
	CHECK(mt_killed(s0, SIGSEGV) && mt_killed(s7, SIGSEGV) && mt_killed(s3, SIGSEGV),
	      "a load from each unmapped page kills with SIGSEGV (%#x %#x %#x)", s0, s7, s3);
	CHECK_EQ(munmap(a, 8 * PG), 0, "munmap over pieces and holes");
	CHECK_EQ(munmap(a, 8 * PG), 0, "munmap of nothing mapped is no error");
	/* Across two mappings: anonymous pages 0-3, file pages 4-7. */
	int fd = open("big", O_RDONLY);
	a = mt_numbered();
	char *f = mt_mapped(a) ? mmap(a + 4 * PG, 4 * PG, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0)
			       : MAP_FAILED;
	close(fd);
	CHECK(f == a + 4 * PG, "a file mapping right after an anonymous one");
	if (f != a + 4 * PG)
		goto out;
	CHECK_EQ(munmap(a + 2 * PG, 4 * PG), 0, "munmap pages 2-5, across both");
	CHECK(mt_is_byte(a, 1, PG) && mt_is_byte(a + PG, 2, PG) &&
		      mt_is_pat(a + 6 * PG, 3, 2 * PG, 2 * PG),
	      "pages 0-1 keep their data, 6-7 still show the file's pages 2-3");
	int s2 = CHILD(mt_load(a + 2 * PG)), s5 = CHILD(mt_load(a + 5 * PG));
	CHECK(mt_killed(s2, SIGSEGV) && mt_killed(s5, SIGSEGV),
	      "pages 2 and 5 are gone: SIGSEGV (%#x %#x)", s2, s5);
	munmap(a, 8 * PG);
out:
	mt_section_end(s, 10, "munmap split");
}

/* Partial mprotect: each part keeps or loses exactly its rights (8 checks). */
static void test_mprotect_split(void)
{
	int s = mt_section_begin();
	char *a = mt_numbered();
	CHECK(mt_mapped(a), "8 numbered anonymous pages");
	if (!mt_mapped(a))
		goto out;
	CHECK(mprotect(a + 2 * PG, 2 * PG, PROT_READ) == 0 && mprotect(a, PG, PROT_NONE) == 0 &&
		      mprotect(a + 7 * PG, PG, PROT_READ) == 0,
	      "mprotect pages 2-3 PROT_READ, 0 PROT_NONE, 7 PROT_READ");
	int w2 = CHILD(mt_store(a + 2 * PG)), w3 = CHILD(mt_store(a + 3 * PG + 9));
	int w7 = CHILD(mt_store(a + 7 * PG));
	CHECK(mt_killed(w2, SIGSEGV) && mt_killed(w3, SIGSEGV) && mt_killed(w7, SIGSEGV),
	      "a store to a PROT_READ part kills with SIGSEGV (%#x %#x %#x)", w2, w3, w7);
	int r0 = CHILD(mt_load(a)), w0 = CHILD(mt_store(a + 5));
	CHECK(mt_killed(r0, SIGSEGV) && mt_killed(w0, SIGSEGV),
	      "a load or store to the PROT_NONE page kills with SIGSEGV (%#x %#x)", r0, w0);
	int r = CHILD(if (a[2 * PG] != 3 || a[3 * PG] != 4 || a[7 * PG] != 8) _exit(1));
	CHECK(mt_exited0(r), "the PROT_READ parts still read their data (%#x)", r);
	bool ok = true;
	for (int i = 1; i < 7; i += i == 1 ? 3 : 1) { /* pages 1, 4, 5, 6 */
		ok &= mt_is_byte(a + i * PG, (char)(i + 1), PG);
		a[i * PG] = 'w';
	}
	CHECK(ok, "the untouched parts still read and take stores");
	CHECK_EQ(mprotect(a, 8 * PG, RW), 0, "mprotect all eight back to PROT_READ|PROT_WRITE");
	ok = mt_is_byte(a, 1, PG) && mt_is_byte(a + 2 * PG, 3, PG) &&
	     mt_is_byte(a + 3 * PG, 4, PG) && a[7 * PG] == 8;
	memset(a, 'x', 8 * PG);
	CHECK(ok && mt_is_byte(a, 'x', 8 * PG), "every page reads its data and takes stores again");
	munmap(a, 8 * PG);
out:
	mt_section_end(s, 8, "mprotect split");
}

/* A fetch from a page without PROT_EXEC kills; with it, the code runs
 * (3 checks). */
static void test_exec_prot(void)
{
	int s = mt_section_begin();
	uint32_t *code = mmap(NULL, PG, RW, ANON, -1, 0);
	CHECK(mt_mapped(code), "an anonymous page for code");
	if (!mt_mapped(code))
		goto out;
	code[0] = 0x00a00513; /* li a0, 10 */
	code[1] = 0x00008067; /* ret */
	__asm__ volatile("fence.i" ::: "memory");
	int st = CHILD(((int (*)(void))code)());
	CHECK(mt_killed(st, SIGSEGV), "a jump to a PROT_READ|PROT_WRITE page kills with SIGSEGV (%#x)",
	      st);
	st = CHILD({
		if (mprotect(code, PG, PROT_READ | PROT_EXEC))
			_exit(2);
		__asm__ volatile("fence.i" ::: "memory");
		_exit(((int (*)(void))code)());
	});
	CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 10,
	      "after mprotect PROT_READ|PROT_EXEC the code runs and returns 10 (%#x)", st);
	munmap(code, PG);
out:
	mt_section_end(s, 3, "PROT_EXEC");
}

/* SIGBUS for a page wholly past the end of the file; the file growing or
 * shrinking under the mapping moves that line (7 checks). */
static void test_sigbus(void)
{
	int s = mt_section_begin();
	int fd = open("lab", O_RDWR);
	char *sh = mmap(NULL, 3 * PG, RW, MAP_SHARED, fd, 0);
	char *pv = mmap(NULL, 3 * PG, RW, MAP_PRIVATE, fd, 0);
	CHECK(mt_mapped(sh) && mt_mapped(pv), "3 pages shared and private of a 1.5-page file");
	if (!mt_mapped(sh) || !mt_mapped(pv))
		goto out;
	CHECK(mt_is_byte(sh + LAB_SIZE, 0, 2 * PG - LAB_SIZE) &&
		      mt_is_byte(pv + LAB_SIZE, 0, 2 * PG - LAB_SIZE),
	      "the last partial page reads zeros past the end in both");
	int l = CHILD(mt_load(sh + 2 * PG)), w = CHILD(mt_store(sh + 2 * PG + 7));
	int p = CHILD(mt_store(pv + 2 * PG));
	CHECK(mt_killed(l, SIGBUS) && mt_killed(w, SIGBUS) && mt_killed(p, SIGBUS),
	      "a load or store past the end of the file kills with SIGBUS (%#x %#x %#x)", l, w, p);
	CHECK(ftruncate(fd, 3 * PG) == 0 && mt_is_byte(sh + 2 * PG, 0, PG) &&
		      mt_is_byte(pv + 2 * PG, 0, PG),
	      "after ftruncate to 3 pages the third page reads zeros");
	CHECK(ftruncate(fd, PG) == 0, "ftruncate to 1 page while mapped");
	l = CHILD(mt_load(sh + PG));
	p = CHILD(mt_load(pv + 2 * PG));
	CHECK(mt_killed(l, SIGBUS) && mt_killed(p, SIGBUS),
	      "then the pages past the new end kill with SIGBUS (%#x %#x)", l, p);
	/* Grown again: the mapping and read() agree on zeros, and a store
	 * through the mapping reaches the file (it is the cache's page). */
	int t = ftruncate(fd, 3 * PG);
	bool zeros = mt_is_byte(sh + PG, 0, PG) && mt_is_byte(sh + 2 * PG, 0, PG);
	sh[2 * PG + 1] = 'V';
	CHECK(t == 0 && zeros && pread(fd, mt_buf, 2, 2 * PG) == 2 && mt_buf[0] == 0 &&
		      mt_buf[1] == 'V',
	      "grown back to 3 pages: the mapping reads zeros, its store reaches read() (%d %d)",
	      mt_buf[0], mt_buf[1]);
out:
	mt_unmap(sh, 3 * PG);
	mt_unmap(pv, 3 * PG);
	close(fd);
	mt_make("lab", 1, LAB_SIZE);
	mt_section_end(s, 7, "SIGBUS");
}

/* Writes that do not go through the MMU: read() into a shared mapping
 * (the pager copies into the page) reaches the disk; a store past the end
 * of the file is not brought back by growing the file while still mapped
 * or by write() past it (POSIX: the new bytes read as zeros) (5 checks). */
static void test_pager_writes(void)
{
	int s = mt_section_begin();
	int src = open("lab", O_RDONLY), fd = open("two", O_RDWR);
	char *p = mmap(NULL, 2 * PG, RW, MAP_SHARED, fd, 0);
	CHECK(src >= 0 && mt_mapped(p), "a shared mapping of 2 pages");
	if (!mt_mapped(p))
		goto out;
	long n = pread(src, p + PG + 8, 16, 0);
	munmap(p, 2 * PG);
	pager_cache_drop(); /* a page the pager thinks clean is gone now */
	CHECK(n == 16 && pread(fd, mt_buf, 32, PG) == 32 && mt_is_pat(mt_buf + 8, 1, 0, 16) &&
		      mt_is_pat(mt_buf, 2, PG, 8) && mt_is_pat(mt_buf + 24, 2, PG + 24, 8),
	      "read() into a shared mapping reaches the disk (%ld bytes)", n);
	/* lab is 1.5 pages: store into the tail of its last page, then grow it. */
	int lab = open("lab", O_RDWR);
	p = mmap(NULL, 2 * PG, RW, MAP_SHARED, lab, 0);
	CHECK(mt_mapped(p), "a shared mapping of the 1.5-page file");
	if (!mt_mapped(p)) {
		close(lab);
		goto out;
	}
	memset(p + LAB_SIZE, 't', 2 * PG - LAB_SIZE);
	int t = ftruncate(lab, 2 * PG);
	long got = pread(lab, mt_buf, 2 * PG - LAB_SIZE, LAB_SIZE);
	CHECK(t == 0 && got == 2 * PG - LAB_SIZE && mt_is_byte(mt_buf, 0, got) &&
		      mt_is_byte(p + LAB_SIZE, 0, 2 * PG - LAB_SIZE),
	      "stores past the end, then ftruncate up: read() and the mapping see zeros there "
	      "(read %ld, first byte %d)", got, mt_buf[0]);
	munmap(p, 2 * PG);
	/* The same with write() growing the file past that page. */
	mt_make("lab", 1, LAB_SIZE);
	p = mmap(NULL, 2 * PG, RW, MAP_SHARED, lab, 0);
	if (mt_mapped(p))
		memset(p + LAB_SIZE, 't', 2 * PG - LAB_SIZE);
	t = pwrite(lab, "e", 1, 2 * PG);
	got = pread(lab, mt_buf, 2 * PG - LAB_SIZE, LAB_SIZE);
	CHECK(mt_mapped(p) && t == 1 && got == 2 * PG - LAB_SIZE && mt_is_byte(mt_buf, 0, got),
	      "stores past the end, then pwrite beyond that page: read() sees zeros in the gap "
	      "(read %ld, first byte %d)", got, mt_buf[0]);
	mt_unmap(p, 2 * PG);
	close(lab);
	mt_make("lab", 1, LAB_SIZE);
out:
	close(src);
	close(fd);
	mt_make("two", 2, 2 * PG);
	mt_section_end(s, 5, "pager writes");
}

/* ---- anonymous memory ----------------------------------------------------- */

/* MAP_SHARED|MAP_ANONYMOUS stays shared after fork, pages first touched
 * after it by either side included (4 checks). */
static void test_shared_anon(void)
{
	int s = mt_section_begin();
	int to_child[2], to_parent[2];
	volatile char *a = mmap(NULL, 4 * PG, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(mt_mapped((void *)a) && pipe(to_child) == 0 && pipe(to_parent) == 0,
	      "4 shared anonymous pages and two pipes");
	if (!mt_mapped((void *)a))
		goto out;
	a[0] = 'P'; /* touched before the fork; pages 1-3 not */
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		if (a[0] != 'P')
			_exit(1);
		a[0] = 'c';
		a[PG] = 'c'; /* first touch, by the child */
		write(to_parent[1], "c", 1);
		if (read(to_child[0], &c, 1) != 1 || a[2 * PG] != 'p' || a[3 * PG + 5] != 0)
			_exit(2);
		_exit(0);
	}
	char c;
	bool got = read(to_parent[0], &c, 1) == 1;
	CHECK(got && a[0] == 'c' && a[PG] == 'c',
	      "the parent sees the child's stores, to a page touched before and one after fork");
	a[2 * PG] = 'p'; /* first touch, by the parent */
	write(to_child[1], "p", 1);
	int st = fsu_wait(pid);
	CHECK(mt_exited0(st), "the child sees the parent's store to a page first touched after fork (%#x)",
	      st);
	CHECK(a[3 * PG + 5] == 0 && a[0] == 'c' && a[PG] == 'c' && a[2 * PG] == 'p',
	      "after the child's exit the pages keep their data; the untouched one is zeros");
	munmap((void *)a, 4 * PG);
	close(to_child[0]), close(to_child[1]), close(to_parent[0]), close(to_parent[1]);
out:
	mt_section_end(s, 4, "shared anonymous");
}

/* madvise(MADV_DONTNEED) gives the frames of private anonymous pages back;
 * they then read as zeros (4 checks). Pages 1-16 of 17 in one 2 MiB span:
 * page 0 stays, so the shadow table's node stays and the count is exact. */
static void test_madvise(void)
{
	int s = mt_section_begin();
	uintptr_t va = (uintptr_t)mt_free_va(4L << 20);
	va = (va + (2L << 20) - 1) & ~((uintptr_t)(2L << 20) - 1);
	char *a = va ? mmap((void *)va, 17 * PG, RW, ANON | MAP_FIXED, -1, 0) : MAP_FAILED;
	CHECK(mt_mapped(a), "17 private anonymous pages at a 2 MiB boundary");
	if (!mt_mapped(a))
		goto out;
	memset(a, 'm', 17 * PG);
	long before = mt_free_frames(), res = mt_resident();
	CHECK_EQ(madvise(a + PG, 16 * PG, MADV_DONTNEED), 0, "madvise MADV_DONTNEED of pages 1-16");
	long after = mt_free_frames(), res_after = mt_resident();
	CHECK(after - before == 16 && res - res_after == 16,
	      "16 frames back (free %ld -> %ld, resident %ld -> %ld)", before, after, res, res_after);
	CHECK(mt_is_byte(a + PG, 0, 16 * PG) && mt_is_byte(a, 'm', PG),
	      "those pages now read as zeros; page 0 keeps its data");
	munmap(a, 17 * PG);
out:
	mt_section_end(s, 4, "madvise");
}

/* ---- writeback and the file's life ---------------------------------------- */

static long mt_disk_writes(void)
{
	struct pg_meminfo mi = {0};
	return pager_meminfo(&mi) < 0 ? -1 : (long)mi.disk_writes;
}

/* msync(MS_SYNC) writes the dirty page; a second one writes nothing; after
 * munmap and a cache drop read() gets the data from the disk (5 checks). */
static void test_msync(void)
{
	int s = mt_section_begin();
	int fd = open("two", O_RDWR);
	char *p = mmap(NULL, 2 * PG, RW, MAP_SHARED, fd, 0);
	CHECK(mt_mapped(p), "a shared mapping of 2 pages");
	if (!mt_mapped(p))
		goto out;
	mt_load(p + PG); /* mapped, clean */
	sync();
	long w0 = mt_disk_writes();
	memcpy(p + 300, "synced", 6);
	int r = msync(p, 2 * PG, MS_SYNC);
	long w1 = mt_disk_writes();
	CHECK(r == 0 && w1 > w0, "msync(MS_SYNC) wrote to the disk (%ld blocks)", w1 - w0);
	r = msync(p, 2 * PG, MS_SYNC);
	CHECK(r == 0 && mt_disk_writes() == w1, "a second msync writes nothing (%ld blocks)",
	      mt_disk_writes() - w1);
	CHECK_EQ(msync(p, 2 * PG, MS_ASYNC), 0, "msync(MS_ASYNC)");
	munmap(p, 2 * PG);
	pager_cache_drop(); /* the page is clean and unused: gone from the cache */
	CHECK(pread(fd, mt_buf, 2 * PG, 0) == 2 * PG && !memcmp(mt_buf + 300, "synced", 6) &&
		      mt_is_pat(mt_buf, 2, 0, 300) && mt_is_pat(mt_buf + 306, 2, 306, 2 * PG - 306),
	      "read() from the disk shows the store, and only it");
out:
	close(fd);
	mt_make("two", 2, 2 * PG);
	mt_section_end(s, 5, "msync");
}

/* The mapping outlives unlink; the inode and its blocks are freed when the
 * last mapping goes (5 checks). */
static void test_unlink(void)
{
	int s = mt_section_begin();
	struct pg_statfs base = {0}, mapped = {0};
	fsu_space_mark(&base);
	int fd = mt_make("gone", 4, 4 * PG) == 0 ? open("gone", O_RDWR) : -1;
	char *p = mmap(NULL, 4 * PG, RW, MAP_SHARED, fd, 0);
	close(fd);
	CHECK(mt_mapped(p) && unlink("gone") == 0, "map a 4-page file, close it and unlink it");
	if (!mt_mapped(p))
		goto out;
	bool old = mt_is_pat(p, 4, 0, 4 * PG);
	memset(p + PG, 'u', PG);
	CHECK(old && mt_is_byte(p + PG, 'u', PG), "the mapping still reads the file and takes stores");
	fsu_statfs(&mapped);
	CHECK(mapped.free_inodes == base.free_inodes - 1,
	      "while mapped the inode is still in use (free inodes %lu, %lu before the file)",
	      (unsigned long)mapped.free_inodes, (unsigned long)base.free_inodes);
	CHECK_EQ(munmap(p, 4 * PG), 0, "munmap the last mapping");
	fsu_check_space_back(&base, "the inode and its blocks are free again");
out:
	unlink("gone"); /* when the set-up failed */
	mt_section_end(s, 5, "unlink");
}

/* ---- CVE-2020-29374: a lent private file page is copied before a write ---- */

/*
 * Page idx of the private mapping m of "cve" is lent read-only to a third
 * process (pager_lend, our pin) that holds no mapping of it itself. Then the
 * parent writes the page, by a store or by read() into it. The third must
 * still see the file's bytes and the file must not change: whoever writes,
 * the frame is copied first. copied: the page already is the parent's
 * private copy (written once) and a short-lived child lends it, as in
 * cowtest.c; else it is the page cache's frame, lent by the parent
 * (3 checks).
 */
static void test_cve_case(char *m, int idx, bool copied, bool via_read, int src, int file)
{
	char *page = m + idx * PG, *to = mt_free_va(PG), c;
	int ready[2], go[2];
	const char *how = via_read ? "read() into it" : "a store";
	if (copied)
		page[PG - 1] = '!'; /* its own copy now; bytes 0..7 still the file's */
	else
		mt_load(page); /* the cache's frame, mapped read-only */
	pipe(ready), pipe(go);
	pid_t third = fork();
	if (third == 0) { /* holds the page only through the loan */
		munmap(m, 4 * PG);
		write(ready[1], "r", 1);
		read(go[0], &c, 1);
		_exit(to && mt_is_pat(to, 5, idx * PG, 8) ? 0 : 1);
	}
	read(ready[0], &c, 1);
	int lent = copied ? CHILD(if (pager_lend(page, third, (uint64_t)to)) _exit(1))
			  : (pager_lend(page, third, (uint64_t)to) == 0 ? 0 : -1);
	CHECK(to && lent == 0, "%s page %d lent to a third process", copied ? "copied" : "cached", idx);
	bool wrote = via_read ? pread(src, page, 8, 0) == 8 : (memcpy(page, "NEW-data", 8), true);
	write(go[1], "g", 1);
	int st = fsu_wait(third);
	CHECK(mt_exited0(st), "after %s the third process still sees the file's bytes (%#x)", how, st);
	const char *want = via_read ? "NEW-read" : "NEW-data";
	CHECK(wrote && !memcmp(page, want, 8) && pread(file, mt_buf, 8, idx * PG) == 8 &&
		      mt_is_pat(mt_buf, 5, idx * PG, 8),
	      "the writer sees what %s wrote, the file is unchanged", how);
	close(ready[0]), close(ready[1]), close(go[0]), close(go[1]);
}

/* The four cases: cached or copied page, written by a store or by read()
 * (1 + 4 * 3 = 13 checks). */
static void test_cve(void)
{
	int s = mt_section_begin();
	int src = -1, fd = -1;
	char *m = MAP_FAILED;
	if (mt_make("cve", 5, 4 * PG) == 0 && (src = open("src", O_RDWR | O_CREAT | O_TRUNC, 0644)) >= 0 &&
	    write(src, "NEW-read", 8) == 8 && (fd = open("cve", O_RDONLY)) >= 0)
		m = mmap(NULL, 4 * PG, RW, MAP_PRIVATE, fd, 0);
	CHECK(mt_mapped(m), "a private writable mapping of a 4-page file (fds %d, %d)", src, fd);
	if (!mt_mapped(m))
		goto out;
	test_cve_case(m, 0, false, false, src, fd);
	test_cve_case(m, 1, false, true, src, fd);
	test_cve_case(m, 2, true, false, src, fd);
	test_cve_case(m, 3, true, true, src, fd);
	munmap(m, 4 * PG);
out:
	close(src);
	close(fd);
	unlink("src");
	unlink("cve");
	mt_section_end(s, 13, "CVE-2020-29374");
}

/* ---- the bad-argument matrix --------------------------------------------- */

struct mt_fds {
	int rw, ro, wo, dir, pipe[2], closed;
};

/* mmap's refusals (19 checks). */
static void test_bad_mmap(char *m, const struct mt_fds *f)
{
	char *top = (char *)USER_TOP;
	EXPECT_ERR(mmap(m + 1, PG, RW, ANON | MAP_FIXED, -1, 0), EINVAL, "mmap MAP_FIXED unaligned");
	EXPECT_ERR(mmap(NULL, 0, RW, ANON, -1, 0), EINVAL, "mmap anonymous len 0");
	EXPECT_ERR(mmap(NULL, 0, PROT_READ, MAP_SHARED, f->ro, 0), EINVAL, "mmap file len 0");
	EXPECT_ERR(mmap(NULL, PG, PROT_READ, MAP_SHARED, f->ro, 100), EINVAL, "mmap offset 100");
	EXPECT_ERR(mmap((void *)-PG, 2 * PG, RW, ANON | MAP_FIXED, -1, 0), ENOMEM,
		   "mmap MAP_FIXED addr+len overflows");
	EXPECT_ERR(mmap(top, PG, RW, ANON | MAP_FIXED, -1, 0), ENOMEM,
		   "mmap MAP_FIXED at the end of user space");
	EXPECT_ERR(mmap(top - PG, 2 * PG, RW, ANON | MAP_FIXED, -1, 0), ENOMEM,
		   "mmap MAP_FIXED across the end of user space");
	EXPECT_ERR(mmap(NULL, 1UL << 62, RW, ANON, -1, 0), ENOMEM, "mmap of 2^62 bytes");
	EXPECT_ERR(mmap(NULL, PG, PROT_READ, MAP_SHARED, 99, 0), EBADF, "mmap fd 99");
	EXPECT_ERR(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, f->closed, 0), EBADF, "mmap a closed fd");
	EXPECT_ERR(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, -1, 0), EBADF,
		   "mmap fd -1 without MAP_ANONYMOUS");
	EXPECT_ERR(mmap(NULL, PG, RW, MAP_ANONYMOUS, -1, 0), EINVAL,
		   "mmap neither MAP_SHARED nor MAP_PRIVATE");
	EXPECT_ERR(mmap(NULL, PG, PROT_READ, MAP_SHARED | MAP_PRIVATE, f->rw, 0), EINVAL,
		   "mmap both MAP_SHARED and MAP_PRIVATE");
	EXPECT_ERR(mmap(NULL, PG, PROT_READ | 0x8, ANON, -1, 0), EINVAL, "mmap unknown prot bit 0x8");
	EXPECT_ERR(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, f->dir, 0), ENODEV, "mmap a directory");
	errno = 0;
	long r = (long)mmap(NULL, PG, PROT_READ, MAP_SHARED, f->pipe[0], 0);
	CHECK(r == -1 && (errno == ENODEV || errno == EACCES), "mmap a pipe: ENODEV or EACCES (%ld, %s)",
	      r, strerror(errno));
	EXPECT_ERR(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, f->wo, 0), EACCES, "mmap an O_WRONLY fd");
	/* A refused MAP_FIXED leaves what was there (checked by the caller). */
	EXPECT_ERR(mmap(m, 2 * PG, RW, MAP_SHARED | MAP_FIXED, 99, 0), EBADF,
		   "MAP_FIXED over a mapping with a bad fd");
	EXPECT_ERR(mmap(m, 2 * PG, RW, MAP_SHARED | MAP_FIXED, f->ro, 0), EACCES,
		   "MAP_FIXED|MAP_SHARED|PROT_WRITE over a mapping with an O_RDONLY fd");
}

/* munmap, mprotect, msync and madvise (16 checks). m: two pages mapped,
 * the third not. */
static void test_bad_others(char *m, int ro_fd)
{
	char *top = (char *)USER_TOP;
	EXPECT_ERR(munmap(m + 1, PG), EINVAL, "munmap unaligned");
	EXPECT_ERR(munmap(m, 0), EINVAL, "munmap len 0");
	EXPECT_ERR(munmap(m, (size_t)-PG), EINVAL, "munmap addr+len overflows");
	EXPECT_ERR(munmap(top, PG), EINVAL, "munmap beyond user space");
	EXPECT_ERR(mprotect(m + 1, PG, PROT_READ), EINVAL, "mprotect unaligned");
	EXPECT_ERR(mprotect(m, PG, PROT_READ | 0x8), EINVAL, "mprotect unknown prot bit 0x8");
	EXPECT_ERR(mprotect(m + 2 * PG, PG, PROT_READ), ENOMEM, "mprotect of an unmapped page");
	EXPECT_ERR(mprotect(m, 3 * PG, PROT_READ), ENOMEM, "mprotect of two mapped pages and a hole");
	EXPECT_ERR(msync(m + 1, PG, MS_SYNC), EINVAL, "msync unaligned");
	EXPECT_ERR(msync(m, PG, MS_SYNC | MS_ASYNC), EINVAL, "msync MS_SYNC|MS_ASYNC");
	EXPECT_ERR(msync(m, PG, 0x8), EINVAL, "msync unknown flag 0x8");
	EXPECT_ERR(msync(m + 2 * PG, PG, MS_SYNC), ENOMEM, "msync of an unmapped page");
	EXPECT_ERR(madvise(m, PG, 999), EINVAL, "madvise unknown advice 999");
	EXPECT_ERR(madvise(m + 1, PG, MADV_DONTNEED), EINVAL, "madvise unaligned");
	/* PROT_WRITE for a shared mapping of an O_RDONLY fd, by mprotect. */
	char *ro = mmap(NULL, PG, PROT_READ, MAP_SHARED, ro_fd, 0);
	EXPECT_ERR(mt_mapped(ro) ? mprotect(ro, PG, RW) : 0, EACCES,
		   "mprotect PROT_WRITE of a shared mapping of an O_RDONLY fd");
	int st = mt_mapped(ro) ? CHILD(mt_store(ro)) : -1;
	CHECK(mt_killed(st, SIGSEGV), "and it stays read-only (%#x)", st);
	mt_unmap(ro, PG);
}

/* Every refusal changes nothing: the mapping keeps its data and rights,
 * no frame is taken (1 + 19 + 16 + 2 = 38 checks). */
static void test_bad_args(void)
{
	int s = mt_section_begin();
	struct mt_fds f = {open("two", O_RDWR), open("two", O_RDONLY), open("two", O_WRONLY),
			   open(".", O_RDONLY), {-1, -1}, open("two", O_RDONLY)};
	pipe(f.pipe);
	close(f.closed);
	char *m = mt_free_va(3 * PG);
	m = m ? mmap(m, 2 * PG, RW, ANON | MAP_FIXED, -1, 0) : MAP_FAILED;
	CHECK(mt_mapped(m) && f.rw >= 0 && f.ro >= 0 && f.wo >= 0 && f.dir >= 0 && f.pipe[0] >= 0,
	      "two anonymous pages before a hole, and the fds");
	if (!mt_mapped(m))
		goto out;
	memset(m, 'm', 2 * PG);
	long frames = mt_free_frames();
	test_bad_mmap(m, &f);
	test_bad_others(m, f.ro);
	int st = CHILD(if (!mt_is_byte(m, 'm', 2 * PG)) _exit(1); memset(m, 'c', 2 * PG));
	CHECK(mt_exited0(st) && mt_is_byte(m, 'm', 2 * PG),
	      "afterwards the pages hold their data and take stores (%#x)", st);
	CHECK_EQ(mt_free_frames(), frames, "and no frame was taken");
	munmap(m, 2 * PG);
out:
	close(f.rw), close(f.ro), close(f.wo), close(f.dir), close(f.pipe[0]), close(f.pipe[1]);
	mt_section_end(s, 38, "bad arguments");
}

/* ---- main ------------------------------------------------------------------ */

#define MT_PLAN (6 + 9 + 5 + 6 + 3 + 6 + 2 + 3 + 4 + 10 + 8 + 3 + 7 + 5 + 4 + 4 + 5 + 5 + 13 + 38 + 5)

int main(void)
{
	tap_plan(MT_PLAN);
	unsigned fds = fsu_open_fds();
	errno = 0;
	CHECK(mkdir("/tmp", 0755) == 0 || errno == EEXIST, "/tmp exists");
	mkdir(DIR_TEST, 0755);
	CHECK(chdir(DIR_TEST) == 0 && mt_make("lab", 1, LAB_SIZE) == 0 &&
		      mt_make("two", 2, 2 * PG) == 0 && mt_make("big", 3, 64 * PG) == 0,
	      "chdir " DIR_TEST ", make the test files");
	fsu_touch_image();
	long used = fsu_frames_in_use(true);
	test_lab_private();
	test_lab_shared();
	test_lab_untouched();
	test_lab_write_visible();
	test_lab_two_files();
	test_lab_fork();
	test_exit_writeback();
	test_share_at_once();
	test_map_fixed();
	test_munmap_split();
	test_mprotect_split();
	test_exec_prot();
	test_sigbus();
	test_pager_writes();
	test_shared_anon();
	test_madvise();
	test_msync();
	test_unlink();
	test_cve();
	test_bad_args();
	unlink("lab"), unlink("two"), unlink("big");
	chdir("/");
	CHECK_EQ(rmdir(DIR_TEST), 0, "the test directory is empty at the end");
	fsu_check_all_back(used, fds, true);
	return tap_done();
}
