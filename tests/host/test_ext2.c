/*
 * test_ext2.c - host tests of the ext2 library (servers/fs/ext2*.c) with
 * e2fsprogs as the oracle: images made by mke2fs -d from a generated tree
 * are read and compared with the tree, changed, then checked by e2fsck -fn
 * and read back with debugfs. Also: full disk, and the restart contract.
 */
#define _GNU_SOURCE
#include "check.h"
#include "fs/ext2.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../guest/rng.h"

static char tmp[256];

/* ---- an image in memory, optionally answering -EAGAIN once per block ---- */

struct img {
	uint8_t *data;
	size_t size;
	uint32_t bs, nblocks, now, call;
	bool eagain, changed, strict;
	uint8_t *seen;  /* eagain: block read once already */
	uint32_t *gen;  /* call that last got the block */
	unsigned late_gets;
};

static void *io_get(void *ctx, uint32_t blk, int *err)
{
	struct img *im = ctx;
	if (blk >= im->nblocks) {
		*err = -EIO;
		return NULL;
	}
	if (im->eagain && !im->seen[blk]) {
		im->seen[blk] = 1;
		*err = -EAGAIN;
		return NULL;
	}
	if (im->strict && im->changed && im->gen[blk] != im->call)
		im->late_gets++; /* a read after the call started changing things */
	im->gen[blk] = im->call;
	return im->data + (size_t)blk * im->bs;
}

static void *io_get_new(void *ctx, uint32_t blk)
{
	struct img *im = ctx;
	if (blk >= im->nblocks)
		abort();
	im->seen[blk] = 1;
	im->gen[blk] = im->call;
	memset(im->data + (size_t)blk * im->bs, 0, im->bs);
	return im->data + (size_t)blk * im->bs;
}

static void io_dirty(void *ctx, uint32_t blk)
{
	struct img *im = ctx;
	if (blk >= im->nblocks)
		abort();
	im->changed = true;
}

static void io_forget(void *ctx, uint32_t blk)
{
	struct img *im = ctx;
	if (blk < im->nblocks && im->eagain)
		im->seen[blk] = 0;
}

static uint32_t io_now(void *ctx) { return ((struct img *)ctx)->now; }

static int run(const char *fmt, const char *a, const char *b)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, fmt, a, b);
	int r = system(cmd);
	return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

static void img_load(struct img *im, struct ext2_io *io, const char *path)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st))
		abort();
	memset(im, 0, sizeof *im);
	im->size = (size_t)st.st_size;
	im->data = malloc(im->size);
	if (!im->data || read(fd, im->data, im->size) != (ssize_t)im->size)
		abort();
	close(fd);
	uint32_t log;
	memcpy(&log, im->data + 1024 + 24, 4);
	im->bs = 1024u << log;
	im->nblocks = (uint32_t)(im->size / im->bs);
	im->seen = calloc(im->nblocks, 1);
	im->gen = calloc(im->nblocks, 4);
	im->now = 1700000000;
	*io = (struct ext2_io){ im, io_get, io_get_new, io_dirty, io_forget, io_now };
}

static void img_save(struct img *im, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, im->data, im->size) != (ssize_t)im->size)
		abort();
	close(fd);
}

static void img_free(struct img *im)
{
	free(im->data);
	free(im->seen);
	free(im->gen);
}

static int do_mount(struct ext2_fs *fs, struct img *im, const struct ext2_io *io)
{
	char why[128];
	int r = ext2_mount(fs, io, im->data + 1024, why, sizeof why);
	if (r)
		fprintf(stderr, "mount: %s\n", why);
	return r;
}

/* Run one library call until it stops asking for a retry. A call that is
 * not stepwise (truncate, inode_free, rmdir) must change nothing when it
 * answers -EAGAIN. */
static int retries;
static void call_begin(struct img *im)
{
	im->call++;
	im->changed = false;
}
static void call_end(struct img *im, int r, bool stepwise)
{
	if (r == -EAGAIN) {
		retries++;
		if (im->changed && !stepwise) {
			fprintf(stderr, "call changed the image and answered -EAGAIN\n");
			check_failures++;
		}
	}
	if (!stepwise && im->late_gets) {
		fprintf(stderr, "call read a new block after changing the image\n");
		check_failures++;
	}
	im->late_gets = 0;
}
#define CALL(im, stepwise, expr)                                  \
	({                                                        \
		int r_;                                           \
		do {                                              \
			call_begin(im);                           \
			r_ = (expr);                              \
			call_end(im, r_, stepwise);               \
		} while (r_ == -EAGAIN);                          \
		r_;                                               \
	})

