/*
 * stortest.c - the storage suites' guest tool (tests/storage/, layer: guest
 * test program). Runs a list of file operations, given as arguments or read
 * from a plan file, against the pager's ext2 server, with patterned data the
 * host recomputes (storage_test.py: pattern()). Quiet: a line only for a
 * report an operation exists to make, one "stortest: FAIL ..." line for the
 * first operation that did not do what it should (exit 1), and
 * "stortest: ok N" after N operations that all did (exit 0).
 *
 * Operations (P path, S size in bytes, K pattern seed):
 *   w P S K  write the pattern (create, truncate)   W P S K  the same, fsync before close
 *   a P S K  append S bytes (the pattern goes on)   c P S K  P holds exactly that
 *   m P mkdir   d P rmdir   u P unlink   r P Q rename   g P  stat gives ENOENT
 *   s sync   p WORD print "stortest: WORD"   t print free blocks and inodes
 *   x P  write until ENOSPC, report the bytes, check them
 *   n P S K  read the cold file P while a child takes zero-fill faults
 *   k P S K  kill the driver "blk" while P is being read: EIO
 *   l  rewrite a junk file forever (the host kills QEMU)
 *   f PLAN  the operations in file PLAN   E ERRNO  the next one must fail so
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libsys.h"

#define CHUNK (1u << 20)  /* read size of the noblock and driver-death ops */
#define WCHUNK 4093u      /* odd write size: writes cross page and block edges */
#define FAULT_SPAN 256    /* pages the faulter touches before giving them back */
#define MAX_TOKENS 512

static char buf[CHUNK];
static char detail[160];
static int expect_err; /* the errno the next operation must fail with, 0: none */

static const struct {
	int e;
	const char *name;
} err_names[] = {
	{ENOENT, "ENOENT"}, {EIO, "EIO"}, {ENOSPC, "ENOSPC"}, {EEXIST, "EEXIST"},
	{ENOTDIR, "ENOTDIR"}, {EISDIR, "EISDIR"}, {ENOTEMPTY, "ENOTEMPTY"},
	{EBADF, "EBADF"}, {EROFS, "EROFS"}, {EINVAL, "EINVAL"}, {EFBIG, "EFBIG"},
	{ENAMETOOLONG, "ENAMETOOLONG"}, {ENOMEM, "ENOMEM"}, {EAGAIN, "EAGAIN"},
};

static const char *err_name(int e)
{
	static char other[16];
	for (size_t i = 0; i < sizeof err_names / sizeof err_names[0]; i++)
		if (err_names[i].e == e)
			return err_names[i].name;
	snprintf(other, sizeof other, "errno %d", e);
	return other;
}

static int err_by_name(const char *s)
{
	for (size_t i = 0; i < sizeof err_names / sizeof err_names[0]; i++)
		if (!strcmp(err_names[i].name, s))
			return err_names[i].e;
	return 0;
}

/* The failing call's errno, with a note of what failed for the report. */
static int failed(const char *what)
{
	int e = errno ? errno : EIO;
	snprintf(detail, sizeof detail, "%s: %s", what, err_name(e));
	return e;
}

/* Byte off of the pattern of seed: 32-bit words, little-endian. */
static uint8_t pat_byte(uint64_t off, uint32_t seed)
{
	uint32_t w = (uint32_t)(off >> 2);
	uint32_t v = ((w + seed) * 2654435761u) ^ (w >> 13);
	return (uint8_t)(v >> (8 * (off & 3)));
}

static void pat_fill(char *p, size_t n, uint64_t off, uint32_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (char)pat_byte(off + i, seed);
}

/* The first offset in p[0..n) that differs from the pattern, or -1. */
static long pat_diff(const char *p, size_t n, uint64_t off, uint32_t seed)
{
	for (size_t i = 0; i < n; i++)
		if ((uint8_t)p[i] != pat_byte(off + i, seed))
			return (long)(off + i);
	return -1;
}

/* ---- writing and checking files -------------------------------------- */

/* size bytes of the pattern at the file's offset from..from+size. */
static int write_pattern(int fd, uint64_t from, long size, uint32_t seed)
{
	for (long done = 0; done < size;) {
		size_t n = (size_t)(size - done) < WCHUNK ? (size_t)(size - done) : WCHUNK;
		pat_fill(buf, n, from + (uint64_t)done, seed);
		ssize_t w = write(fd, buf, n);
		if (w < 0)
			return failed("write");
		if (w != (ssize_t)n) {
			snprintf(detail, sizeof detail, "write: %ld of %lu bytes", (long)w,
				 (unsigned long)n);
			return EIO;
		}
		done += w;
	}
	return 0;
}

