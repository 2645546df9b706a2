/*
 * ext2.c (servers/fs/) - ext2 library core: mount checks, the superblock,
 * group descriptors, inodes and the "is this block metadata" test that
 * every block pointer read from disk goes through. Pure logic over
 * struct ext2_io; see ext2.h for the contract and docs/ext2.md.
 */
#include "ext2_priv.h"

#include <stdio.h>

int ext2_bad(struct ext2_fs *fs, const char *what, uint32_t a, uint32_t b)
{
	if (fs->verbose && fs->log) {
		char line[96];
		snprintf(line, sizeof line, "fs: %s (%lu, %lu)", what, (unsigned long)a,
			 (unsigned long)b);
		fs->log(line);
	}
	return -EIO;
}

uint32_t ext2_now(struct ext2_fs *fs)
{
	return fs->io->now ? fs->io->now(fs->io->ctx) : 0;
}

/* Every io->get goes through here: only blocks inside the device. */
void *ext2_get(struct ext2_fs *fs, uint32_t blk, int *err)
{
	if (blk >= fs->blocks_count) {
		*err = ext2_bad(fs, "block outside the disk", blk, fs->blocks_count);
		return NULL;
	}
	*err = 0;
	void *p = fs->io->get(fs->io->ctx, blk, err);
	if (!p && *err == 0)
		*err = -EIO;
	return p;
}

static void why_line(char *why, unsigned size, const char *msg, uint32_t v)
{
	if (why && size)
		snprintf(why, size, "fs: %s (0x%lx)", msg, (unsigned long)v);
}

static bool pow_of(uint32_t g, uint32_t b)
{
	uint64_t x = b;
	while (x < g)
		x *= b;
	return x == g;
}

/* Groups holding a superblock and GDT copy (sparse_super: 0, 1, 3^n, 5^n, 7^n). */
static bool has_super(const struct ext2_fs *fs, uint32_t g)
{
	if (!(fs->feat_ro_compat & EXT2_RO_SPARSE_SUPER) || g <= 1)
		return true;
	return pow_of(g, 3) || pow_of(g, 5) || pow_of(g, 7);
}

static int mount_features(struct ext2_fs *fs, char *why, unsigned why_size)
{
	if (fs->feat_incompat & ~(uint32_t)EXT2_INCOMPAT_FILETYPE) {
		why_line(why, why_size, "unsupported incompat feature", fs->feat_incompat);
		return -EINVAL;
	}
	if (fs->feat_ro_compat & ~(uint32_t)(EXT2_RO_SPARSE_SUPER | EXT2_RO_LARGE_FILE)) {
		why_line(why, why_size, "unsupported ro_compat feature", fs->feat_ro_compat);
		return -EINVAL;
	}
	if (fs->feat_compat & ~(uint32_t)EXT2_COMPAT_OK) {
		why_line(why, why_size, "unsupported compat feature (journal?)", fs->feat_compat);
		return -EINVAL;
	}
	return 0;
}

static int mount_geometry(struct ext2_fs *fs, char *why, unsigned why_size)
{
	const uint8_t *sb = fs->sb;
	uint32_t log = ext2_rd32(sb + SB_LOG_BLOCK_SIZE);
	if (log > 2) {
		why_line(why, why_size, "block size not 1, 2 or 4 KiB", log);
		return -EINVAL;
	}
	fs->block_size = 1024u << log;
	fs->blocks_count = ext2_rd32(sb + SB_BLOCKS_COUNT);
	fs->inodes_count = ext2_rd32(sb + SB_INODES_COUNT);
	fs->first_data_block = ext2_rd32(sb + SB_FIRST_DATA_BLOCK);
	fs->blocks_per_group = ext2_rd32(sb + SB_BLOCKS_PER_GROUP);
	fs->inodes_per_group = ext2_rd32(sb + SB_INODES_PER_GROUP);
	uint32_t bits = fs->block_size * 8;
	if (fs->first_data_block != (fs->block_size == 1024 ? 1u : 0u)) {
		why_line(why, why_size, "bad first data block", fs->first_data_block);
		return -EINVAL;
	}
	if (fs->blocks_per_group < 8 || fs->blocks_per_group > bits ||
	    fs->blocks_per_group % 8 || fs->inodes_per_group < 1 ||
	    fs->inodes_per_group > bits || fs->inodes_per_group % 8) {
		why_line(why, why_size, "bad blocks or inodes per group", fs->blocks_per_group);
		return -EINVAL;
	}
	if (fs->blocks_count <= fs->first_data_block + 1) {
		why_line(why, why_size, "bad block count", fs->blocks_count);
		return -EINVAL;
	}
	fs->groups = (fs->blocks_count - fs->first_data_block + fs->blocks_per_group - 1) /
		     fs->blocks_per_group;
	if ((uint64_t)fs->groups * fs->inodes_per_group != fs->inodes_count) {
		why_line(why, why_size, "inode count does not match the groups", fs->inodes_count);
		return -EINVAL;
	}
	return 0;
}