/* ---- file helpers over the library --------------------------------------- */

static int fs_write(struct ext2_fs *fs, struct img *im, uint32_t ino, uint64_t off,
		    const uint8_t *buf, size_t len)
{
	while (len) {
		uint32_t fblk = (uint32_t)(off / im->bs), at = off % im->bs, pblk;
		size_t n = im->bs - at < len ? im->bs - at : len;
		uint32_t before;
		int r = CALL(im, false, ext2_bmap(fs, ino, fblk, false, &before));
		if (!r)
			r = CALL(im, false, ext2_bmap(fs, ino, fblk, true, &pblk));
		if (r)
			return r;
		/* A new data block's bytes are the caller's (a page cache), as
		 * ext2.h says: this test's "cache" is the image, zeroed here. */
		if (!before)
			memset(im->data + (size_t)pblk * im->bs, 0, im->bs);
		memcpy(im->data + (size_t)pblk * im->bs + at, buf, n);
		struct ext2_inode *in;
		r = CALL(im, false, ext2_inode_get(fs, ino, &in));
		if (r)
			return r;
		if (off + n > ext2_inode_size(in) &&
		    (r = CALL(im, false, ext2_set_size(fs, ino, off + n))))
			return r;
		off += n;
		buf += n;
		len -= n;
	}
	return 0;
}

static int fs_read(struct ext2_fs *fs, struct img *im, uint32_t ino, uint8_t *buf, size_t len)
{
	for (size_t off = 0; off < len; off += im->bs) {
		uint32_t pblk;
		int r = CALL(im, false, ext2_bmap(fs, ino, (uint32_t)(off / im->bs), false, &pblk));
		if (r)
			return r;
		size_t n = len - off < im->bs ? len - off : im->bs;
		if (pblk)
			memcpy(buf + off, im->data + (size_t)pblk * im->bs, n);
		else
			memset(buf + off, 0, n);
	}
	return 0;
}

static uint32_t walk(struct ext2_fs *fs, struct img *im, const char *path)
{
	uint32_t ino = EXT2_ROOT_INO;
	while (*path) {
		while (*path == '/')
			path++;
		size_t n = strcspn(path, "/");
		if (!n)
			break;
		if (CALL(im, false, ext2_lookup(fs, ino, path, (unsigned)n, &ino)))
			return 0;
		path += n;
	}
	return ino;
}

static uint32_t lookup_in(struct ext2_fs *fs, struct img *im, uint32_t dir, const char *name)
{
	uint32_t ino = 0;
	if (CALL(im, false, ext2_lookup(fs, dir, name, (unsigned)strlen(name), &ino)))
		return 0;
	return ino;
}

/* Free counts in superblock and descriptors must equal the bitmaps. */
static void check_counts(struct img *im)
{
	const uint8_t *sb = im->data + 1024;
	uint32_t v[8];
	memcpy(v, sb, 32); /* inodes, blocks, r_blocks, free_b, free_i, first_data, log, logf */
	uint32_t bpg, ipg;
	memcpy(&bpg, sb + 32, 4);
	memcpy(&ipg, sb + 40, 4);
	uint32_t groups = (v[1] - v[5] + bpg - 1) / bpg, fb = 0, fi = 0;
	const uint8_t *gdt = im->data + (size_t)(v[5] + 1) * im->bs;
	for (uint32_t g = 0; g < groups; g++) {
		const uint8_t *gd = gdt + 32 * g;
		uint32_t bb, ib, nb = v[1] - v[5] - g * bpg, gf = 0, gi = 0;
		if (nb > bpg)
			nb = bpg;
		memcpy(&bb, gd, 4);
		memcpy(&ib, gd + 4, 4);
		for (uint32_t i = 0; i < nb; i++)
			gf += !(im->data[(size_t)bb * im->bs + i / 8] & (1 << (i % 8)));
		for (uint32_t i = 0; i < ipg; i++)
			gi += !(im->data[(size_t)ib * im->bs + i / 8] & (1 << (i % 8)));
		uint16_t cf, ci;
		memcpy(&cf, gd + 12, 2);
		memcpy(&ci, gd + 14, 2);
		CHECK_EQ(cf, gf);
		CHECK_EQ(ci, gi);
		fb += gf;
		fi += gi;
	}
	CHECK_EQ(v[3], fb);
	CHECK_EQ(v[4], fi);
}