/* w, W (fsync before close), a (append: the pattern goes on at the end). */
static int op_write(char op, const char *path, long size, uint32_t seed)
{
	int flags = O_WRONLY | O_CREAT | (op == 'a' ? O_APPEND : O_TRUNC);
	int fd = open(path, flags, 0644);
	if (fd < 0)
		return failed("open");
	struct stat st;
	int e = fstat(fd, &st) ? failed("fstat") : 0;
	if (!e)
		e = write_pattern(fd, op == 'a' ? (uint64_t)st.st_size : 0, size, seed);
	if (!e && op == 'W' && fsync(fd))
		e = failed("fsync");
	if (close(fd) && !e)
		e = failed("close");
	return e;
}

/* The file holds exactly size bytes of the pattern of seed. */
static int op_check(const char *path, long size, uint32_t seed)
{
	struct stat st;
	if (stat(path, &st))
		return failed("stat");
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return failed("open");
	long got = 0, bad = -1;
	ssize_t n = 0;
	while (bad < 0 && (n = read(fd, buf, CHUNK)) > 0) {
		bad = pat_diff(buf, (size_t)n, (uint64_t)got, seed);
		got += n;
	}
	int e = n < 0 ? failed("read") : 0;
	close(fd);
	if (!e && bad >= 0) {
		snprintf(detail, sizeof detail, "byte %ld differs: 0x%02x, want 0x%02x", bad,
			 (uint8_t)buf[bad - (got - n)], pat_byte((uint64_t)bad, seed));
		e = EIO;
	} else if (!e && (got != size || st.st_size != size)) {
		snprintf(detail, sizeof detail, "size %ld (st_size %ld), want %ld", got,
			 (long)st.st_size, size);
		e = EIO;
	}
	return e;
}

/* Write the pattern until the disk is full: the write must fail with
 * ENOSPC, and the file then holds exactly what was written. */
static int op_fill(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return failed("open");
	long total = 0;
	ssize_t w;
	do {
		pat_fill(buf, 65536, (uint64_t)total, 0);
		w = write(fd, buf, 65536);
		total += w > 0 ? w : 0;
	} while (w > 0 && total < (1L << 30));
	int e = w < 0 ? errno : 0;
	close(fd);
	if (e != ENOSPC) {
		snprintf(detail, sizeof detail, "write after %ld bytes: %s", total,
			 w < 0 ? err_name(e) : "no error");
		return EIO;
	}
	printf("stortest: full after %ld bytes\n", total);
	return op_check(path, total, 0);
}

/* ---- other processes: the faulter, the driver, the process list --------- */

static struct pg_ps ps_buf[64];

/* The pager's count of faults of pid, or -1. */
static long faults_of(pid_t pid)
{
	long n = pager_ps(ps_buf, 64);
	for (long i = 0; i < n; i++)
		if (ps_buf[i].pid == pid)
			return ps_buf[i].faults;
	return -1;
}

static pid_t pid_named(const char *name)
{
	long n = pager_ps(ps_buf, 64);
	for (long i = 0; i < n; i++)
		if (ps_buf[i].state == 1 && !strcmp(ps_buf[i].name, name))
			return ps_buf[i].pid;
	return -1;
}

/* The child of the noblock op: zero-fill faults forever (fresh pages from
 * sbrk, given back and taken again), after saying it has started. */
static void faulter(int ready)
{
	char *base = sbrk(FAULT_SPAN * 4096);
	if (base == (char *)-1)
		_exit(2);
	base[0] = 1;
	if (write(ready, "r", 1) != 1)
		_exit(3);
	for (;;) {
		for (int i = 0; i < FAULT_SPAN; i++)
			base[i * 4096] = 1;
		if (sbrk(-FAULT_SPAN * 4096) == (void *)-1 || sbrk(FAULT_SPAN * 4096) != base)
			_exit(4);
	}
}

static pid_t start_faulter(void)
{
	int p[2];
	char c;
	if (pipe(p))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		faulter(p[1]);
	}
	close(p[1]);
	if (pid > 0 && read(p[0], &c, 1) != 1)
		pid = -1;
	close(p[0]);
	return pid;
}