static int mount_inodes(struct ext2_fs *fs, char *why, unsigned why_size)
{
	const uint8_t *sb = fs->sb;
	uint32_t rev = ext2_rd32(sb + SB_REV_LEVEL);
	if (rev > 1) {
		why_line(why, why_size, "unknown revision", rev);
		return -EINVAL;
	}
	fs->inode_size = rev ? ext2_rd16(sb + SB_INODE_SIZE) : 128;
	fs->first_ino = rev ? ext2_rd32(sb + SB_FIRST_INO) : 11;
	if (fs->inode_size < 128 || fs->inode_size > fs->block_size ||
	    (fs->inode_size & (fs->inode_size - 1))) {
		why_line(why, why_size, "bad inode size", fs->inode_size);
		return -EINVAL;
	}
	if (fs->first_ino <= EXT2_ROOT_INO || fs->first_ino >= fs->inodes_count) {
		why_line(why, why_size, "bad first inode", fs->first_ino);
		return -EINVAL;
	}
	fs->itb_per_group = (uint32_t)(((uint64_t)fs->inodes_per_group * fs->inode_size +
					fs->block_size - 1) / fs->block_size);
	fs->gdt_blocks = (uint32_t)(((uint64_t)fs->groups * EXT2_GD_SIZE + fs->block_size - 1) /
				    fs->block_size);
	fs->reserved_gdt = (fs->feat_compat & 0x10) ? ext2_rd16(sb + SB_RESERVED_GDT) : 0;
	fs->gdt_block = fs->first_data_block + 1;
	uint64_t meta = 1 + (uint64_t)fs->gdt_blocks + fs->reserved_gdt + 2 + fs->itb_per_group;
	if (meta >= fs->blocks_per_group || fs->first_data_block + meta >= fs->blocks_count) {
		why_line(why, why_size, "group metadata does not fit a group", (uint32_t)meta);
		return -EINVAL;
	}
	return 0;
}

int ext2_mount(struct ext2_fs *fs, const struct ext2_io *io, const uint8_t sb[1024],
	       char *why, unsigned why_size)
{
	uint8_t copy[1024];
	memcpy(copy, sb, sizeof copy);
	memset(fs, 0, sizeof *fs);
	memcpy(fs->sb, copy, sizeof fs->sb);
	fs->io = io;
	if (why && why_size)
		why[0] = 0;
	if (ext2_rd16(fs->sb + SB_MAGIC) != EXT2_MAGIC) {
		why_line(why, why_size, "no ext2 magic", ext2_rd16(fs->sb + SB_MAGIC));
		return -EINVAL;
	}
	fs->feat_compat = ext2_rd32(fs->sb + SB_FEAT_COMPAT);
	fs->feat_incompat = ext2_rd32(fs->sb + SB_FEAT_INCOMPAT);
	fs->feat_ro_compat = ext2_rd32(fs->sb + SB_FEAT_RO_COMPAT);
	if (ext2_rd32(fs->sb + SB_REV_LEVEL) == 0)
		fs->feat_compat = fs->feat_incompat = fs->feat_ro_compat = 0;
	int err = mount_features(fs, why, why_size);
	if (!err)
		err = mount_geometry(fs, why, why_size);
	if (!err)
		err = mount_inodes(fs, why, why_size);
	if (err)
		return err;
	fs->free_blocks = ext2_rd32(fs->sb + SB_FREE_BLOCKS);
	fs->free_inodes = ext2_rd32(fs->sb + SB_FREE_INODES);
	if (fs->free_blocks > fs->blocks_count || fs->free_inodes > fs->inodes_count) {
		why_line(why, why_size, "free counts larger than the disk", fs->free_blocks);
		return -EINVAL;
	}
	/* Like Linux: mounted means "not clean" on disk until unmount puts the
	 * state found here back (an unchecked file system stays unchecked). */
	fs->mount_state = ext2_rd16(fs->sb + SB_STATE);
	ext2_wr16(fs->sb + SB_STATE, fs->mount_state & ~EXT2_VALID_FS);
	ext2_wr16(fs->sb + SB_MNT_COUNT, (uint16_t)(ext2_rd16(fs->sb + SB_MNT_COUNT) + 1));
	ext2_wr32(fs->sb + SB_MTIME, ext2_now(fs));
	fs->sb_dirty = true;
	return 0;
}