static int fsck(const char *img)
{
	return run("e2fsck -fn %s >%s.fsck 2>&1", img, img);
}

/* ---- the source tree ------------------------------------------------------ */

static void put_file(const char *path, const uint8_t *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		abort();
	close(fd);
}

static void make_tree(const char *src)
{
	char p[512];
	static uint8_t buf[300 * 1024 + 7];
	rng_state = 12345;
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)rng();
	mkdir(src, 0755);
	static const size_t sizes[] = { 0, 1, 1023, 1024, 1025, 12 * 1024 + 1, sizeof buf };
	for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		snprintf(p, sizeof p, "%s/f%zu", src, sizes[i]);
		put_file(p, buf + i, sizes[i] - (sizes[i] == sizeof buf ? i : 0));
	}
	snprintf(p, sizeof p, "%s/hello.txt", src);
	put_file(p, (const uint8_t *)"hello world\n", 12);
	snprintf(p, sizeof p, "%s/sub", src);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/sub/deep", src);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/sub/deep/x.txt", src);
	put_file(p, (const uint8_t *)"deep\n", 5);
	snprintf(p, sizeof p, "%s/big", src);
	mkdir(p, 0755);
	for (int i = 0; i < 3000; i++) {
		char c[32];
		int n = snprintf(c, sizeof c, "content %d\n", i);
		snprintf(p, sizeof p, "%s/big/file_%04d", src, i);
		put_file(p, (const uint8_t *)c, (size_t)n);
	}
	snprintf(p, sizeof p, "%s/link", src);
	if (symlink("hello.txt", p))
		abort();
	/* 70 MiB, mostly holes: at 1 KiB blocks its tail needs the triple
	 * indirect tree. */
	snprintf(p, sizeof p, "%s/sparse", src);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, 70 << 20) || pwrite(fd, buf, 5000, 0) != 5000 ||
	    pwrite(fd, buf, 5000, 5 << 20) != 5000 || pwrite(fd, buf, 3000, 69 << 20) != 3000)
		abort();
	close(fd);
}

/* Every directory and file of the image equals the host tree at path. */
static void compare_tree(struct ext2_fs *fs, struct img *im, uint32_t dir, const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	unsigned host = 0, ours = 0;
	struct ext2_dirent de;
	uint64_t pos = 0;
	int r;
	while ((r = CALL(im, false, ext2_readdir(fs, dir, &pos, &de))) == 1)
		ours += strcmp(de.name, ".") && strcmp(de.name, "..") &&
			(dir != EXT2_ROOT_INO || strcmp(de.name, "lost+found"));
	CHECK_EQ(r, 0);
	while (d && (e = readdir(d))) {
		char p[600];
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (dir == EXT2_ROOT_INO && !strcmp(e->d_name, "lost+found"))
			continue;
		host++;
		snprintf(p, sizeof p, "%s/%s", path, e->d_name);
		uint32_t ino = lookup_in(fs, im, dir, e->d_name);
		CHECK(ino != 0);
		if (!ino || lstat(p, &st))
			continue;
		struct ext2_inode *in;
		CHECK_EQ(CALL(im, false, ext2_inode_get(fs, ino, &in)), 0);
		CHECK_EQ(in->i_mode & EXT2_S_IFMT, st.st_mode & S_IFMT);
		if (S_ISDIR(st.st_mode)) {
			compare_tree(fs, im, ino, p);
		} else if (S_ISREG(st.st_mode)) {
			CHECK_EQ(ext2_inode_size(in), st.st_size);
			uint8_t *a = malloc((size_t)st.st_size + 1), *b = malloc((size_t)st.st_size + 1);
			int fd = open(p, O_RDONLY);
			CHECK(read(fd, a, (size_t)st.st_size) == st.st_size);
			close(fd);
			CHECK_EQ(fs_read(fs, im, ino, b, (size_t)st.st_size), 0);
			CHECK(memcmp(a, b, (size_t)st.st_size) == 0);
			free(a);
			free(b);
		}
	}
	if (d)
		closedir(d);
	CHECK_EQ(ours, host);
}

/* debugfs reads path from the image; it must equal want. */
static void check_debugfs(const char *img, const char *path, const uint8_t *want, size_t len)
{
	char cmd[700], out[300];
	snprintf(out, sizeof out, "%s/dump.out", tmp);
	unlink(out);
	snprintf(cmd, sizeof cmd, "debugfs -R 'dump %s %s' %s >/dev/null 2>&1", path, out, img);
	CHECK_EQ(system(cmd), 0);
	FILE *f = fopen(out, "rb");
	CHECK(f != NULL);
	if (!f)
		return;
	uint8_t *got = malloc(len + 1);
	size_t n = fread(got, 1, len + 1, f);
	fclose(f);
	CHECK_EQ(n, len);
	CHECK(n == len && memcmp(got, want, len) == 0);
	free(got);
}

