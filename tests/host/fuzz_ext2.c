/*
 * fuzz_ext2.c - host fuzzer of the ext2 library: flips random bytes in the
 * metadata of a small mke2fs image (seeded xorshift, so a failure replays
 * with the same seed and iteration) and runs every call on the result
 * under ASan/UBSan. Passing means no crash, no sanitizer report, no hang.
 */
#define _GNU_SOURCE
#include "check.h"
#include "fs/ext2.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../guest/rng.h"

#define IMG_BLOCKS 256
#define BS 1024

static uint8_t pristine[IMG_BLOCKS * BS], img[IMG_BLOCKS * BS];

static void *io_get(void *ctx, uint32_t blk, int *err)
{
	(void)ctx;
	if (blk >= IMG_BLOCKS) {
		*err = -EIO;
		return NULL;
	}
	return img + (size_t)blk * BS;
}

static void *io_get_new(void *ctx, uint32_t blk)
{
	(void)ctx;
	if (blk >= IMG_BLOCKS)
		abort(); /* the library must never allocate outside the disk */
	memset(img + (size_t)blk * BS, 0, BS);
	return img + (size_t)blk * BS;
}

static void io_dirty(void *ctx, uint32_t blk)
{
	(void)ctx;
	if (blk >= IMG_BLOCKS)
		abort();
}

static void io_forget(void *ctx, uint32_t blk) { (void)ctx, (void)blk; }
static uint32_t io_now(void *ctx) { return (void)ctx, 1700000000; }
static void quiet(const char *line) { (void)line; }

static const struct ext2_io io = { NULL, io_get, io_get_new, io_dirty, io_forget, io_now };

static void read_file(struct ext2_fs *fs, uint32_t ino)
{
	struct ext2_inode *in;
	if (ext2_inode_get(fs, ino, &in))
		return;
	uint64_t size = ext2_inode_size(in);
	for (uint32_t b = 0; b < 80 && (uint64_t)b * BS < size; b++) {
		uint32_t pblk;
		if (ext2_bmap(fs, ino, b, false, &pblk) == 0 && pblk)
			CHECK(pblk < IMG_BLOCKS);
	}
}

static unsigned walk(struct ext2_fs *fs, uint32_t dir, int depth, uint32_t *found)
{
	struct ext2_dirent d;
	uint64_t pos = 0;
	unsigned n = 0;
	for (int i = 0; i < 300 && ext2_readdir(fs, dir, &pos, &d) == 1; i++, n++) {
		uint32_t ino;
		struct ext2_inode *in;
		CHECK(d.name_len >= 1 && d.name[d.name_len] == 0);
		if (ext2_lookup(fs, dir, d.name, d.name_len, &ino) || ext2_inode_get(fs, ino, &in))
			continue;
		*found = ino;
		if ((in->i_mode & EXT2_S_IFMT) == EXT2_S_IFDIR && depth < 3 && d.name[0] != '.')
			n += walk(fs, ino, depth + 1, found);
		else
			read_file(fs, ino);
	}
	return n;
}

static void change(struct ext2_fs *fs, uint32_t found)
{
	uint32_t ino, d, x, y, pblk;
	if (ext2_create(fs, EXT2_ROOT_INO, "fz", 2, 0644, &ino) == 0) {
		ext2_bmap(fs, ino, 0, true, &pblk);
		ext2_bmap(fs, ino, 20, true, &pblk);
		ext2_bmap(fs, ino, 300, true, &pblk);
		ext2_set_size(fs, ino, 301 * BS);
		ext2_truncate(fs, ino, 5 * BS);
	}
	if (ext2_mkdir(fs, EXT2_ROOT_INO, "fd", 2, 0755, &d) == 0) {
		ext2_create(fs, d, "in", 2, 0644, &ino);
		ext2_rename(fs, EXT2_ROOT_INO, "fz", 2, d, "moved", 5, &x, &y);
		ext2_rename(fs, EXT2_ROOT_INO, "fd", 2, EXT2_ROOT_INO, "sub", 3, &x, &y);
	}
	if (found) {
		ext2_link(fs, EXT2_ROOT_INO, "lnk", 3, found);
		ext2_truncate(fs, found, 100);
		ext2_bmap(fs, found, 7, true, &pblk);
	}
	if (ext2_unlink(fs, EXT2_ROOT_INO, "f5000", 5, &ino, &y) == 0 && y == 0)
		ext2_inode_free(fs, ino);
	ext2_rmdir(fs, EXT2_ROOT_INO, "sub", 3);
	ext2_rmdir(fs, EXT2_ROOT_INO, "many", 4);
	ext2_unmount(fs);
}