static uint64_t disk_reads(void)
{
	struct pg_meminfo mi;
	return pager_meminfo(&mi) < 0 ? 0 : mi.disk_reads;
}

/* One read call of the noblock op: bytes, and the faulter's faults and
 * the disk reads while it was in flight. */
static ssize_t timed_read(int fd, pid_t child, long *faults, uint64_t *reads)
{
	long f0 = faults_of(child);
	uint64_t d0 = disk_reads();
	ssize_t n = read(fd, buf, CHUNK);
	*faults = faults_of(child) - f0;
	*reads = disk_reads() - d0;
	return n;
}

/* n: read the cold file path in 1 MiB calls while a child takes zero-fill
 * faults; report the read calls that needed the disk and the fewest and
 * all faults the child completed during one of them. */
static int op_noblock(const char *path, long size, uint32_t seed)
{
	pager_cache_drop();
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return failed("open");
	pid_t child = start_faulter();
	if (child < 0) {
		close(fd);
		return failed("fork");
	}
	long got = 0, bad = -1, cold = 0, least = -1, sum = 0, faults;
	uint64_t reads;
	ssize_t n;
	while (bad < 0 && (n = timed_read(fd, child, &faults, &reads)) > 0) {
		bad = pat_diff(buf, (size_t)n, (uint64_t)got, seed);
		got += n;
		if (reads) {
			cold++;
			sum += faults;
			least = least < 0 || faults < least ? faults : least;
		}
	}
	int e = n < 0 ? failed("read") : 0, st;
	kill(child, SIGKILL);
	waitpid(child, &st, 0);
	close(fd);
	if (!e && (bad >= 0 || got != size)) {
		snprintf(detail, sizeof detail, "%ld bytes read, byte %ld differs", got, bad);
		e = EIO;
	}
	printf("stortest: %ld cold reads, faults during one: at least %ld, in all %ld\n", cold,
	       least, sum);
	return e;
}

extern char _start[], _end[]; /* libsys/user.ld: the program's first and last byte */

/* Fault in every page of this program now: once the driver is dead, a
 * page not yet read from the disk can never be (the fetch fails). */
static void touch_image(void)
{
	for (volatile char *p = _start; p < _end; p += 4096)
		(void)*p;
}

/* k: kill the driver while a read of the cold file path is in flight (a
 * child does it when the read parks): the read fails with EIO; what was
 * read before is exact. */
static int op_kill_driver(const char *path, long size, uint32_t seed)
{
	touch_image();
	pid_t blk = pid_named("blk");
	int p[2], st;
	char c;
	int fd = open(path, O_RDONLY);
	if (blk < 0 || fd < 0 || pipe(p))
		return failed(blk < 0 ? "no blk process" : "open");
	pid_t killer = fork();
	if (killer == 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 1 && kill(blk, SIGKILL) == 0 ? 0 : 1);
	}
	close(p[0]);
	if (killer < 0 || write(p[1], "k", 1) != 1)
		return failed("fork");
	long got = 0, bad = -1;
	ssize_t n;
	while (bad < 0 && (n = read(fd, buf, CHUNK)) > 0) {
		bad = pat_diff(buf, (size_t)n, (uint64_t)got, seed);
		got += n;
	}
	int e = n < 0 ? errno : 0;
	close(fd);
	close(p[1]);
	waitpid(killer, &st, 0);
	printf("stortest: driver killed, read: %s after %s bytes\n", n < 0 ? err_name(e) : "no error",
	       got == 0 ? "0" : got < size ? "some" : "all");
	if (bad >= 0 || st != 0 || pid_named("blk") >= 0) {
		snprintf(detail, sizeof detail, "byte %ld differs, killer status %d", bad, st);
		return EIO;
	}
	return 0;
}

/* ---- the operation list ------------------------------------------------- */

static void print_statfs(void)
{
	struct msg m = {.label = PG_STATFS};
	struct pg_statfs fs;
	m.w[0] = (uint64_t)&fs;
	if (sys_call((long)libsys_startinfo->pager, &m) < 0 || m.label)
		printf("stortest: statfs failed\n");
	else
		printf("stortest: free %lu blocks %lu inodes\n", (unsigned long)fs.free_blocks,
		       (unsigned long)fs.free_inodes);
}