static uint32_t create(struct ext2_fs *fs, struct img *im, uint32_t dir, const char *name)
{
	uint32_t ino = 0;
	CHECK_EQ(CALL(im, false, ext2_create(fs, dir, name, (unsigned)strlen(name), 0644, &ino)), 0);
	return ino;
}

static int unlink_free(struct ext2_fs *fs, struct img *im, uint32_t dir, const char *name)
{
	uint32_t ino, left;
	int r = CALL(im, false, ext2_unlink(fs, dir, name, (unsigned)strlen(name), &ino, &left));
	if (r == 0 && left == 0)
		r = CALL(im, true, ext2_inode_free(fs, ino));
	return r;
}

static void check_errors(struct ext2_fs *fs, struct img *im)
{
	uint32_t ino, x, y;
	char longname[300];
	memset(longname, 'a', sizeof longname);
	uint32_t sub = walk(fs, im, "/sub"), hello = walk(fs, im, "/hello.txt");
	CHECK_EQ(CALL(im, false, ext2_create(fs, EXT2_ROOT_INO, "sub", 3, 0644, &ino)), -EEXIST);
	CHECK_EQ(CALL(im, false, ext2_lookup(fs, EXT2_ROOT_INO, "nope", 4, &ino)), -ENOENT);
	CHECK_EQ(CALL(im, false, ext2_lookup(fs, hello, "x", 1, &ino)), -ENOTDIR);
	CHECK_EQ(CALL(im, false, ext2_lookup(fs, EXT2_ROOT_INO, longname, 256, &ino)), -ENAMETOOLONG);
	CHECK_EQ(CALL(im, false, ext2_unlink(fs, EXT2_ROOT_INO, "sub", 3, &x, &y)), -EISDIR);
	CHECK_EQ(CALL(im, false, ext2_rmdir(fs, EXT2_ROOT_INO, "hello.txt", 9)), -ENOTDIR);
	CHECK_EQ(CALL(im, false, ext2_rmdir(fs, EXT2_ROOT_INO, "sub", 3)), -ENOTEMPTY);
	CHECK_EQ(CALL(im, false, ext2_link(fs, EXT2_ROOT_INO, "s2", 2, sub)), -EPERM);
	CHECK_EQ(CALL(im, false, ext2_rename(fs, EXT2_ROOT_INO, "sub", 3, walk(fs, im, "/sub/deep"),
					     "s", 1, &x, &y)), -EINVAL);
	CHECK_EQ(CALL(im, false, ext2_rename(fs, EXT2_ROOT_INO, "sub", 3, EXT2_ROOT_INO,
					     "hello.txt", 9, &x, &y)), -ENOTDIR);
	CHECK_EQ(CALL(im, false, ext2_rename(fs, EXT2_ROOT_INO, "hello.txt", 9, EXT2_ROOT_INO,
					     "sub", 3, &x, &y)), -EISDIR);
	CHECK_EQ(CALL(im, false, ext2_inode_get(fs, 0, (struct ext2_inode **)&longname)), -EIO);
}

