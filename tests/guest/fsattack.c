/*
 * fsattack.c - a hostile and careless user against the pager's file server
 * (root=pager init=fsattack, tests/guest/): bad buffers and offsets, bad
 * paths, processes killed while their calls are parked, more parked calls
 * than the pager's table holds, exec of bad or changing files, racing
 * writers, huge transfers. Exact values; at the end every frame (but the
 * cache's), fd, process and inode is back. Each section makes a fixed
 * number of checks whatever happens, so the plan holds.
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

#include "fsutil.h"
#include "libsys.h"

#define DIR_T "/tmp/fsa"
#define PLAN 96
#define PG 4096L

/* ---- helpers ----------------------------------------------------------- */

static long pager_h(void) { return (long)libsys_startinfo->pager; }

/* A raw pager call: the reply label (0 or an errno), m holds the reply. */
static long raw_call(struct msg *m)
{
	long r = sys_call(pager_h(), m);
	return r < 0 ? EIO : (long)m->label;
}

static char pat_byte(long i) { return (char)('a' + (i * 7 + i / 4096) % 26); }

static int write_pattern(const char *path, long len)
{
	static char chunk[PG];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	for (long off = 0; off < len; off += PG) {
		long n = len - off < PG ? len - off : PG;
		for (long i = 0; i < n; i++)
			chunk[i] = pat_byte(off + i);
		if (write(fd, chunk, (size_t)n) != n)
			break;
	}
	return close(fd);
}

static bool is_pattern(const char *buf, long off, long n)
{
	for (long i = 0; i < n; i++)
		if (buf[i] != pat_byte(off + i))
			return false;
	return true;
}

/* Copy at most max bytes of src to dst with mode. */
static long copy_file(const char *src, const char *dst, long max, mode_t mode)
{
	static char buf[8192];
	int in = open(src, O_RDONLY), out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, mode);
	long total = 0, n;
	while (in >= 0 && out >= 0 && total < max &&
	       (n = read(in, buf, (size_t)(max - total < 8192 ? max - total : 8192))) > 0)
		total += write(out, buf, (size_t)n) == n ? n : 0;
	close(in);
	close(out);
	return in < 0 || out < 0 ? -1 : total;
}

/* Processes alive or zombie other than the block driver. */
static int proc_count(void)
{
	static struct pg_ps ps[64];
	long n = pager_ps(ps, 64);
	int c = 0;
	for (long i = 0; i < n; i++)
		c += strncmp(ps[i].name, "blk", 3) != 0;
	return n < 0 ? -1 : c;
}

/* A page-aligned heap end: the break sits one byte into a page, so that
 * page is the heap's last and the next one is outside every region. */
static char *heap_edge(void)
{
	uintptr_t b = (uintptr_t)sbrk(0), want = (b + 2 * PG) & ~(uintptr_t)(PG - 1);
	sbrk((intptr_t)(want + 1 - b));
	return (char *)want + PG; /* first byte outside */
}

/* ---- bad buffers and offsets (31 checks) --------------------------------- */

static const char rodata_buf[64] = "read-only";
static char buf16[16384];