int ext2_sync_super(struct ext2_fs *fs)
{
	uint32_t blk = 1024 / fs->block_size, off = 1024 % fs->block_size;
	int err;
	uint8_t *p = ext2_get(fs, blk, &err);
	if (!p)
		return err;
	ext2_wr32(fs->sb + SB_FREE_BLOCKS, fs->free_blocks);
	ext2_wr32(fs->sb + SB_FREE_INODES, fs->free_inodes);
	ext2_wr32(fs->sb + SB_WTIME, ext2_now(fs));
	memcpy(p + off, fs->sb, 1024);
	fs->io->dirty(fs->io->ctx, blk);
	fs->sb_dirty = false;
	return 0;
}

void ext2_set_readonly(struct ext2_fs *fs)
{
	fs->readonly = true;
	fs->sb_dirty = false; /* mount's state and count stay in memory only */
}

int ext2_unmount(struct ext2_fs *fs)
{
	if (fs->readonly)
		return 0;
	uint16_t state = ext2_rd16(fs->sb + SB_STATE);
	ext2_wr16(fs->sb + SB_STATE, fs->mount_state);
	int err = ext2_sync_super(fs);
	if (err)
		ext2_wr16(fs->sb + SB_STATE, state);
	return err;
}

void ext2_statfs(const struct ext2_fs *fs, struct ext2_statfs *out)
{
	out->block_size = fs->block_size;
	out->blocks = fs->blocks_count;
	out->free_blocks = fs->free_blocks;
	out->inodes = fs->inodes_count;
	out->free_inodes = fs->free_inodes;
}

/* Group g's descriptor, after checking that its bitmaps and inode table
 * lie inside the group and clear of the superblock copy and GDT. */
int ext2_group(struct ext2_fs *fs, uint32_t g, struct ext2_gd *gd)
{
	if (g >= fs->groups)
		return ext2_bad(fs, "group out of range", g, fs->groups);
	uint32_t per = fs->block_size / EXT2_GD_SIZE;
	int err;
	gd->blk = fs->gdt_block + g / per;
	uint8_t *b = ext2_get(fs, gd->blk, &err);
	if (!b)
		return err;
	gd->p = b + (g % per) * EXT2_GD_SIZE;
	gd->start = fs->first_data_block + g * fs->blocks_per_group;
	gd->nblocks = fs->blocks_count - gd->start;
	if (gd->nblocks > fs->blocks_per_group)
		gd->nblocks = fs->blocks_per_group;
	bool known = g < 256 && (fs->gd_checked[g / 64] >> (g % 64) & 1);
	if (known) /* the counts are ours to keep right; the locations were checked */
		return 0;
	uint32_t lo = gd->start + (has_super(fs, g) ? 1 + fs->gdt_blocks + fs->reserved_gdt : 0);
	uint32_t end = gd->start + gd->nblocks;
	uint32_t bb = ext2_rd32(gd->p + GD_BLOCK_BITMAP), ib = ext2_rd32(gd->p + GD_INODE_BITMAP);
	uint32_t it = ext2_rd32(gd->p + GD_INODE_TABLE);
	if (bb < lo || bb >= end || ib < lo || ib >= end || ib == bb || it < lo ||
	    (uint64_t)it + fs->itb_per_group > end || (bb >= it && bb < it + fs->itb_per_group) ||
	    (ib >= it && ib < it + fs->itb_per_group))
		return ext2_bad(fs, "bad group descriptor", g, bb);
	if (ext2_rd16(gd->p + GD_FREE_BLOCKS) > gd->nblocks ||
	    ext2_rd16(gd->p + GD_FREE_INODES) > fs->inodes_per_group ||
	    ext2_rd16(gd->p + GD_USED_DIRS) > fs->inodes_per_group)
		return ext2_bad(fs, "bad group counts", g, ext2_rd16(gd->p + GD_FREE_BLOCKS));
	if (g < 256)
		fs->gd_checked[g / 64] |= 1ULL << (g % 64);
	return 0;
}