/* Changes through every call, then e2fsck and debugfs judge the image. */
static void change_image(struct ext2_fs *fs, struct img *im, const char *path)
{
	static uint8_t data[300 * 1024];
	uint32_t big = walk(fs, im, "/big"), ino, x, y;
	char name[64];
	rng_state = 777;
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)rng();
	check_errors(fs, im);
	/* The indexed directory: unlink, create, rename inside and out. */
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "file_%04d", i);
		CHECK_EQ(unlink_free(fs, im, big, name), 0);
	}
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof name, "new_%d", i);
		ino = create(fs, im, big, name);
		CHECK_EQ(fs_write(fs, im, ino, 0, data + i, 100 + (size_t)i), 0);
	}
	for (int i = 1000; i < 1100; i++) {
		char to[64];
		snprintf(name, sizeof name, "file_%04d", i);
		snprintf(to, sizeof to, "renamed_%d", i);
		CHECK_EQ(CALL(im, false, ext2_rename(fs, big, name, 9, big, to, (unsigned)strlen(to), &x, &y)), 0);
		CHECK_EQ(x, 0);
	}
	CHECK_EQ(CALL(im, false, ext2_rename(fs, big, "file_1100", 9, EXT2_ROOT_INO, "moved", 5, &x, &y)), 0);
	CHECK_EQ(lookup_in(fs, im, big, "file_1100"), 0);
	/* Directories: mkdir, move a directory (its ".." follows), rmdir. */
	uint32_t d1, d2, f;
	CHECK_EQ(CALL(im, false, ext2_mkdir(fs, EXT2_ROOT_INO, "d1", 2, 0755, &d1)), 0);
	CHECK_EQ(CALL(im, false, ext2_mkdir(fs, d1, "d2", 2, 0755, &d2)), 0);
	f = create(fs, im, d2, "f");
	CHECK_EQ(fs_write(fs, im, f, 0, (const uint8_t *)"in d2\n", 6), 0);
	CHECK_EQ(CALL(im, false, ext2_rename(fs, d1, "d2", 2, EXT2_ROOT_INO, "d2moved", 7, &x, &y)), 0);
	CHECK_EQ(lookup_in(fs, im, d2, ".."), EXT2_ROOT_INO);
	CHECK_EQ(CALL(im, false, ext2_rmdir(fs, EXT2_ROOT_INO, "d1", 2)), 0);
	CHECK_EQ(CALL(im, false, ext2_rmdir(fs, EXT2_ROOT_INO, "d2moved", 7)), -ENOTEMPTY);
	/* A directory that grew to many blocks, emptied and removed. */
	uint32_t many;
	CHECK_EQ(CALL(im, false, ext2_mkdir(fs, EXT2_ROOT_INO, "many", 4, 0755, &many)), 0);
	for (int i = 0; i < 1500; i++) {
		snprintf(name, sizeof name, "a_rather_long_name_to_fill_blocks_%d", i);
		create(fs, im, many, name);
	}
	struct ext2_inode *in;
	CHECK_EQ(CALL(im, false, ext2_inode_get(fs, many, &in)), 0);
	CHECK(in->i_size > 12 * im->bs); /* it needed an indirect block */
	for (int i = 0; i < 1500; i++) {
		snprintf(name, sizeof name, "a_rather_long_name_to_fill_blocks_%d", i);
		CHECK_EQ(unlink_free(fs, im, many, name), 0);
	}
	CHECK_EQ(CALL(im, true, ext2_rmdir(fs, EXT2_ROOT_INO, "many", 4)), 0);
	/* Links, and rename over an existing file. */
	CHECK_EQ(CALL(im, false, ext2_link(fs, big, "hello_link", 10, walk(fs, im, "/hello.txt"))), 0);
	CHECK_EQ(unlink_free(fs, im, EXT2_ROOT_INO, "hello.txt"), 0);
	CHECK_EQ(CALL(im, false, ext2_rename(fs, EXT2_ROOT_INO, "f1024", 5, EXT2_ROOT_INO, "f1025", 5, &x, &y)), 0);
	CHECK(x != 0);
	CHECK_EQ(y, 0);
	CHECK_EQ(CALL(im, true, ext2_inode_free(fs, x)), 0);
	/* A new sequential file is contiguous (indirect blocks in line). */
	ino = create(fs, im, EXT2_ROOT_INO, "seq");
	CHECK_EQ(fs_write(fs, im, ino, 0, data, sizeof data), 0);
	uint32_t prev = 0, jumps = 0, pblk;
	for (uint32_t b = 0; b < sizeof data / im->bs; b++) {
		CHECK_EQ(CALL(im, false, ext2_bmap(fs, ino, b, false, &pblk)), 0);
		if (prev && pblk != prev + 1 && getenv("E2DBG"))
			fprintf(stderr, "jump %u: %u -> %u\n", b, prev, pblk);
		jumps += prev && pblk != prev + 1;
		prev = pblk;
	}
	/* Free space here is fragmented by the deletions above: a few small
	 * skips only (test_full checks the exact layout on a fresh disk). */
	CHECK(jumps <= 10);
	/* The sparse file: shrink into the single indirect range, write past
	 * the double indirect range again, then truncate a copy to 0. */
	uint32_t sp = walk(fs, im, "/sparse");
	CHECK_EQ(CALL(im, true, ext2_truncate(fs, sp, 100 * 1024 + 5)), 0);
	CHECK_EQ(fs_write(fs, im, sp, (66u << 20) + 17, data, 70000), 0);
	uint32_t f300 = walk(fs, im, "/f307207");
	CHECK_EQ(CALL(im, true, ext2_truncate(fs, f300, 0)), 0);
	CHECK_EQ(CALL(im, false, ext2_inode_get(fs, f300, &in)), 0);
	CHECK_EQ(in->i_blocks, 0);
	CHECK_EQ(fs_write(fs, im, f300, 5000, data, 10), 0);
	CHECK_EQ(CALL(im, false, ext2_sync_super(fs)), 0);
	CHECK_EQ(CALL(im, false, ext2_unmount(fs)), 0);
	img_save(im, path);
	check_counts(im);
	CHECK_EQ(fsck(path), 0);
	/* debugfs reads what we wrote. */
	check_debugfs(path, "/big/new_499", data + 499, 599);
	check_debugfs(path, "/big/hello_link", (const uint8_t *)"hello world\n", 12);
	check_debugfs(path, "/d2moved/f", (const uint8_t *)"in d2\n", 6);
	check_debugfs(path, "/seq", data, sizeof data);
	static uint8_t want[5010];
	memset(want, 0, sizeof want);
	memcpy(want + 5000, data, 10);
	check_debugfs(path, "/f307207", want, sizeof want);
	uint8_t *sparse = calloc(1, (66u << 20) + 17 + 70000);
	char srcp[300]; /* the source's first 100 KiB + 5 stay */
	snprintf(srcp, sizeof srcp, "%s/src/sparse", tmp);
	int fd = open(srcp, O_RDONLY);
	CHECK(read(fd, sparse, 100 * 1024 + 5) == 100 * 1024 + 5);
	close(fd);
	memcpy(sparse + (66u << 20) + 17, data, 70000);
	check_debugfs(path, "/sparse", sparse, (66u << 20) + 17 + 70000);
	free(sparse);
}

