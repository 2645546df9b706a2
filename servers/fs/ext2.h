/*
 * ext2.h (servers/fs/) - a read-write ext2 (revision 1) file system as pure
 * logic: no I/O of its own, no allocation, no globals. It runs in the root
 * pager (over the page cache) and natively in host tests and fuzzers (over
 * an image in memory). Blocks are reached through struct ext2_io.
 * Invariants:
 *  - every on-disk number is a claim: a block number outside the data
 *    area, an inode number out of range, a directory entry whose length
 *    crosses its block, an indirect chain that loops, all give -EIO (and,
 *    with fs->verbose, one "fs: ..." line through fs->log), never a read
 *    outside a block;
 *  - restartable: any call may return -EAGAIN, meaning io->get started a
 *    read and the caller must run the same call again later. A call that
 *    changes the file system performs every io->get it needs before its
 *    first change, so -EAGAIN (or any other error) never leaves a half-done
 *    change; io->get_new never fails (the caller keeps a reserve);
 *  - a modified indexed (dir_index) directory loses EXT2_INDEX_FL: its
 *    htree blocks read as ordinary (empty) entries, so it stays valid for
 *    e2fsck as a linear directory;
 *  - an inode whose link count drops to 0 keeps its blocks until
 *    ext2_inode_free (the caller frees it when the last open file goes).
 */
#ifndef SERVERS_FS_EXT2_H
#define SERVERS_FS_EXT2_H

#include <stdbool.h>
#include <stdint.h>

#define EXT2_ROOT_INO 2
#define EXT2_NAME_MAX 255

/* File types (ext2 i_mode high bits, as S_IF* in sys/stat.h). */
#define EXT2_S_IFMT 0xF000
#define EXT2_S_IFREG 0x8000
#define EXT2_S_IFDIR 0x4000
#define EXT2_S_IFLNK 0xA000

/* The on-disk inode, first 128 bytes (revision 1 may store more per inode;
 * the rest is left as it is). */
struct ext2_inode {
	uint16_t i_mode, i_uid;
	uint32_t i_size, i_atime, i_ctime, i_mtime, i_dtime;
	uint16_t i_gid, i_links_count;
	uint32_t i_blocks; /* 512-byte units */
	uint32_t i_flags, i_osd1;
	uint32_t i_block[15]; /* 12 direct, indirect, double, triple */
	uint32_t i_generation, i_file_acl, i_size_high, i_faddr;
	uint8_t i_osd2[12];
};

/* Block access supplied by the user of the library. Pointers returned stay
 * valid until the current ext2_* call returns. */
struct ext2_io {
	void *ctx;
	/* Block blk (fs->block_size bytes) or NULL with *err = -EAGAIN (read
	 * started: retry the call later) or -EIO. */
	void *(*get)(void *ctx, uint32_t blk, int *err);
	/* Block blk zero-filled, its old contents not read; never fails. */
	void *(*get_new)(void *ctx, uint32_t blk);
	/* The block returned by get/get_new was changed: write it back later. */
	void (*dirty)(void *ctx, uint32_t blk);
	/* Block blk was freed: drop any cached copy without writing it. */
	void (*forget)(void *ctx, uint32_t blk);
	/* Seconds since the epoch, for inode times (may return 0). */
	uint32_t (*now)(void *ctx);
};

struct ext2_fs {
	const struct ext2_io *io;
	uint32_t block_size, inode_size, inodes_per_group, blocks_per_group;
	uint32_t groups, inodes_count, blocks_count, first_data_block, first_ino;
	uint32_t gdt_block; /* first block of the group descriptor table */
	uint32_t free_blocks, free_inodes; /* kept in step with the groups */
	uint32_t feat_compat, feat_incompat, feat_ro_compat;
	uint8_t sb[1024]; /* the superblock as on disk; written by ext2_sync_super */
	bool sb_dirty, readonly, verbose;
	void (*log)(const char *line); /* verbose "fs: ..." lines, may be NULL */
	uint32_t alloc_goal;           /* last block allocated: contiguity hint */
	uint16_t mount_state;          /* s_state found at mount, restored at unmount */
	uint32_t gdt_blocks, itb_per_group, reserved_gdt; /* derived at mount */
	/* Groups (below 256) whose descriptor's block locations were checked:
	 * only this code changes a descriptor after that, and never those. */
	uint64_t gd_checked[4];
};

/* One directory entry as ext2_readdir reports it. */
struct ext2_dirent {
	uint32_t ino;
	uint8_t type; /* EXT2_FT_*: 1 file, 2 dir, 7 symlink, 0 unknown */
	uint8_t name_len;
	char name[EXT2_NAME_MAX + 1]; /* NUL-terminated */
};

struct ext2_statfs {
	uint32_t block_size, blocks, free_blocks, inodes, free_inodes;
};

/* Mount from the superblock's 1024 bytes (device bytes 1024..2047, read
 * by the caller). Checks magic, revision, sizes and features: anything
 * not supported (an incompat feature other than filetype, a ro_compat
 * feature other than sparse_super and large_file) is refused with one
 * line in why (fs: ...) and -EINVAL. Group descriptors are read on
 * demand through io. */