static void test_buffers(char *edge)
{
	int fd = open("f", O_RDWR);
	EXPECT_ERR(read(fd, NULL, 16), EFAULT, "read into NULL");
	EXPECT_ERR(read(fd, (void *)0x1000, 16), EFAULT, "read into an unmapped page");
	EXPECT_ERR(read(fd, (void *)(uintptr_t)test_buffers, 16), EFAULT, "read into program text");
	tap_eq(lseek(fd, 0, SEEK_CUR), 0, "a failed read leaves the offset");
	EXPECT_ERR(read(fd, (void *)rodata_buf, 16), EFAULT, "read into read-only data");
	memset(edge - PG, 0, PG);
	tap_eq(pread(fd, edge - 100, 200, PG - 100), 100,
	       "read across the heap's end at a file page's end: short count");
	tap_check(is_pattern(edge - 100, PG - 100, 100), "and the 100 bytes are the file's");
	errno = 0;
	long r = pread(fd, edge - 100, 200, 0);
	tap_check((r == -1 && errno == EFAULT) || r == 100,
		  "the same inside a file page: EFAULT or 100 (got %ld, %s)", r, strerror(errno));
	int w = open("w", O_RDWR | O_CREAT | O_TRUNC, 0644);
	EXPECT_ERR(write(w, (void *)0x1000, 16), EFAULT, "write from an unmapped page");
	struct stat st;
	tap_check(fstat(w, &st) == 0 && st.st_size == 0 && st.st_blocks == 0,
		  "and leaves no block behind (size %ld, %ld sectors)", (long)st.st_size,
		  (long)st.st_blocks);
	memset(edge - 100, 'E', 100);
	tap_eq(pwrite(w, edge - 100, 200, PG - 100), 100,
	       "write across the heap's end at a file page's end: short count");
	tap_eq(fsu_file_size("w"), PG, "the file ends with the 100 valid bytes");
	fstat(w, &st);
	long sectors = (long)st.st_blocks;
	errno = 0;
	r = pwrite(w, edge - 100, 200, 2 * PG);
	tap_check(((r == -1 && errno == EFAULT) || r == 100) &&
			  fsu_file_size("w") == (r < 0 ? PG : 2 * PG + 100),
		  "the same inside a file page: EFAULT or 100, and the size agrees (got %ld)", r);
	fstat(w, &st); /* 1 KiB blocks here: 2 sectors each; one block more if written */
	tap_eq(st.st_blocks, sectors + (r < 0 ? 0 : 2), "and its blocks agree");
	ftruncate(w, 0);
	bool text_ok = pwrite(w, (void *)0x10000, PG, 0) == PG && pread(w, buf16, PG, 0) == PG &&
		       !memcmp(buf16, (void *)0x10000, PG);
	tap_check(text_ok, "write from a program text page writes its bytes");
	char *low = (char *)(USER_STACK_TOP - USER_STACK_MAX);
	EXPECT_ERR(pread(fd, low - 100, 200, 0), EFAULT, "read starting in the stack guard");
	tap_eq(pread(fd, low, 100, 0), 100, "read into the stack's lowest page");
	tap_eq(pread(fd, buf16, (size_t)1 << 63, 0), 8192, "read of len 2^63 stops at the end");
	tap_eq(pwrite(w, edge - 300, (size_t)1 << 63, PG - 300), 300,
	       "write of len 2^63 stops at the fault");
	EXPECT_ERR(pread(fd, buf16, 10, -1), EINVAL, "pread at offset -1");
	EXPECT_ERR(pwrite(w, buf16, 10, -1), EINVAL, "pwrite at offset -1");
	tap_eq(pread(fd, buf16, 10, INT64_MAX), 0, "pread at INT64_MAX");
	EXPECT_ERR(pwrite(w, buf16, 10, 1L << 44), EFBIG, "pwrite at 16 TiB");
	tap_eq(lseek(w, INT64_MAX, SEEK_SET), INT64_MAX, "lseek to INT64_MAX");
	EXPECT_ERR(lseek(w, 1, SEEK_CUR), EINVAL, "lseek past INT64_MAX");
	EXPECT_ERR(write(w, buf16, 10), EFBIG, "write at INT64_MAX");
	tap_eq(read(w, buf16, 10), 0, "read at INT64_MAX");
	EXPECT_ERR(lseek(w, -1, SEEK_SET), EINVAL, "lseek to -1");
	EXPECT_ERR(lseek(w, 0, 99), EINVAL, "lseek whence 99");
	tap_eq(fsu_file_size("w"), PG, "the file kept its size through all that");
	/* w4 is the pager's own progress word: a caller's value is a claim. */
	memset(buf16, 0, 64);
	struct msg m = {.label = PG_PREAD, .w = {(uint64_t)fd, (uint64_t)buf16, 10, 0, 1L << 40}};
	long l = raw_call(&m);
	tap_check(l == 0 && m.w[0] == 10 && is_pattern(buf16, 0, 10),
		  "a forged progress word (w4) is ignored (label %ld, w0 %lu)", l,
		  (unsigned long)m.w[0]);
	close(w);
	close(fd);
	unlink("w");
}

/* ---- paths (14 checks) --------------------------------------------------- */

static char long_path[4200];