static void test_image(uint32_t bs)
{
	char img[300], src[300], bsz[16];
	struct img im;
	struct ext2_io io;
	struct ext2_fs fs;
	snprintf(img, sizeof img, "%s/img%u", tmp, bs);
	snprintf(src, sizeof src, "%s/src", tmp);
	snprintf(bsz, sizeof bsz, "%u", bs);
	char cmd[2400];
	snprintf(cmd, sizeof cmd, "mke2fs -q -F -t ext2 -b %s -d %s %s 100M >/dev/null && e2fsck -fyD %s >/dev/null 2>&1; e2fsck -fn %s >/dev/null 2>&1",
		 bsz, src, img, img, img);
	CHECK_EQ(WEXITSTATUS(system(cmd)), 0);
	img_load(&im, &io, img);
	CHECK_EQ(do_mount(&fs, &im, &io), 0);
	CHECK_EQ(fs.block_size, bs);
	struct ext2_inode *in;
	CHECK_EQ(ext2_inode_get(&fs, walk(&fs, &im, "/big"), &in), 0);
	CHECK(in->i_flags & 0x1000); /* e2fsck -D indexed it */
	compare_tree(&fs, &im, EXT2_ROOT_INO, src);
	change_image(&fs, &im, img);
	img_free(&im);
}

/* Fill a small disk until -ENOSPC: the image stays consistent, and
 * removing everything gives the free counts back exactly. */
