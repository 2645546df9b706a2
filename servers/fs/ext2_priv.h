/*
 * ext2_priv.h (servers/fs/) - internals shared by the ext2 library's files
 * (ext2.c core, ext2_alloc.c bitmaps, ext2_map.c block maps and truncate,
 * ext2_dir.c directories): on-disk offsets, checked accessors and the
 * plan/commit helpers that keep every modifying call restartable.
 */
#ifndef SERVERS_FS_EXT2_PRIV_H
#define SERVERS_FS_EXT2_PRIV_H

#include "ext2.h"

#include <errno.h>
#include <string.h>

#define EXT2_MAGIC 0xEF53
#define EXT2_VALID_FS 1
#define EXT2_INDEX_FL 0x1000
#define EXT2_LINK_MAX 32000
#define EXT2_GD_SIZE 32

/* Superblock byte offsets. */
#define SB_INODES_COUNT 0
#define SB_BLOCKS_COUNT 4
#define SB_FREE_BLOCKS 12
#define SB_FREE_INODES 16
#define SB_FIRST_DATA_BLOCK 20
#define SB_LOG_BLOCK_SIZE 24
#define SB_BLOCKS_PER_GROUP 32
#define SB_INODES_PER_GROUP 40
#define SB_MTIME 44
#define SB_WTIME 48
#define SB_MNT_COUNT 52
#define SB_MAGIC 56
#define SB_STATE 58
#define SB_REV_LEVEL 76
#define SB_FIRST_INO 84
#define SB_INODE_SIZE 88
#define SB_FEAT_COMPAT 92
#define SB_FEAT_INCOMPAT 96
#define SB_FEAT_RO_COMPAT 100
#define SB_RESERVED_GDT 206

/* Group descriptor byte offsets. */
#define GD_BLOCK_BITMAP 0
#define GD_INODE_BITMAP 4
#define GD_INODE_TABLE 8
#define GD_FREE_BLOCKS 12
#define GD_FREE_INODES 14
#define GD_USED_DIRS 16

#define EXT2_COMPAT_OK 0x39      /* dir_prealloc, ext_attr, resize_inode, dir_index */
#define EXT2_INCOMPAT_FILETYPE 0x2
#define EXT2_RO_SPARSE_SUPER 0x1
#define EXT2_RO_LARGE_FILE 0x2

static inline uint16_t ext2_rd16(const void *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}
static inline uint32_t ext2_rd32(const void *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}
static inline void ext2_wr16(void *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void ext2_wr32(void *p, uint32_t v) { memcpy(p, &v, 4); }

/* A group descriptor, checked, with the block that holds it. */
struct ext2_gd {
	uint8_t *p;
	uint32_t blk;
	uint32_t start, nblocks; /* the group's first block and its size */
};

/* Blocks and an inode chosen by the read phase of a call, not yet marked
 * in the bitmaps: the commit phase marks them. */
#define EXT2_PLAN_MAX 8
struct ext2_plan {
	uint32_t blk[EXT2_PLAN_MAX];
	unsigned n;
	uint32_t ino; /* 0 = none */
};

/* The path to one file block: slot[k] is the pointer at level k (level 0
 * in the inode), cont[k] the block holding it (0 = the inode). */
struct ext2_path {
	unsigned depth;
	unsigned idx[4];
	uint32_t *slot[4];
	uint32_t cont[4];
	uint32_t newblk[4]; /* planned blocks for missing levels, 0 = present */
	unsigned first_new; /* first level that needs a new block; > depth = none */
	uint32_t pblk;
	void *newbuf; /* the data block's buffer after ext2_path_commit */
	bool data_by_caller; /* ext2_bmap: the data block is not ours to zero */
};

/* ext2.c */
int ext2_bad(struct ext2_fs *fs, const char *what, uint32_t a, uint32_t b);
uint32_t ext2_now(struct ext2_fs *fs);
void *ext2_get(struct ext2_fs *fs, uint32_t blk, int *err);
int ext2_group(struct ext2_fs *fs, uint32_t g, struct ext2_gd *gd);
int ext2_check_data(struct ext2_fs *fs, uint32_t blk);
/* A group's metadata blocks, to check many pointers with one lookup. */
struct ext2_meta {
	uint32_t g, start, end, super_end, bb, ib, it, it_end;
};
int ext2_group_meta(struct ext2_fs *fs, uint32_t g, struct ext2_meta *m);
int ext2_meta_check(struct ext2_fs *fs, const struct ext2_meta *m, uint32_t blk);
void ext2_inode_mark(struct ext2_fs *fs, uint32_t ino);
uint8_t ext2_ftype(const struct ext2_fs *fs, uint16_t mode);
static inline bool ext2_is_dir(const struct ext2_inode *in)
{
	return (in->i_mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
}

/* ext2_alloc.c */
int ext2_plan_block(struct ext2_fs *fs, struct ext2_plan *pl, uint32_t goal, uint32_t *blk);
int ext2_plan_inode(struct ext2_fs *fs, struct ext2_plan *pl, uint32_t near_ino, bool dir);
void ext2_commit_block(struct ext2_fs *fs, uint32_t blk);
void ext2_commit_inode(struct ext2_fs *fs, uint32_t ino, bool dir);
int ext2_prep_release(struct ext2_fs *fs, uint32_t blk, uint32_t *bitmap_blk);
void ext2_release_block(struct ext2_fs *fs, uint32_t blk);
int ext2_prep_release_inode(struct ext2_fs *fs, uint32_t ino);
void ext2_release_inode(struct ext2_fs *fs, uint32_t ino, bool dir);

/* ext2_map.c */
int ext2_path_walk(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint32_t fblk,
		   bool alloc, struct ext2_plan *pl, struct ext2_path *path);
void ext2_path_commit(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in,
		      struct ext2_path *path);
int ext2_trunc_step(struct ext2_fs *fs, uint32_t ino, uint32_t keep_blocks, bool *done);
int ext2_ea_prep(struct ext2_fs *fs, struct ext2_inode *in, uint8_t **ea);
void ext2_ea_drop(struct ext2_fs *fs, struct ext2_inode *in, uint8_t *ea);
bool ext2_fast_symlink(const struct ext2_fs *fs, const struct ext2_inode *in);

#endif /* SERVERS_FS_EXT2_PRIV_H */