static void test_paths(char *edge)
{
	struct stat a = {0}, b = {0};
	EXPECT_ERR(open(NULL, O_RDONLY), EFAULT, "open(NULL)");
	memset(edge - 64, 'x', 64);
	EXPECT_ERR(open(edge - 64, O_RDONLY), EFAULT, "an unterminated path at the heap's end");
	memset(long_path, 'p', 4095);
	long_path[4095] = 0;
	EXPECT_ERR(open(long_path, O_RDONLY), ENAMETOOLONG, "a 4095-byte path");
	long_path[PG_PATH_MAX] = 0;
	EXPECT_ERR(stat(long_path, &a), ENAMETOOLONG, "a 256-byte path");
	long_path[0] = 0;
	for (int i = 0; i < 126; i++)
		strcat(long_path, "./");
	strcat(long_path, "f"); /* 253 bytes */
	int fd = open(long_path, O_RDONLY);
	tap_check(fd >= 0 && close(fd) == 0, "a 253-byte path of ./ opens");
	long_path[0] = 0;
	for (int i = 0; i < 75; i++)
		strcat(long_path, "../");
	strcat(long_path, "tmp/fsa/f"); /* 234 bytes, far above / */
	tap_check(stat(long_path, &a) == 0 && stat("f", &b) == 0 && a.st_ino == b.st_ino,
		  "75 ../ stop at / and find the file (ino %ld)", (long)a.st_ino);
	EXPECT_ERR(open("f/x", O_RDONLY), ENOTDIR, "a file used as a directory");
	EXPECT_ERR(stat("f/", &a), ENOTDIR, "a file named with a trailing /");
	EXPECT_ERR(mkdir("f/d", 0755), ENOTDIR, "mkdir under a file");
	char name[300];
	memset(name, 'n', 255);
	name[255] = 0;
	tap_eq(mkdir(name, 0755), 0, "mkdir with a 255-byte name");
	memset(name, 'm', 256);
	name[256] = 0;
	memset(long_path, 'n', 255);
	long_path[255] = 0;
	EXPECT_ERR(rename(long_path, name), ENAMETOOLONG, "rename to a 256-byte name");
	tap_eq(rmdir(long_path), 0, "the 255-byte directory is removed");
	EXPECT_ERR(open("", O_RDONLY), ENOENT, "an empty path");
	EXPECT_ERR(rmdir("."), EINVAL, "rmdir .");
}

/* ---- directories (7 checks) ------------------------------------------- */

static void test_dirs(void)
{
	mkdir("a", 0755);
	mkdir("a/b", 0755);
	EXPECT_ERR(rename("a", "a/b/c"), EINVAL, "rename a directory into its grandchild");
	EXPECT_ERR(rename("a", "a/b"), EINVAL, "rename a directory over its own child");
	rmdir("a/b");
	rmdir("a");
	mkdir("d", 0755);
	chdir("d");
	tap_eq(rmdir(DIR_T "/d"), 0, "rmdir of the cwd");
	EXPECT_ERR(open("x", O_WRONLY | O_CREAT, 0644), ENOENT, "create in the removed cwd");
	EXPECT_ERR(mkdir("y", 0755), ENOENT, "mkdir in the removed cwd");
	/* The freed inode is likely the next directory's: the stale cwd must
	 * not reach into it. */
	mkdir(DIR_T "/e", 0755);
	errno = 0;
	int fd = open("z", O_WRONLY | O_CREAT, 0644);
	int e = errno;
	close(fd);
	tap_check(fd == -1 && e == ENOENT, "create in the removed cwd after its inode was reused (%s)",
		  strerror(e));
	EXPECT_ERR(access(DIR_T "/e/z", F_OK), ENOENT, "nothing appeared in the new directory");
	chdir(DIR_T);
	unlink("e/z");
	rmdir("e");
}

/* ---- unlink of an open file (5 checks) ---------------------------------- */