static void test_full(void)
{
	char img[300];
	struct img im;
	struct ext2_io io;
	struct ext2_fs fs;
	static uint8_t data[90 * 1024];
	snprintf(img, sizeof img, "%s/full", tmp);
	CHECK_EQ(run("mke2fs -q -F -t ext2 -b 1024 -N 64 %s 600K >/dev/null%s", img, ""), 0);
	img_load(&im, &io, img);
	CHECK_EQ(do_mount(&fs, &im, &io), 0);
	uint32_t free_b = fs.free_blocks, free_i = fs.free_inodes, ino, pblk, prev = 0, jumps = 0;
	/* On a fresh disk a sequential file is one run, broken only by its
	 * indirect block (between file blocks 11 and 12). */
	ino = create(&fs, &im, EXT2_ROOT_INO, "seq");
	CHECK_EQ(fs_write(&fs, &im, ino, 0, data, sizeof data), 0);
	for (uint32_t b = 0; b < sizeof data / 1024; b++) {
		CHECK_EQ(CALL(&im, false, ext2_bmap(&fs, ino, b, false, &pblk)), 0);
		jumps += prev && pblk != prev + 1 + (b == 12);
		prev = pblk;
	}
	CHECK_EQ(jumps, 0);
	CHECK_EQ(unlink_free(&fs, &im, EXT2_ROOT_INO, "seq"), 0);
	CHECK_EQ(fs.free_blocks, free_b);
	int r = 0, files = 0;
	char name[32];
	while (r == 0) {
		snprintf(name, sizeof name, "f%d", files);
		r = CALL(&im, false, ext2_create(&fs, EXT2_ROOT_INO, name, (unsigned)strlen(name), 0644, &ino));
		if (r == 0) {
			files++;
			r = fs_write(&fs, &im, ino, 0, data, files % 3 ? 7000 : sizeof data);
		}
	}
	CHECK_EQ(r, -ENOSPC);
	CHECK_EQ(fs.free_blocks, 0);
	CHECK_EQ(CALL(&im, false, ext2_mkdir(&fs, EXT2_ROOT_INO, "dd", 2, 0755, &ino)), -ENOSPC);
	CHECK_EQ(CALL(&im, false, ext2_unmount(&fs)), 0);
	img_save(&im, img);
	check_counts(&im);
	CHECK_EQ(fsck(img), 0);
	CHECK_EQ(do_mount(&fs, &im, &io), 0);
	for (int i = 0; i < files; i++) {
		snprintf(name, sizeof name, "f%d", i);
		CHECK_EQ(unlink_free(&fs, &im, EXT2_ROOT_INO, name), 0);
	}
	CHECK_EQ(fs.free_blocks, free_b);
	CHECK_EQ(fs.free_inodes, free_i);
	/* Inodes run out too. */
	for (r = 0, files = 0; r == 0; files++) {
		snprintf(name, sizeof name, "i%d", files);
		r = CALL(&im, false, ext2_create(&fs, EXT2_ROOT_INO, name, (unsigned)strlen(name), 0644, &ino));
	}
	CHECK_EQ(r, -ENOSPC);
	CHECK_EQ(fs.free_inodes, 0);
	CHECK_EQ(CALL(&im, false, ext2_unmount(&fs)), 0);
	img_save(&im, img);
	check_counts(&im);
	CHECK_EQ(fsck(img), 0);
	img_free(&im);
}

/* The restart contract: the same random operations over a plain io and
 * over one that answers -EAGAIN to the first read of every block end in
 * byte-identical images (and each call's answers agree). */
struct op_state {
	uint32_t dirs[64];
	unsigned ndirs;
};

static int random_op(struct ext2_fs *fs, struct img *im, struct op_state *st, uint64_t r1,
		     uint64_t r2, const uint8_t *data)
{
	char name[16], name2[16];
	uint32_t dir = st->dirs[r1 % st->ndirs], dir2 = st->dirs[(r1 >> 8) % st->ndirs];
	uint32_t ino, x, y;
	unsigned n = (unsigned)snprintf(name, sizeof name, "n%u", (unsigned)(r2 % 48));
	unsigned n2 = (unsigned)snprintf(name2, sizeof name2, "n%u", (unsigned)((r2 >> 8) % 48));
	switch ((r1 >> 16) % 10) {
	case 0:
	case 1:
		return CALL(im, false, ext2_create(fs, dir, name, n, 0644, &ino));
	case 2:
	case 3: {
		int r = CALL(im, false, ext2_lookup(fs, dir, name, n, &ino));
		struct ext2_inode *in;
		if (r || (r = CALL(im, false, ext2_inode_get(fs, ino, &in))))
			return r;
		if ((in->i_mode & EXT2_S_IFMT) != EXT2_S_IFREG)
			return -EISDIR;
		uint64_t off = (r2 >> 16) % (400 * 1024);
		return fs_write(fs, im, ino, off, data + (r2 >> 40) % 1000, (r2 >> 24) % 30000);
	}
	case 4: {
		int r = CALL(im, false, ext2_lookup(fs, dir, name, n, &ino));
		return r ? r : CALL(im, true, ext2_truncate(fs, ino, (r2 >> 16) % (300 * 1024)));
	}
	case 5:
		return unlink_free(fs, im, dir, name);
	case 6: {
		int r = CALL(im, false, ext2_rename(fs, dir, name, n, dir2, name2, n2, &x, &y));
		if (r == 0 && x && y == 0)
			r = CALL(im, true, ext2_inode_free(fs, x));
		return r;
	}
	case 7: {
		int r = CALL(im, false, ext2_mkdir(fs, dir, name, n, 0755, &ino));
		if (r == 0 && st->ndirs < 64)
			st->dirs[st->ndirs++] = ino;
		return r;
	}
	case 8: {
		int r = CALL(im, false, ext2_lookup(fs, dir, name, n, &ino));
		if (r || (r = CALL(im, true, ext2_rmdir(fs, dir, name, n))))
			return r;
		for (unsigned i = 0; i < st->ndirs; i++)
			if (st->dirs[i] == ino)
				st->dirs[i] = st->dirs[--st->ndirs];
		return 0;
	}
	default: {
		int r = CALL(im, false, ext2_lookup(fs, dir, name, n, &ino));
		return r ? r : CALL(im, false, ext2_link(fs, dir2, name2, n2, ino));
	}
	}
}