/* Letter -> number of arguments; -1: not an operation. */
static int op_args(char op)
{
	const char *ops = "wWacnkmduxgrspltfE";
	const int args[] = {3, 3, 3, 3, 3, 3, 1, 1, 1, 1, 1, 2, 0, 1, 0, 0, 1, 1};
	const char *p = op ? strchr(ops, op) : NULL;
	return p ? args[p - ops] : -1;
}

static bool stat_gone(const char *path)
{
	struct stat st;
	errno = 0;
	return stat(path, &st) == -1 && errno == ENOENT;
}

/* Never returns: the host kills QEMU while this rewrites a file. */
static void loop_forever(void)
{
	for (uint32_t seed = 1000;; seed++)
		op_write('w', "/tmp/stortest.junk", 3 * WCHUNK, seed);
}

static int run_tokens(char **t, int n, int *count);

static int run_plan(const char *path, int *count);

static int run_op(char **a, int *count)
{
	long size = 0;
	uint32_t seed = 0;
	if (strchr("wWacnk", a[0][0])) {
		size = strtol(a[2], NULL, 0);
		seed = (uint32_t)strtoul(a[3], NULL, 0);
	}
	errno = 0;
	switch (a[0][0]) {
	case 'w': case 'W': case 'a': return op_write(a[0][0], a[1], size, seed);
	case 'c': return op_check(a[1], size, seed);
	case 'n': return op_noblock(a[1], size, seed);
	case 'k': return op_kill_driver(a[1], size, seed);
	case 'm': return mkdir(a[1], 0755) ? failed("mkdir") : 0;
	case 'd': return rmdir(a[1]) ? failed("rmdir") : 0;
	case 'u': return unlink(a[1]) ? failed("unlink") : 0;
	case 'r': return rename(a[1], a[2]) ? failed("rename") : 0;
	case 'x': return op_fill(a[1]);
	case 'g': return stat_gone(a[1]) ? 0 : failed("stat is not ENOENT");
	case 's': sync(); return 0;
	case 'p': printf("stortest: %s\n", a[1]); fflush(stdout); return 0;
	case 'l': loop_forever(); return 0;
	case 't': print_statfs(); return 0;
	case 'f': return run_plan(a[1], count);
	default: return EINVAL;
	}
}

/* Run the operations in t[0..n); 0, or 1 after the failure's line. */
static int run_tokens(char **t, int n, int *count)
{
	for (int i = 0; i < n;) {
		int na = op_args(strlen(t[i]) == 1 ? t[i][0] : 0);
		if (na < 0 || i + na >= n) {
			printf("stortest: FAIL bad operation list at \"%s\"\n", t[i]);
			return 1;
		}
		if (t[i][0] == 'E') {
			expect_err = err_by_name(t[i + 1]);
			i += 2;
			continue;
		}
		detail[0] = 0;
		int e = run_op(t + i, count), want = expect_err;
		expect_err = 0;
		if (e < 0) /* a plan's operation failed and said so */
			return 1;
		if (t[i][0] != 'f')
			++*count;
		if (e != want) {
			printf("stortest: FAIL %s %s: %s%s%s\n", t[i], na ? t[i + 1] : "",
			       detail[0] ? detail : want ? "no error" : err_name(e),
			       want ? ", want " : "", want ? err_name(want) : "");
			return 1;
		}
		i += 1 + na;
	}
	return 0;
}

/* f PLAN: the operations of a file, blank-separated (a nested f is not
 * allowed: one plan file is one level). */
static int run_plan(const char *path, int *count)
{
	static char text[8192];
	static char *t[MAX_TOKENS];
	int fd = open(path, O_RDONLY), n = 0;
	if (fd < 0)
		return failed("open plan");
	ssize_t len = read(fd, text, sizeof text - 1);
	close(fd);
	if (len < 0 || len == sizeof text - 1)
		return len < 0 ? failed("read plan") : failed("plan too long");
	text[len] = 0;
	for (char *s = strtok(text, " \t\n"); s && n < MAX_TOKENS; s = strtok(NULL, " \t\n"))
		t[n++] = s;
	for (int i = 0; i < n; i++)
		if (!strcmp(t[i], "f"))
			return EINVAL;
	return run_tokens(t, n, count) ? -1 : 0;
}

int main(int argc, char **argv)
{
	int count = 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: stortest OP ARGS... (see tests/guest/stortest.c)\n");
		return 2;
	}
	if (run_tokens(argv + 1, argc - 1, &count))
		return 1;
	printf("stortest: ok %d\n", count);
	return 0;
}