static void test_unlinked(void)
{
	struct pg_statfs s0 = {0};
	struct stat st = {0};
	fsu_space_mark(&s0);
	write_pattern("u", 65536);
	int fd = open("u", O_RDWR);
	tap_eq(unlink("u"), 0, "unlink an open file");
	memset(buf16, 'U', PG);
	tap_eq(pwrite(fd, buf16, PG, 65536), PG, "write through its fd");
	memset(buf16, 0, sizeof buf16);
	tap_check(pread(fd, buf16, 2 * PG, 65536 - PG) == 2 * PG && is_pattern(buf16, 65536 - PG, PG) &&
			  buf16[PG] == 'U' && buf16[2 * PG - 1] == 'U',
		  "read it back through the fd");
	tap_check(fstat(fd, &st) == 0 && st.st_nlink == 0, "fstat shows 0 links");
	close(fd);
	fsu_check_space_back(&s0, "its inode and blocks are free after close");
}

/* ---- racing writers (4 checks) ------------------------------------------- */

#define REC 50
#define NREC 200

static void append_child(char tag)
{
	char rec[REC];
	int fd = open("app", O_WRONLY | O_APPEND);
	for (int i = 0; i < NREC; i++) {
		memset(rec, tag, REC);
		rec[REC - 1] = '\n';
		if (write(fd, rec, REC) != REC)
			_exit(1);
		if (i % 16 == 0)
			sys_sleep(0);
	}
	_exit(0);
}

static void page_child(int half)
{
	char b[2048];
	int fd = open("pg", O_WRONLY);
	memset(b, half ? 'B' : 'A', sizeof b);
	for (int i = 0; i < 300; i++)
		if (pwrite(fd, b, sizeof b, half * 2048) != 2048)
			_exit(1);
	_exit(0);
}