static void test_restart(void)
{
	char src[300], img[300], cmd[2400];
	struct img a, b;
	struct ext2_io ioa, iob;
	struct ext2_fs fa, fb;
	static uint8_t data[40000];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	snprintf(src, sizeof src, "%s/src2", tmp);
	snprintf(img, sizeof img, "%s/restart", tmp);
	snprintf(cmd, sizeof cmd, "mkdir -p %s/d && for i in $(seq 1 300); do echo $i > %s/d/n$i; done && "
		 "mke2fs -q -F -t ext2 -b 1024 -d %s %s 8M >/dev/null && e2fsck -fyD %s >/dev/null 2>&1; e2fsck -fn %s >/dev/null 2>&1",
		 src, src, src, img, img, img);
	CHECK_EQ(WEXITSTATUS(system(cmd)), 0);
	img_load(&a, &ioa, img);
	img_load(&b, &iob, img);
	b.eagain = b.strict = true;
	CHECK_EQ(do_mount(&fa, &a, &ioa), 0);
	CHECK_EQ(do_mount(&fb, &b, &iob), 0);
	struct op_state sa = { { EXT2_ROOT_INO, walk(&fa, &a, "/d") }, 2 }, sb = sa;
	rng_state = 4242;
	unsigned ok = 0, differ = 0;
	retries = 0;
	for (int i = 0; i < 4000; i++) {
		uint64_t r1 = rng(), r2 = rng();
		a.now = b.now = 1700000000 + (uint32_t)i;
		int ra = random_op(&fa, &a, &sa, r1, r2, data);
		int rb = random_op(&fb, &b, &sb, r1, r2, data);
		differ += ra != rb;
		ok += ra == 0;
	}
	CHECK_EQ(differ, 0);
	CHECK(ok > 1000);
	CHECK(retries > 200);
	CHECK_EQ(CALL(&a, false, ext2_unmount(&fa)), 0);
	CHECK_EQ(CALL(&b, false, ext2_unmount(&fb)), 0);
	CHECK(memcmp(a.data, b.data, a.size) == 0);
	img_save(&a, img);
	check_counts(&a);
	CHECK_EQ(fsck(img), 0);
	img_free(&a);
	img_free(&b);
}

/* Mount refuses what it does not support, with one line. */
static void test_refuse(void)
{
	char img[300], why[128];
	struct img im;
	struct ext2_io io;
	struct ext2_fs fs;
	snprintf(img, sizeof img, "%s/ext4", tmp);
	CHECK_EQ(run("mke2fs -q -F -t ext4 %s 4M >/dev/null%s", img, ""), 0);
	img_load(&im, &io, img);
	CHECK_EQ(ext2_mount(&fs, &io, im.data + 1024, why, sizeof why), -EINVAL);
	CHECK(strncmp(why, "fs: unsupported", 15) == 0);
	im.data[1024 + 56] = 0;
	CHECK_EQ(ext2_mount(&fs, &io, im.data + 1024, why, sizeof why), -EINVAL);
	CHECK(strncmp(why, "fs: no ext2 magic", 17) == 0);
	img_free(&im);
}

int main(void)
{
	const char *path = getenv("PATH");
	char newpath[4096];
	snprintf(newpath, sizeof newpath, "/usr/sbin:/sbin:%s", path ? path : "/usr/bin:/bin");
	setenv("PATH", newpath, 1);
	snprintf(tmp, sizeof tmp, "/tmp/test_ext2.XXXXXX");
	if (!mkdtemp(tmp))
		return 1;
	char src[300];
	snprintf(src, sizeof src, "%s/src", tmp);
	make_tree(src);
	test_refuse();
	test_image(1024);
	test_image(4096);
	test_full();
	test_restart();
	if (!check_failures)
		run("rm -rf %s%s", tmp, "");
	else
		fprintf(stderr, "kept %s\n", tmp);
	return check_report("test_ext2");
}
