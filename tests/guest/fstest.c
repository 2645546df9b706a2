/*
 * fstest.c - the file-call suite (root=pager init=fstest): every POSIX
 * file call of libsys (posix_fs.c, posix_dir.c) against the pager's ext2
 * server on the real disk, in a fresh /tmp/fstest, with exact values and
 * errno; then the shell's redirections and the utilities, run through
 * "sh -c"; at the end every frame (but the cache's) and every fd is back.
 * Every section makes the same number of checks whatever happens, so the
 * plan holds even when a call fails.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "libsys.h"

#define DIR_TEST "/tmp/fstest"
#define FS_PLAN 130

/* ---- helpers ----------------------------------------------------------- */

static int write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, data, len);
	return close(fd) == 0 && n == (ssize_t)len ? 0 : -1;
}

/* The whole file into buf (at most max bytes): its length, or -1. */
static long read_file(const char *path, char *buf, size_t max)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	size_t got = 0;
	ssize_t n;
	while (got < max && (n = read(fd, buf + got, max - got)) > 0)
		got += (size_t)n;
	close(fd);
	return (long)got;
}

/* path holds exactly the string want. */
static int file_is(const char *path, const char *want, const char *name)
{
	static char buf[512];
	long n = read_file(path, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = '\0';
	return tap_check(n == (long)strlen(want) && !memcmp(buf, want, (size_t)n),
			 "%s (got %ld bytes: \"%.60s\")", name, n, buf);
}

static long file_nlink(const char *path)
{
	struct stat st;
	return stat(path, &st) < 0 ? -1 : (long)st.st_nlink;
}

/* Remove path and, for a directory, everything under it (set-up only). */
static void remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	for (;;) {
		char child[PG_PATH_MAX + 1] = "";
		DIR *d = opendir(path);
		struct dirent *e;
		if (!d)
			break;
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
				snprintf(child, sizeof child, "%s/%s", path, e->d_name);
				break;
			}
		closedir(d);
		if (!child[0])
			break;
		remove_tree(child);
		if (lstat(child, &st) == 0)
			break; /* could not remove it: do not loop */
	}
	rmdir(path);
}

/* The file system's block size, or -1. */
static long fs_block_size(void)
{
	struct pg_statfs fs = { 0 };
	return fsu_statfs(&fs) < 0 ? -1 : (long)fs.block_size;
}