static void test_racing(void)
{
	static char all[2 * NREC * REC + 100];
	close(open("app", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	pid_t c1 = fork();
	if (c1 == 0)
		append_child('1');
	pid_t c2 = fork();
	if (c2 == 0)
		append_child('2');
	int s1 = fsu_wait(c1), s2 = fsu_wait(c2);
	int fd = open("app", O_RDONLY);
	long n = read(fd, all, sizeof all);
	close(fd);
	tap_check(s1 == 0 && s2 == 0 && n == 2 * NREC * REC,
		  "two O_APPEND writers: no byte lost (%ld bytes)", n);
	int ones = 0, twos = 0, bad = 0;
	for (long r = 0; r + REC <= n; r += REC) {
		char t = all[r];
		bool whole = all[r + REC - 1] == '\n';
		for (int i = 0; i < REC - 1; i++)
			whole &= all[r + i] == t;
		ones += whole && t == '1';
		twos += whole && t == '2';
		bad += !whole;
	}
	tap_check(ones == NREC && twos == NREC && bad == 0, "every record whole (%d, %d, %d bad)",
		  ones, twos, bad);
	unlink("app");
	close(open("pg", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	c1 = fork();
	if (c1 == 0)
		page_child(0);
	c2 = fork();
	if (c2 == 0)
		page_child(1);
	s1 = fsu_wait(c1), s2 = fsu_wait(c2);
	tap_check(s1 == 0 && s2 == 0, "two processes writing the same page finish");
	fd = open("pg", O_RDONLY);
	n = read(fd, all, PG + 10);
	close(fd);
	bool halves = n == PG;
	for (int i = 0; i < PG; i++)
		halves &= all[i] == (i < 2048 ? 'A' : 'B');
	tap_check(halves, "the page holds both halves (%ld bytes)", n);
	unlink("pg");
}

/* ---- exec of bad and changing files (7 checks) --------------------------- */

static int run_prog(const char *path, char *const argv[], long *spawn_err)
{
	long pid = pager_spawnv(path, argv, 0);
	*spawn_err = pid < 0 ? -pid : 0;
	return pid < 0 ? -1 : fsu_wait((pid_t)pid);
}

static void test_exec(void)
{
	char *argv[] = {"x", NULL};
	long err;
	tap_eq(-pager_spawnv(DIR_T, argv, 0), EACCES, "exec of a directory: EACCES");
	int fd = open("notelf", O_WRONLY | O_CREAT | O_TRUNC, 0755);
	write(fd, "#!/bin/sh\necho hi\n", 18);
	close(fd);
	tap_eq(-pager_spawnv(DIR_T "/notelf", argv, 0), ENOEXEC, "exec of a non-ELF file: ENOEXEC");
	copy_file("/bin/fsattack", "short", 64, 0755);
	tap_eq(-pager_spawnv(DIR_T "/short", argv, 0), ENOEXEC, "exec of a 64-byte ELF: ENOEXEC");
	copy_file("/bin/fsattack", "cut", PG, 0755);
	char *cut_argv[] = {"cut", "child-text", NULL};
	int st = run_prog(DIR_T "/cut", cut_argv, &err);
	tap_check(err == ENOEXEC || (st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS),
		  "exec of an ELF cut after its headers: ENOEXEC or SIGBUS (err %ld, status %#x)",
		  err, st);
	tap_check(getpid() > 0 && fsu_file_size("cut") == PG, "the pager still answers");
	/* Running a file another process is rewriting (the same bytes). */
	copy_file("/bin/exit7", "busy", 1L << 30, 0755);
	int wfd = open("busy", O_RDWR);
	pid_t writer = fork();
	if (writer == 0) {
		static char b[PG];
		for (int i = 0; i < 200; i++)
			if (pread(wfd, b, PG, 0) < 0 || pwrite(wfd, b, PG, 0) != PG)
				_exit(10 + errno);
		_exit(0);
	}
	char *busy_argv[] = {"busy", NULL};
	st = run_prog(DIR_T "/busy", busy_argv, &err);
	tap_check(err == ETXTBSY || (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 7),
		  "exec of a file being written: ETXTBSY or runs (err %ld, status %#x)", err, st);
	tap_eq(fsu_wait(writer), 0, "the writer finished");
	close(wfd);
	unlink("notelf");
	unlink("short");
	unlink("cut");
	unlink("busy");
}

/* A copy of this program runs from a file that is unlinked while its text
 * is still on disk; it exits 42 once its whole image is touched. */
static int child_unlinked(int rfd)
{
	char c;
	if (read(rfd, &c, 1) != 1)
		return 1;
	fsu_touch_image();
	return 42;
}

static void test_unlink_running(void)
{
	struct pg_statfs s0 = {0};
	int p[2] = {-1, -1};
	char fdarg[8];
	fsu_space_mark(&s0);
	copy_file("/bin/fsattack", "me", 1L << 30, 0755);
	pipe(p);
	snprintf(fdarg, sizeof fdarg, "%d", p[0]);
	char *argv[] = {"me", "child-unlinked", fdarg, NULL};
	sync();
	long pid = pager_spawnv(DIR_T "/me", argv, 0);
	close(p[0]);
	tap_eq(unlink("me"), 0, "unlink a running program's file");
	pager_cache_drop(); /* its pages not yet touched go back to the disk */
	write(p[1], "g", 1);
	close(p[1]);
	int st = pid > 0 ? fsu_wait((pid_t)pid) : -1;
	tap_check(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 42,
		  "it keeps running from the unlinked file (status %#x)", st);
	fsu_check_space_back(&s0, "its inode and blocks are freed when it exits");
}

/* ---- killed while parked (6 checks) ------------------------------------- */

static void parked_child(int op)
{
	if (op == 0) { /* a cold 1 MiB read into a fresh heap */
		char *b = sbrk(1 << 20);
		int fd = open("cold", O_RDONLY);
		_exit(read(fd, b, 1 << 20) == 1 << 20 ? 0 : 1);
	}
	if (op == 1) { /* a 1 MiB write from an untouched heap */
		char *b = sbrk(1 << 20);
		int fd = open("wr", O_WRONLY | O_CREAT, 0644);
		_exit(pwrite(fd, b, 1 << 20, 0) == 1 << 20 ? 0 : 1);
	}
	if (op == 2) { /* dirty pages, then fsync */
		int fd = open("wr", O_WRONLY | O_CREAT, 0644);
		for (int i = 0; i < 64; i++)
			pwrite(fd, buf16, PG, i * PG);
		_exit(fsync(fd) == 0 ? 0 : 1);
	}
	char *argv[] = {"exit7", NULL}; /* exec of a cold program */
	execv("/bin/exit7", argv);
	_exit(1);
}

static void test_killed_parked(void)
{
	static const char *ops[] = {"read", "write", "fsync", "exec"};
	write_pattern("cold", 1 << 20);
	sync();
	long before = fsu_frames_in_use(true);
	int procs = proc_count();
	for (int op = 0; op < 4; op++) {
		int reaped = 0, killed = 0;
		for (int delay = 0; delay < 6; delay++) {
			sync();
			pager_cache_drop();
			pid_t c = fork();
			if (c == 0)
				parked_child(op);
			if (delay)
				sys_sleep((uint64_t)delay - 1);
			kill(c, SIGKILL);
			int st = fsu_wait(c);
			reaped += st >= 0 && ((WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) ||
					      (WIFEXITED(st) && (WEXITSTATUS(st) == 0 ||
								 WEXITSTATUS(st) == 7)));
			killed += st >= 0 && WIFSIGNALED(st);
		}
		tap_check(reaped == 6, "%s: 6 children killed during the call are reaped (%d killed)",
			  ops[op], killed);
	}
	sync();
	long after = fsu_frames_in_use(true);
	tap_check(before >= 0 && after == before, "every frame is back (%ld, %ld)", before, after);
	tap_check(proc_count() == procs && getpid() > 0, "only the expected processes (%d)", procs);
	unlink("wr");
}

/* ---- more parked calls than the pager's table (5 checks) ----------------- */

#define NTHREADS 160
#define TSTACK 2048

struct tramp { void (*fn)(long); long arg; long own_task; };
void root_thread_start(struct tramp *t);

static char tstacks[NTHREADS][TSTACK] __attribute__((aligned(16)));
static char tbufs[NTHREADS][64];
static volatile long tdone, teagain, tgood, tgo2, tdone2, teagain2, tgood2;
static long tnotif, tpark, tfd;

static void reader_thread(long i)
{
	struct msg m;
	long l;
	do {
		m = (struct msg){.label = PG_PREAD,
				 .w = {(uint64_t)tfd, (uint64_t)tbufs[i], 64, (uint64_t)i * PG * 3}};
		l = raw_call(&m);
		if (l == EAGAIN)
			__atomic_fetch_add(&teagain, 1, __ATOMIC_RELAXED);
	} while (l == EAGAIN);
	if (l == 0 && m.w[0] == 64 && is_pattern(tbufs[i], i * PG * 3, 64))
		__atomic_fetch_add(&tgood, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&tdone, 1, __ATOMIC_RELAXED);
	sys_notif_signal(tnotif, 1);
	while (!tgo2)
		sys_sleep(2);
	/* Phase 2: cold reads queued behind the write-back of a big dirty
	 * file: 160 of them parked together, more than the table holds. */
	do {
		m = (struct msg){.label = PG_PREAD,
				 .w = {(uint64_t)tfd, (uint64_t)tbufs[i], 64, (uint64_t)i * PG * 3 + PG}};
		l = raw_call(&m);
		if (l == EAGAIN)
			__atomic_fetch_add(&teagain2, 1, __ATOMIC_RELAXED);
	} while (l == EAGAIN);
	if (l == 0 && m.w[0] == 64 && is_pattern(tbufs[i], i * PG * 3 + PG, 64))
		__atomic_fetch_add(&tgood2, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&tdone2, 1, __ATOMIC_RELAXED);
	sys_notif_signal(tnotif, 1);
	for (;;)
		sys_notif_wait(tpark); /* never signalled: the thread ends with us */
}

static void test_many_parked(void)
{
	int p[2];
	write_pattern("many", NTHREADS * PG * 3);
	tfd = open("many", O_RDONLY);
	pager_quota(KQ_NOTIF, 2); /* a process starts with no quota of these */
	pager_quota(KQ_THREAD, NTHREADS + 1);
	tnotif = sys_notif_create();
	tpark = sys_notif_create();
	pipe(p);
	pid_t z = fork();
	if (z == 0) { /* zero-fill faults while the table is full */
		char c;
		read(p[0], &c, 1);
		volatile char *h = sbrk(64 * PG);
		for (int i = 0; i < 64; i++)
			h[i * PG] = 1;
		_exit(0);
	}
	/* After the fork our pages are COW: make the threads' memory ours
	 * again (a thread has no fault handler: a fault would kill us). */
	memset(tstacks, 0, sizeof tstacks);
	memset(tbufs, 0, sizeof tbufs);
	tdone = teagain = tgood = tgo2 = tdone2 = teagain2 = tgood2 = 0;
	sync();
	pager_cache_drop();
	for (long i = 0; i < NTHREADS; i++) {
		struct tramp *t = (struct tramp *)(tstacks[i] + TSTACK - 64);
		*t = (struct tramp){reader_thread, i, 1};
		long th = sys_thread_create((long)libsys_startinfo->self, (uint64_t)root_thread_start,
					    (uint64_t)t, (uint64_t)t, PRIO_DEFAULT);
		if (th > 0)
			sys_thread_start(th);
	}
	write(p[1], "g", 1);
	sys_notif_timer(tnotif, 20000, 2); /* watchdog */
	while (tdone < NTHREADS && !(sys_notif_wait(tnotif) & 2))
		;
	tap_eq(tdone, NTHREADS, "160 parked reads all answered");
	tap_eq(tgood, NTHREADS, "each got its exact bytes");
	tap_eq(fsu_wait(z), 0, "zero-fill faults of another process meanwhile");
	int dfd = open("dirty", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	memset(buf16, 'D', sizeof buf16);
	for (long off = 0; off < (8L << 20); off += (long)sizeof buf16)
		pwrite(dfd, buf16, sizeof buf16, off);
	pager_cache_drop();
	tgo2 = 1;
	long synced = fsync(dfd);
	sys_notif_timer(tnotif, 20000, 2);
	while (tdone2 < NTHREADS && !(sys_notif_wait(tnotif) & 2))
		;
	/* Under -icount the disk is quick: how many were parked together is
	 * not controlled here; EAGAIN is counted, every answer checked. */
	tap_check(synced == 0 && tdone2 == NTHREADS && tgood2 == NTHREADS,
		  "160 reads behind a write-back all answered exactly (%ld, %ld ok; %ld EAGAIN)",
		  (long)tdone2, (long)tgood2, (long)teagain2);
	close(dfd);
	unlink("dirty");
	close(p[0]);
	close(p[1]);
	close((int)tfd);
	unlink("many");
	tap_check(getpid() > 0, "the pager still answers");
}

/* ---- a full process table (3 checks) -------------------------------------- */

static volatile long spawn_result = 1;

static void spawn_thread(long n)
{
	spawn_result = pager_spawn("/bin/exit7", 0);
	sys_notif_signal(tnotif, 1);
	for (;;)
		sys_notif_wait(n);
}

static void test_full_table(void)
{
	static pid_t kids[64];
	static char stack[4096] __attribute__((aligned(16)));
	int nk = 0;
	pid_t c;
	/* Zombies hold the pager's process slots. A dead task's kernel slot
	 * comes back a little later (ENOMEM meanwhile): wait and go on. */
	int nomem = 0, e = 0;
	/* Run the program once first: with its blocks cached, the spawn below
	 * answers without disk I/O, which the timer cannot wait for (under
	 * -icount an idle machine's clock jumps to the timer's deadline). */
	pid_t warm = pager_spawn("/bin/exit7", 0);
	if (warm > 0)
		fsu_wait(warm);
	while (nk < 64) {
		errno = 0;
		c = fork();
		if (c == 0)
			_exit(0);
		e = errno;
		if (c > 0)
			kids[nk++] = c;
		else if (e == ENOMEM && ++nomem < 50)
			sys_sleep(20);
		else
			break;
	}
	tap_check(nk > 50 && e == EAGAIN,
		  "zombies fill the process table: fork EAGAIN after %d (%s; %d ENOMEM on the way)", nk,
		  strerror(e), nomem);
	memset(stack, 0, sizeof stack); /* ours again after the forks */
	spawn_result = 1;
	struct tramp *t = (struct tramp *)(stack + sizeof stack - 64);
	*t = (struct tramp){spawn_thread, tpark, 1};
	long th = sys_thread_create((long)libsys_startinfo->self, (uint64_t)root_thread_start,
				    (uint64_t)t, (uint64_t)t, PRIO_DEFAULT);
	sys_thread_start(th);
	sys_notif_timer(tnotif, 3000, 2);
	while (spawn_result == 1 && !(sys_notif_wait(tnotif) & 2))
		;
	long got = spawn_result;
	tap_eq(got, -EAGAIN, "spawn with a full process table: EAGAIN at once");
	int reaped = 0;
	for (int i = 0; i < nk; i++)
		reaped += fsu_wait(kids[i]) == 0;
	tap_eq(reaped, nk, "every zombie reaped");
	sys_notif_timer(tnotif, 3000, 2);
	while (spawn_result == 1 && !(sys_notif_wait(tnotif) & 2))
		;
	if (spawn_result > 0) /* a parked spawn that ran once slots were free */
		fsu_wait((pid_t)spawn_result);
}

/* ---- huge transfers (6 checks) ------------------------------------------ */

static void test_huge(void)
{
	const long four = 4L << 20, sixteen = 16L << 20;
	int fd = open("big", O_RDWR | O_CREAT | O_TRUNC, 0644);
	char *fresh = sbrk(four);
	tap_eq(write(fd, fresh, (size_t)four), four, "a 4 MiB write from an untouched heap");
	memset(buf16, 1, PG);
	tap_check(pread(fd, buf16, PG, four - PG) == PG && buf16[0] == 0 && buf16[PG - 1] == 0,
		  "it wrote zeros");
	sbrk(-four);
	ftruncate(fd, 0);
	char *chunk = sbrk(1 << 20);
	for (long i = 0; i < (1 << 20); i++)
		chunk[i] = pat_byte(i);
	bool wrote = true;
	for (long off = 0; off < sixteen; off += 1 << 20)
		wrote &= pwrite(fd, chunk, 1 << 20, off) == 1 << 20;
	sbrk(-(1 << 20));
	tap_check(wrote, "a 16 MiB file written");
	char *b = sbrk(sixteen);
	pid_t c = fork();
	if (c == 0) { /* served between the read's slices */
		for (int i = 0; i < 300; i++)
			getppid();
		_exit(0);
	}
	long n = pread(fd, b, (size_t)sixteen, 0);
	int st;
	pid_t early = waitpid(c, &st, WNOHANG);
	tap_eq(n, sixteen, "a 16 MiB read into a fresh 16 MiB buffer");
	bool same = n == sixteen;
	for (long off = 0; same && off < sixteen; off += 1 << 20)
		same = !memcmp(b + off, b, 1 << 20) && is_pattern(b, 0, 4096);
	tap_check(same, "its bytes are exact");
	tap_check(early == c, "another process was served during the read (%d)", (int)early);
	if (early != c)
		fsu_wait(c);
	sbrk(-sixteen);
	close(fd);
	unlink("big");
}

/* ---- main ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "child-unlinked"))
		return child_unlinked(atoi(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "child-text")) {
		fsu_touch_image();
		return 0;
	}
	tap_plan(PLAN);
	unsigned fds = fsu_open_fds();
	errno = 0;
	mkdir("/tmp", 0755);
	fsu_touch_image();
	char *edge = heap_edge();
	struct pg_statfs s0 = {0};
	/* The stack's lowest page (test_buffers reads into it) needs a node
	 * of our shadow page table: take it before counting. */
	*(volatile char *)(USER_STACK_TOP - USER_STACK_MAX) = 0;
	fsu_space_mark(&s0);
	long used = fsu_frames_in_use(true);
	tap_eq(mkdir(DIR_T, 0755), 0, "mkdir " DIR_T);
	chdir(DIR_T);
	write_pattern("f", 8192);
	test_buffers(edge);
	test_paths(edge);
	test_dirs();
	test_unlinked();
	test_racing();
	test_exec();
	test_unlink_running();
	test_killed_parked();
	test_many_parked();
	test_full_table();
	test_huge();
	unlink("f");
	unlink("cold");
	chdir("/");
	tap_eq(rmdir(DIR_T), 0, "the test directory is empty at the end");
	fsu_check_space_back(&s0, "every inode and block is free again");
	fsu_check_all_back(used, fds, true);
	return tap_done();
}