static void flip(void)
{
	unsigned n = 1 + (unsigned)(rng() % 8);
	for (unsigned i = 0; i < n; i++) {
		uint64_t r = rng();
		size_t at = (r & 3) == 0 ? 1024 + (r >> 8) % 1024 /* superblock */
					 : 2 * BS + (r >> 8) % (62 * BS); /* GDT, bitmaps, inodes, dirs */
		img[at] ^= (uint8_t)(1u << ((r >> 40) & 7));
		if ((r >> 48) % 4 == 0)
			img[at] = (uint8_t)(r >> 56);
	}
}

static int make_image(void)
{
	char dir[] = "/tmp/fuzz_ext2.XXXXXX", cmd[1024];
	if (!mkdtemp(dir))
		return -1;
	snprintf(cmd, sizeof cmd,
		 "PATH=/usr/sbin:/sbin:$PATH; cd %s && mkdir -p src/sub src/many && "
		 "head -c 5000 /dev/zero | tr '\\0' x > src/f5000 && echo hi > src/hi && "
		 "head -c 20000 /dev/zero | tr '\\0' y > src/f20000 && ln -s hi src/ln && "
		 "for i in $(seq 1 60); do echo $i > src/many/a_long_name_for_entry_$i; done && "
		 "mke2fs -q -F -t ext2 -b 1024 -N 96 -d src img 256K >/dev/null 2>&1 && "
		 "e2fsck -fyD img >/dev/null 2>&1; e2fsck -fn img >/dev/null 2>&1",
		 dir);
	int r = system(cmd);
	snprintf(cmd, sizeof cmd, "%s/img", dir);
	FILE *f = fopen(cmd, "rb");
	size_t n = f ? fread(pristine, 1, sizeof pristine, f) : 0;
	if (f)
		fclose(f);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd)) {
	}
	return WIFEXITED(r) && WEXITSTATUS(r) == 0 && n == sizeof pristine ? 0 : -1;
}

int main(int argc, char **argv)
{
	unsigned iters = argc > 1 ? (unsigned)atoi(argv[1]) : 4000, mounted = 0, listed = 0;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x5eed;
	if (make_image()) {
		fprintf(stderr, "fuzz_ext2: mke2fs failed\n");
		return 1;
	}
	/* The pristine image works: the fuzzer tests something. */
	struct ext2_fs fs;
	char why[128];
	uint32_t found = 0;
	memcpy(img, pristine, sizeof img);
	CHECK_EQ(ext2_mount(&fs, &io, img + 1024, why, sizeof why), 0);
	CHECK(walk(&fs, EXT2_ROOT_INO, 0, &found) >= 60);
	for (unsigned it = 0; it < iters; it++) {
		rng_state = seed + it * 0x9E3779B97F4A7C15ull;
		if (!rng_state)
			rng_state = 1;
		memcpy(img, pristine, sizeof img);
		flip();
		if (ext2_mount(&fs, &io, img + 1024, why, sizeof why))
			continue;
		mounted++;
		fs.verbose = it & 1;
		fs.log = quiet;
		found = 0;
		listed += walk(&fs, EXT2_ROOT_INO, 0, &found) > 0;
		change(&fs, found);
	}
	CHECK(mounted > iters / 2);
	CHECK(listed > iters / 4);
	return check_report("fuzz_ext2");
}