int ext2_mount(struct ext2_fs *fs, const struct ext2_io *io, const uint8_t sb[1024],
	       char *why, unsigned why_size);
/* Right after ext2_mount: nothing is ever written (the device refuses
 * writes): the superblock keeps its state on disk, every call that would
 * change the file system fails with -EROFS, unmount writes nothing. */
void ext2_set_readonly(struct ext2_fs *fs);
/* Mark the superblock clean (s_state = valid) and write the counts back;
 * the caller then writes every dirty block. */
int ext2_unmount(struct ext2_fs *fs);
/* Copy the free counts into the superblock and group descriptors. */
int ext2_sync_super(struct ext2_fs *fs);
void ext2_statfs(const struct ext2_fs *fs, struct ext2_statfs *out);

/* The inode: a pointer into its cached inode-table block. Modify it, then
 * ext2_inode_dirty. -EIO for ino 0 or > inodes_count. */
int ext2_inode_get(struct ext2_fs *fs, uint32_t ino, struct ext2_inode **out);
int ext2_inode_dirty(struct ext2_fs *fs, uint32_t ino);
/* Where inode ino lives: its inode-table block and the byte offset in it
 * (checked: ino in range, the group's descriptor sane). A caller that
 * keeps them may reach the inode with io->get alone. */
int ext2_inode_loc(struct ext2_fs *fs, uint32_t ino, uint32_t *blk, uint32_t *off);
uint64_t ext2_inode_size(const struct ext2_inode *in); /* with i_size_high */

/* File block fblk of inode ino -> device block (*pblk = 0: a hole). With
 * alloc, a hole is filled with a fresh block (and zeroed indirect blocks
 * on the way): -ENOSPC when the disk is full, nothing changed. The new data
 * block's contents are the caller's to write (its page cache holds them):
 * the library never touches a file's data blocks. */
int ext2_bmap(struct ext2_fs *fs, uint32_t ino, uint32_t fblk, bool alloc, uint32_t *pblk);
/* Up to n blocks from file block fblk, as ext2_bmap without alloc gives
 * them one by one, in one walk: returns how many (>= 1; fewer at the end of
 * the block-map node holding fblk, or after a hole) or an error. */
int ext2_bmap_run(struct ext2_fs *fs, uint32_t ino, uint32_t fblk, unsigned n, uint32_t *out);
/* ext2_bmap with alloc for fblk and the holes right after it in the same
 * block-map node (at most n), planned next to each other and committed
 * together: returns how many blocks out[] holds (>= 1), or an error with
 * nothing changed. Fewer than n when a block is already there, the node
 * ends, or the disk fills up after the first. */
int ext2_bmap_alloc_run(struct ext2_fs *fs, uint32_t ino, uint32_t fblk, unsigned n,
			uint32_t *out);
/* Set the size; shrinking frees the blocks past it (io->forget on each). */
int ext2_truncate(struct ext2_fs *fs, uint32_t ino, uint64_t size);
/* Set the size without freeing anything (a write that extends). */
int ext2_set_size(struct ext2_fs *fs, uint32_t ino, uint64_t size);

/* Names. name is not NUL-terminated; len 1..255 (else -ENAMETOOLONG or
 * -ENOENT for 0). dir must be a directory (-ENOTDIR). */
int ext2_lookup(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len,
		uint32_t *ino);
/* New regular file (mode = permission bits) or directory in dir; -EEXIST. */
int ext2_create(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len,
		uint16_t mode, uint32_t *ino);
int ext2_mkdir(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len,
	       uint16_t mode, uint32_t *ino);
/* Remove a non-directory name (-EISDIR); *ino and its remaining link count
 * come back so the caller can free it at last close. */
int ext2_unlink(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len,
		uint32_t *ino, uint32_t *links_left);
/* Remove an empty directory (-ENOTEMPTY, -ENOTDIR); frees it at once. */
int ext2_rmdir(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len);
/* New name for a non-directory inode (-EPERM for directories, -EEXIST). */
int ext2_link(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len,
	      uint32_t ino);
/* POSIX rename: replaces an existing target of the same kind (a directory
 * target must be empty), fixes ".." of a moved directory, refuses moving a
 * directory into itself (-EINVAL). *replaced = the inode the target name
 * held with its remaining link count (0 = none), for freeing at last close. */
int ext2_rename(struct ext2_fs *fs, uint32_t odir, const char *oname, unsigned olen,
		uint32_t ndir, const char *nname, unsigned nlen, uint32_t *replaced,
		uint32_t *replaced_links);
/* Free an inode with no links left: its blocks, then the inode itself. */
int ext2_inode_free(struct ext2_fs *fs, uint32_t ino);

/* Directory listing: *pos starts at 0; returns 1 with an entry, 0 at the
 * end. Skips empty slots. */
int ext2_readdir(struct ext2_fs *fs, uint32_t dir, uint64_t *pos, struct ext2_dirent *out);

#endif /* SERVERS_FS_EXT2_H */