/* 0 when blk may hold file data or an indirect block; -EIO when it lies
 * outside the data area or is a superblock, GDT, bitmap or inode table. */
int ext2_group_meta(struct ext2_fs *fs, uint32_t g, struct ext2_meta *m)
{
	struct ext2_gd gd;
	int err = ext2_group(fs, g, &gd);
	if (err)
		return err;
	m->g = g;
	m->start = gd.start;
	m->end = gd.start + gd.nblocks;
	m->super_end = gd.start + (has_super(fs, g) ? 1 + fs->gdt_blocks + fs->reserved_gdt : 0);
	m->bb = ext2_rd32(gd.p + GD_BLOCK_BITMAP);
	m->ib = ext2_rd32(gd.p + GD_INODE_BITMAP);
	m->it = ext2_rd32(gd.p + GD_INODE_TABLE);
	m->it_end = m->it + fs->itb_per_group;
	return 0;
}

/* blk against the metadata of its group, m (ext2_group_meta's), already
 * known to hold blk: -EIO if it points into metadata. */
int ext2_meta_check(struct ext2_fs *fs, const struct ext2_meta *m, uint32_t blk)
{
	bool meta = blk < m->super_end || blk == m->bb || blk == m->ib ||
		    (blk >= m->it && blk < m->it_end);
	return meta ? ext2_bad(fs, "block pointer into metadata", blk, m->g) : 0;
}

int ext2_check_data(struct ext2_fs *fs, uint32_t blk)
{
	if (blk < fs->first_data_block || blk >= fs->blocks_count)
		return ext2_bad(fs, "block number out of range", blk, fs->blocks_count);
	struct ext2_meta m;
	int err = ext2_group_meta(fs, (blk - fs->first_data_block) / fs->blocks_per_group, &m);
	return err ? err : ext2_meta_check(fs, &m, blk);
}

int ext2_inode_loc(struct ext2_fs *fs, uint32_t ino, uint32_t *blk, uint32_t *off)
{
	if (ino == 0 || ino > fs->inodes_count)
		return ext2_bad(fs, "inode number out of range", ino, fs->inodes_count);
	struct ext2_gd gd;
	int err = ext2_group(fs, (ino - 1) / fs->inodes_per_group, &gd);
	if (err)
		return err;
	uint64_t byte = (uint64_t)((ino - 1) % fs->inodes_per_group) * fs->inode_size;
	*blk = ext2_rd32(gd.p + GD_INODE_TABLE) + (uint32_t)(byte / fs->block_size);
	*off = (uint32_t)(byte % fs->block_size);
	return 0;
}

int ext2_inode_get(struct ext2_fs *fs, uint32_t ino, struct ext2_inode **out)
{
	uint32_t blk, off;
	int err = ext2_inode_loc(fs, ino, &blk, &off);
	if (err)
		return err;
	uint8_t *b = ext2_get(fs, blk, &err);
	if (!b)
		return err;
	*out = (struct ext2_inode *)(void *)(b + off);
	return 0;
}

/* Mark the inode's table block dirty; only after ext2_inode_get in the
 * same call, so the location is known without a new read. */
void ext2_inode_mark(struct ext2_fs *fs, uint32_t ino)
{
	uint32_t blk, off;
	if (ext2_inode_loc(fs, ino, &blk, &off) == 0)
		fs->io->dirty(fs->io->ctx, blk);
}

int ext2_inode_dirty(struct ext2_fs *fs, uint32_t ino)
{
	uint32_t blk, off;
	int err = ext2_inode_loc(fs, ino, &blk, &off);
	if (err)
		return err;
	fs->io->dirty(fs->io->ctx, blk);
	return 0;
}

uint64_t ext2_inode_size(const struct ext2_inode *in)
{
	uint64_t hi = (in->i_mode & EXT2_S_IFMT) == EXT2_S_IFREG ? in->i_size_high : 0;
	return hi << 32 | in->i_size;
}

uint8_t ext2_ftype(const struct ext2_fs *fs, uint16_t mode)
{
	if (!(fs->feat_incompat & EXT2_INCOMPAT_FILETYPE))
		return 0;
	switch (mode & EXT2_S_IFMT) {
	case EXT2_S_IFREG: return 1;
	case EXT2_S_IFDIR: return 2;
	case 0x2000: return 3;
	case 0x6000: return 4;
	case 0x1000: return 5;
	case 0xC000: return 6;
	case EXT2_S_IFLNK: return 7;
	default: return 0;
	}
}