/* sh -c cmd: its exit status, or -1. */
static int run_sh(const char *cmd)
{
	char *const argv[] = { "sh", "-c", (char *)cmd, NULL };
	int st;
	long pid = pager_spawnv("sh", argv, 0);
	if (pid < 0 || waitpid((pid_t)pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ---- open and its flags (17 checks) ------------------------------------- */

static void test_open(void)
{
	char name[300];
	int fd = open("a", O_WRONLY | O_CREAT | O_EXCL, 0644);
	tap_check(fd >= 0, "open O_CREAT|O_EXCL makes a new file (fd %d)", fd);
	tap_eq(write(fd, "hello", 5), 5, "write 5 bytes");
	tap_eq(close(fd), 0, "close");
	EXPECT_ERR(open("a", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST, "O_EXCL on an existing file");
	fd = open("a", O_WRONLY | O_APPEND);
	lseek(fd, 0, SEEK_SET);
	tap_eq(write(fd, " world", 6), 6, "O_APPEND write");
	close(fd);
	file_is("a", "hello world", "O_APPEND wrote at the end despite lseek 0");
	fd = open("a", O_RDWR | O_TRUNC);
	struct stat st = { .st_size = -1 };
	fstat(fd, &st);
	tap_eq(st.st_size, 0, "O_TRUNC empties the file");
	close(fd);
	EXPECT_ERR(open("a", O_RDONLY | O_DIRECTORY), ENOTDIR, "O_DIRECTORY on a file");
	EXPECT_ERR(open(".", O_WRONLY), EISDIR, "a directory opened for writing");
	EXPECT_ERR(open(".", O_RDWR), EISDIR, "a directory opened read-write");
	EXPECT_ERR(open("missing", O_RDONLY), ENOENT, "open a missing file");
	EXPECT_ERR(open("a/x", O_RDONLY), ENOTDIR, "a file used as a directory");
	EXPECT_ERR(open("missing/x", O_RDONLY | O_CREAT, 0644), ENOENT, "O_CREAT in a missing directory");
	memset(name, 'n', 256);
	name[256] = '\0';
	EXPECT_ERR(open(name, O_WRONLY | O_CREAT, 0644), ENAMETOOLONG, "a 256-byte name");
	name[255] = '\0';
	fd = open(name, O_WRONLY | O_CREAT, 0644);
	tap_check(fd >= 0 && close(fd) == 0 && unlink(name) == 0, "a 255-byte name is made and removed");
	fd = open("a", O_RDONLY);
	EXPECT_ERR(write(fd, "x", 1), EBADF, "write on a read-only fd");
	close(fd);
	EXPECT_ERR(read(fd, name, 1), EBADF, "read on a closed fd");
	unlink("a");
}

/* ---- read, write, lseek, pread, pwrite (16 checks) --------------------- */

static char pattern[10000], back[10100];

static void test_rw(void)
{
	for (size_t i = 0; i < sizeof pattern; i++)
		pattern[i] = (char)('a' + i * 7 % 26);
	int fd = open("b", O_RDWR | O_CREAT | O_TRUNC, 0644);
	tap_eq(write(fd, pattern, sizeof pattern), sizeof pattern, "write 10000 bytes");
	tap_eq(lseek(fd, 0, SEEK_CUR), 10000, "SEEK_CUR after the write");
	tap_eq(lseek(fd, 0, SEEK_SET), 0, "SEEK_SET 0");
	tap_check(read(fd, back, sizeof back) == 10000 && !memcmp(back, pattern, 10000),
		  "read returns the 10000 bytes");
	tap_eq(read(fd, back, 10), 0, "read at the end returns 0");
	tap_eq(lseek(fd, -100, SEEK_END), 9900, "SEEK_END -100");
	tap_check(read(fd, back, 200) == 100 && !memcmp(back, pattern + 9900, 100),
		  "a read across the end stops there");
	tap_eq(lseek(fd, 50, SEEK_CUR), 10050, "SEEK_CUR +50 past the end");
	tap_eq(write(fd, "Z", 1), 1, "write past the end");
	memset(back, 1, 51);
	bool hole = pread(fd, back, 51, 10000) == 51 && back[50] == 'Z';
	for (int i = 0; i < 50; i++)
		hole &= back[i] == 0;
	tap_check(hole, "the hole left by the seek reads as zeros");
	EXPECT_ERR(lseek(fd, -20000, SEEK_END), EINVAL, "a seek before the start");
	tap_check(pwrite(fd, "AB", 2, 5) == 2 && lseek(fd, 0, SEEK_CUR) == 10051,
		  "pwrite leaves the offset alone");
	tap_check(pread(fd, back, 2, 5) == 2 && !memcmp(back, "AB", 2), "pread reads what pwrite wrote");
	tap_eq(pread(fd, back, 10, 20000), 0, "pread past the end returns 0");
	tap_eq(close(fd), 0, "close after writing");
	memcpy(pattern + 5, "AB", 2);
	bool same = read_file("b", back, sizeof back) == 10051 && !memcmp(back, pattern, 10000) &&
		    back[10050] == 'Z';
	for (int i = 10000; i < 10050; i++)
		same &= back[i] == 0;
	tap_check(same, "reopened, the file is byte-exact");
}

/* ---- stat, fstat, lstat (9 checks) ------------------------------------- */

static void test_stat(void)
{
	struct stat s = { 0 }, f = { 0 }, l = { 0 };
	int fd = open("b", O_RDONLY);
	tap_eq(stat("b", &s), 0, "stat a file");
	tap_check(fstat(fd, &f) == 0 && f.st_ino == s.st_ino && f.st_size == s.st_size,
		  "fstat agrees with stat (ino %ld)", (long)f.st_ino);
	close(fd);
	tap_check(lstat("b", &l) == 0 && l.st_ino == s.st_ino, "lstat agrees with stat");
	tap_eq(s.st_size, 10051, "st_size");
	tap_check(S_ISREG(s.st_mode) && (s.st_mode & 07777) == 0644, "a regular file, mode 0644 (0%o)",
		  (unsigned)s.st_mode);
	tap_eq(s.st_nlink, 1, "st_nlink 1");
	/* st_blksize is the preferred I/O size; st_blocks counts the file
	 * system's blocks (1 or 4 KiB here, no indirect block yet) in 512s. */
	long io = (long)s.st_blksize, fb = fs_block_size();
	long want = fb > 0 ? (10051 + fb - 1) / fb * (fb / 512) : -1;
	tap_check(io > 0 && !(io & (io - 1)) && (fb == 1024 || fb == 4096) && s.st_blocks == want,
		  "st_blksize %ld, st_blocks %ld (want %ld at %ld-byte blocks)", io,
		  (long)s.st_blocks, want, fb);
	struct stat d = { 0 };
	tap_check(stat(".", &d) == 0 && S_ISDIR(d.st_mode), "stat . is a directory");
	EXPECT_ERR(stat("missing", &d), ENOENT, "stat a missing name");
}

/* ---- link, unlink, truncation (16 checks) ------------------------------- */

static void test_links(void)
{
	struct stat b = { 0 }, c = { 0 };
	tap_eq(link("b", "c"), 0, "link b c");
	stat("b", &b);
	stat("c", &c);
	tap_check(b.st_ino == c.st_ino && b.st_nlink == 2, "one inode, two links (ino %ld/%ld, nlink %d)",
		  (long)b.st_ino, (long)c.st_ino, (int)b.st_nlink);
	EXPECT_ERR(link("b", "c"), EEXIST, "link onto an existing name");
	EXPECT_ERR(link("missing", "x"), ENOENT, "link a missing file");
	tap_eq(unlink("c"), 0, "unlink c");
	EXPECT_ERR(stat("c", &c), ENOENT, "c is gone");
	tap_eq(file_nlink("b"), 1, "b has one link again");
	EXPECT_ERR(unlink("c"), ENOENT, "unlink a missing name");

	int fd = open("b", O_RDONLY);
	tap_eq(unlink("b"), 0, "unlink an open file");
	memset(back, 0, 100);
	tap_check(pread(fd, back, 100, 0) == 100 && !memcmp(back, pattern, 100),
		  "the open fd still reads its data");
	tap_check(fstat(fd, &b) == 0 && b.st_nlink == 0, "and fstat shows 0 links");
	tap_eq(close(fd), 0, "closing the last fd frees it");

	static char aa[5000];
	memset(aa, 0xaa, sizeof aa);
	fd = open("t", O_RDWR | O_CREAT | O_TRUNC, 0644);
	write(fd, aa, sizeof aa);
	tap_check(ftruncate(fd, 1000) == 0 && fstat(fd, &b) == 0 && b.st_size == 1000,
		  "ftruncate shrinks to 1000");
	memset(back, 1, 3000);
	bool ok = ftruncate(fd, 3000) == 0 && pread(fd, back, 3000, 0) == 3000;
	for (int i = 0; i < 3000; i++)
		ok &= back[i] == (i < 1000 ? (char)0xaa : 0);
	tap_check(ok, "ftruncate grows to 3000 with zeros past the old end");
	close(fd);
	tap_check(truncate("t", 0) == 0 && fsu_file_size("t") == 0, "truncate to 0");
	EXPECT_ERR(truncate(".", 0), EISDIR, "truncate a directory");
	unlink("t");
}

/* ---- rename (11 checks) -------------------------------------------------- */

static void test_rename(void)
{
	char cwd[PG_PATH_MAX] = "";
	write_file("x1", "one", 3);
	write_file("x2", "two", 3);
	tap_eq(rename("x1", "x2"), 0, "rename over an existing file");
	EXPECT_ERR(access("x1", F_OK), ENOENT, "the old name is gone");
	file_is("x2", "one", "the new name has the moved data");
	tap_eq(rename("x2", "x2"), 0, "rename a name to itself");
	EXPECT_ERR(rename("missing", "y"), ENOENT, "rename a missing name");
	mkdir("r1", 0755);
	write_file("r1/f", "in r1", 5);
	tap_check(rename("r1", "r2") == 0 && access("r2/f", F_OK) == 0, "rename a directory");
	EXPECT_ERR(rename("r2", "r2/sub"), EINVAL, "rename a directory into itself");
	EXPECT_ERR(rename("x2", "r2"), EISDIR, "rename a file over a directory");
	mkdir("d0", 0755);
	long before = file_nlink(".");
	tap_check(rename("r2", "d0/r3") == 0 && before == 4 && file_nlink(".") == 3 &&
			  file_nlink("d0") == 3,
		  "a directory moved into another: link counts follow (%ld)", before);
	tap_check(chdir("d0/r3/..") == 0 && getcwd(cwd, sizeof cwd) && !strcmp(cwd, DIR_TEST "/d0"),
		  "its .. names the new parent (%s)", cwd);
	chdir(DIR_TEST);
	file_is("d0/r3/f", "in r1", "its file moved with it");
	unlink("d0/r3/f");
	rmdir("d0/r3");
	rmdir("d0");
	unlink("x2");
}

/* ---- mkdir, rmdir, readdir (17 checks) ---------------------------------- */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir, sorted and joined by blanks, into out. */
static int list_names(const char *dir, char *out, size_t size, int *types_ok)
{
	static char names[8][64];
	char *ptr[8];
	int n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	out[0] = '\0';
	if (!d)
		return -1;
	*types_ok = 1;
	while ((e = readdir(d)) && n < 8) {
		snprintf(names[n], sizeof names[n], "%s", e->d_name);
		ptr[n] = names[n];
		n++;
		bool dir_entry = !strcmp(e->d_name, "sub") || e->d_name[0] == '.';
		*types_ok &= e->d_type == (dir_entry ? DT_DIR : DT_REG);
	}
	closedir(d);
	qsort(ptr, (size_t)n, sizeof ptr[0], name_cmp);
	for (int i = 0; i < n; i++)
		snprintf(out + strlen(out), size - strlen(out), "%s%s", i ? " " : "", ptr[i]);
	return n;
}

static void test_dirs(void)
{
	char got[256];
	int types_ok = 0;
	tap_eq(mkdir("d1", 0755), 0, "mkdir");
	EXPECT_ERR(mkdir("d1", 0755), EEXIST, "mkdir an existing name");
	EXPECT_ERR(mkdir("missing/x", 0755), ENOENT, "mkdir in a missing directory");
	write_file("f", "", 0);
	EXPECT_ERR(mkdir("f/x", 0755), ENOTDIR, "mkdir under a file");
	tap_eq(file_nlink("d1"), 2, "a new directory has 2 links");
	mkdir("d1/sub", 0755);
	tap_eq(file_nlink("d1"), 3, "a subdirectory adds one");
	write_file("d1/one", "1", 1);
	write_file("d1/two", "2", 1);
	write_file("d1/three", "3", 1);
	tap_eq(list_names("d1", got, sizeof got, &types_ok), 6, "readdir gives 6 entries");
	tap_check(!strcmp(got, ". .. one sub three two"), "exactly . .. one sub three two (%s)", got);
	tap_check(types_ok, "d_type: DT_DIR for directories, DT_REG for files");
	DIR *dp = opendir("d1");
	int n1 = 0, n2 = 0;
	while (dp && readdir(dp))
		n1++;
	if (dp)
		rewinddir(dp);
	while (dp && readdir(dp))
		n2++;
	if (dp)
		closedir(dp);
	tap_check(n1 == 6 && n2 == 6, "rewinddir reads them again (%d, %d)", n1, n2);
	errno = 0;
	tap_check(!opendir("f") && errno == ENOTDIR, "opendir a file: ENOTDIR (%s)", strerror(errno));
	EXPECT_ERR(rmdir("d1"), ENOTEMPTY, "rmdir a directory with files");
	EXPECT_ERR(rmdir("f"), ENOTDIR, "rmdir a file");
	EXPECT_ERR(rmdir("missing"), ENOENT, "rmdir a missing name");
	EXPECT_ERR(unlink("d1/nothing"), ENOENT, "unlink a missing name in a directory");
	unlink("d1/one");
	unlink("d1/two");
	unlink("d1/three");
	rmdir("d1/sub");
	tap_eq(rmdir("d1"), 0, "rmdir once empty");
	EXPECT_ERR(access("d1", F_OK), ENOENT, "and it is gone");
	unlink("f");
}

/* 100 names of 37 bytes: readdir needs several PG_GETDENTS (2 checks). */
static void test_many(void)
{
	char path[80];
	int made = 0, seen = 0;
	mkdir("many", 0755);
	for (int i = 0; i < 100; i++) {
		snprintf(path, sizeof path, "many/entry-%03d-padding-padding-padding-pad", i);
		made += write_file(path, "", 0) == 0;
	}
	DIR *d = opendir("many");
	struct dirent *e;
	while (d && (e = readdir(d)))
		seen += strncmp(e->d_name, "entry-", 6) == 0 && strlen(e->d_name) == 37;
	if (d)
		closedir(d);
	tap_eq(made, 100, "100 files made");
	tap_eq(seen, 100, "readdir lists all 100");
	for (int i = 0; i < 100; i++) {
		snprintf(path, sizeof path, "many/entry-%03d-padding-padding-padding-pad", i);
		unlink(path);
	}
	rmdir("many");
}

/* ---- chdir, getcwd, access (14 checks) ----------------------------------- */

static int cwd_is(const char *want, const char *name)
{
	char buf[PG_PATH_MAX] = "";
	char *r = getcwd(buf, sizeof buf);
	return tap_check(r == buf && !strcmp(buf, want), "%s (%s)", name, buf);
}

static void test_cwd(void)
{
	char small[4];
	mkdir("d2", 0755);
	write_file("d2/g", "gg", 2);
	cwd_is(DIR_TEST, "getcwd is the test directory");
	tap_eq(chdir("d2"), 0, "chdir to a relative path");
	cwd_is(DIR_TEST "/d2", "getcwd follows");
	file_is("g", "gg", "a relative open finds the file");
	tap_eq(chdir(".."), 0, "chdir ..");
	cwd_is(DIR_TEST, "back in the parent");
	tap_check(chdir("./d2/../d2/.") == 0, "chdir through . and ..");
	cwd_is(DIR_TEST "/d2", "getcwd names d2");
	chdir("/");
	chdir("..");
	cwd_is("/", ".. of / is /");
	chdir(DIR_TEST);
	errno = 0;
	tap_check(!getcwd(small, sizeof small) && errno == ERANGE,
		  "getcwd into too small a buffer: ERANGE (%s)", strerror(errno));
	EXPECT_ERR(chdir("d2/g"), ENOTDIR, "chdir to a file");
	EXPECT_ERR(chdir("missing"), ENOENT, "chdir to a missing name");
	tap_check(access("d2/g", F_OK) == 0 && access("d2/g", R_OK | W_OK) == 0 &&
			  access("d2", X_OK) == 0,
		  "access F_OK, R_OK|W_OK, X_OK");
	EXPECT_ERR(access("d2/missing", F_OK), ENOENT, "access a missing name");
	unlink("d2/g");
	rmdir("d2");
}

/* ---- big and sparse files, durability calls (9 checks) ------------------ */

#define BIG_SIZE (300 * 1024) /* beyond 12 + 256 blocks of 1 KiB: double indirect */
#define SPARSE_AT (70L << 20) /* beyond 64 MiB + 268 KiB: triple indirect at 1 KiB */

static char big[BIG_SIZE], big_back[BIG_SIZE];

static void test_big(void)
{
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (char)(i * 2654435761u >> 13);
	tap_eq(write_file("big", big, sizeof big), 0, "write a 300 KiB file");
	tap_check(read_file("big", big_back, sizeof big_back) == BIG_SIZE &&
			  !memcmp(big, big_back, sizeof big),
		  "it reads back byte-exact");
	int fd = open("sparse", O_RDWR | O_CREAT | O_TRUNC, 0644);
	tap_eq(pwrite(fd, big, 4096, SPARSE_AT), 4096, "pwrite 4 KiB at 70 MiB");
	tap_eq(fsync(fd), 0, "fsync");
	close(fd);
	struct stat st = { 0 };
	stat("sparse", &st);
	tap_check(st.st_size == SPARSE_AT + 4096 && st.st_blocks > 0 && st.st_blocks <= 64,
		  "size 70 MiB + 4 KiB, only a few blocks (%ld)", (long)st.st_blocks);
	fd = open("sparse", O_RDONLY);
	memset(big_back, 1, 8192);
	bool zeros = pread(fd, big_back, 4096, 1 << 20) == 4096 &&
		     pread(fd, big_back + 4096, 4096, SPARSE_AT - 4096) == 4096;
	for (int i = 0; i < 8192; i++)
		zeros &= big_back[i] == 0;
	tap_check(zeros, "the holes read as zeros");
	tap_check(pread(fd, big_back, 4096, SPARSE_AT) == 4096 && !memcmp(big, big_back, 4096),
		  "the data at 70 MiB reads back exactly");
	close(fd);
	errno = 0;
	sync();
	tap_eq(errno, 0, "sync");
	EXPECT_ERR(fsync(fd), EBADF, "fsync a closed fd");
	unlink("big");
	unlink("sparse");
}

/* ---- the shell and the utilities (13 checks) ----------------------------- */

static void test_shell(void)
{
	const char *cd = "cd " DIR_TEST "; ";
	char cmd[256];
#define SH(c) (snprintf(cmd, sizeof cmd, "%s%s", cd, c), run_sh(cmd))
	tap_eq(SH("echo hello > s1"), 0, "sh: echo > file");
	file_is("s1", "hello\n", "> wrote the file");
	SH("echo more >> s1");
	file_is("s1", "hello\nmore\n", ">> appended");
	SH("echo x > s1x; echo y > s1x");
	file_is("s1x", "y\n", "> truncates");
	SH("cat < s1 > s2");
	file_is("s2", "hello\nmore\n", "< and > together");
	tap_eq(SH("cat missing 2> s3"), 1, "cat of a missing file fails with 1");
	file_is("s3", "cat: missing: No such file or directory\n", "2> caught its error");
	SH("wc < s1 > s4");
	file_is("s4", "2 2 11\n", "wc counts lines, words, bytes");
	SH("mkdir -p u/v/w; touch u/v/w/f; ls u/v/w > s5");
	file_is("s5", "f\n", "mkdir -p, touch, ls");
	SH("cp s1 u; mv u/s1 u/s9; ls u > s6");
	file_is("s6", "s9\nv\n", "cp into a directory, mv");
	SH("rm -r u; ls u 2> s7");
	file_is("s7", "ls: u: No such file or directory\n", "rm -r removed the tree");
	SH("grep -c more s1 > s8; grep zzz s1; echo $? >> s8; head -n 1 s1 >> s8");
	file_is("s8", "1\n1\nhello\n", "grep -c, grep's status 1, head -n");
	SH("cd /; cd; cd " DIR_TEST "; cd missing 2> s9");
	file_is("s9", "sh: cd: missing: No such file or directory\n", "cd reports a missing directory");
#undef SH
	for (const char *f = "s1\0s1x\0s2\0s3\0s4\0s5\0s6\0s7\0s8\0s9\0"; *f; f += strlen(f) + 1)
		unlink(f);
}

/* ---- main ------------------------------------------------------------------ */

int main(void)
{
	tap_plan(FS_PLAN);
	unsigned fds = fsu_open_fds();
	errno = 0;
	tap_check(mkdir("/tmp", 0755) == 0 || errno == EEXIST, "/tmp exists");
	remove_tree(DIR_TEST); /* left by an earlier boot on the same disk */
	fsu_touch_image();
	long used = fsu_frames_in_use(false);
	tap_eq(mkdir(DIR_TEST, 0755), 0, "mkdir " DIR_TEST);
	tap_eq(chdir(DIR_TEST), 0, "chdir there");
	test_open();
	test_rw();
	test_stat();
	test_links();
	test_rename();
	test_dirs();
	test_many();
	test_cwd();
	test_big();
	test_shell();
	chdir("/");
	tap_eq(rmdir(DIR_TEST), 0, "the test directory is empty at the end");
	fsu_check_all_back(used, fds, false);
	return tap_done();
}
