/*
 * ext2_alloc.c (servers/fs/) - block and inode bitmaps. Allocation is
 * split in two: ext2_plan_* (read phase: reads descriptors and bitmaps,
 * picks free bits, changes nothing) and ext2_commit_* (marks them and
 * keeps group and superblock free counts exact). Freeing is the same.
 */
#include "ext2_priv.h"

#include <string.h>

static bool planned(const struct ext2_plan *pl, uint32_t blk)
{
	for (unsigned i = 0; i < pl->n; i++)
		if (pl->blk[i] == blk)
			return true;
	return false;
}

static unsigned planned_in(const struct ext2_fs *fs, const struct ext2_plan *pl, uint32_t g)
{
	unsigned n = 0;
	for (unsigned i = 0; i < pl->n; i++)
		n += (pl->blk[i] - fs->first_data_block) / fs->blocks_per_group == g;
	return n;
}

static bool bit_clear(const uint8_t *bm, uint32_t i) { return !(bm[i >> 3] & (1u << (i & 7))); }

/* First clear bit in [from, nbits) of a bitmap, or nbits. Whole 64-bit
 * words at a time where it can (ext2 numbers bits from the low end of each
 * byte, so a little-endian word holds bit i at position i % 64). */
static uint32_t next_zero(const uint8_t *bm, uint32_t from, uint32_t nbits)
{
	uint32_t i = from;
	for (; i < nbits && (i & 63); i++)
		if (bit_clear(bm, i))
			return i;
	for (; i + 64 <= nbits; i += 64) {
		uint64_t w;
		__builtin_memcpy(&w, bm + (i >> 3), 8); /* a load, not a call (freestanding) */
		if (w != ~0ULL)
			return i + (uint32_t)__builtin_ctzll(~w);
	}
	for (; i < nbits; i++)
		if (bit_clear(bm, i))
			return i;
	return nbits;
}

/* Bits [i, i + run) all clear (or clear up to the group's end)? */
static bool free_run(const uint8_t *bm, uint32_t i, uint32_t run, uint32_t nbits)
{
	for (uint32_t j = i; j < i + run && j < nbits; j++)
		if (bm[j >> 3] & (1u << (j & 7)))
			return false;
	return true;
}

/* Search group g from bit 'from' for a free, unplanned, non-metadata block
 * that starts a free run of 'run' blocks; 'only' tries bit 'from' alone. */
static int search_group(struct ext2_fs *fs, struct ext2_plan *pl, uint32_t g, uint32_t from,
			uint32_t run, bool only, uint32_t *blk)
{
	struct ext2_gd gd;
	int err = ext2_group(fs, g, &gd);
	if (err)
		return err;
	if (ext2_rd16(gd.p + GD_FREE_BLOCKS) <= planned_in(fs, pl, g))
		return 0;
	uint8_t *bm = ext2_get(fs, ext2_rd32(gd.p + GD_BLOCK_BITMAP), &err);
	if (!bm)
		return err;
	uint32_t end = only && from + 1 < gd.nblocks ? from + 1 : gd.nblocks;
	struct ext2_meta m;
	bool have_meta = false; /* looked up once, at the first candidate */
	for (uint32_t i = next_zero(bm, from, end); i < end; i = next_zero(bm, i + 1, end)) {
		uint32_t b = gd.start + i;
		if (planned(pl, b) || !free_run(bm, i, run, gd.nblocks))
			continue;
		if (!have_meta && (err = ext2_group_meta(fs, g, &m)) < 0)
			return err;
		have_meta = true;
		if (ext2_meta_check(fs, &m, b) == 0) {
			*blk = b;
			return 1;
		}
	}
	return 0;
}

/* Pick a free block: goal itself, else the first one after goal that
 * starts a free run of 8 (so a growing file stays contiguous), else any;
 * wrapping through every group. */
int ext2_plan_block(struct ext2_fs *fs, struct ext2_plan *pl, uint32_t goal, uint32_t *blk)
{
	if (pl->n >= EXT2_PLAN_MAX)
		return -ENOSPC;
	if (goal < fs->first_data_block || goal >= fs->blocks_count)
		goal = fs->first_data_block;
	uint32_t g0 = (goal - fs->first_data_block) / fs->blocks_per_group;
	uint32_t from = (goal - fs->first_data_block) % fs->blocks_per_group;
	int r = search_group(fs, pl, g0, from, 1, true, blk);
	for (uint32_t run = 8; r == 0 && run; run = run == 8 ? 1 : 0)
		for (uint32_t k = 0; r == 0 && k <= fs->groups; k++)
			r = search_group(fs, pl, (g0 + k) % fs->groups, k == 0 ? from : 0, run,
					 false, blk);
	if (r < 0)
		return r;
	if (r == 0)
		return -ENOSPC;
	pl->blk[pl->n++] = *blk;
	return 0;
}

static int search_inode(struct ext2_fs *fs, uint32_t g, uint32_t *ino)
{
	struct ext2_gd gd;
	int err = ext2_group(fs, g, &gd);
	if (err)
		return err;
	if (ext2_rd16(gd.p + GD_FREE_INODES) == 0)
		return 0;
	uint8_t *bm = ext2_get(fs, ext2_rd32(gd.p + GD_INODE_BITMAP), &err);
	if (!bm)
		return err;
	uint32_t base = g * fs->inodes_per_group;
	uint32_t from = base + 1 >= fs->first_ino ? 0 : fs->first_ino - 1 - base;
	uint32_t i = next_zero(bm, from, fs->inodes_per_group);
	if (i >= fs->inodes_per_group)
		return 0;
	*ino = base + i + 1;
	return 1;
}

/* A directory goes to the group with most free inodes; a file next to
 * near_ino (its directory), else the next group with a free inode. */
int ext2_plan_inode(struct ext2_fs *fs, struct ext2_plan *pl, uint32_t near_ino, bool dir)
{
	uint32_t g0 = near_ino ? (near_ino - 1) / fs->inodes_per_group : 0;
	if (g0 >= fs->groups)
		g0 = 0;
	if (dir) {
		uint32_t best = 0;
		for (uint32_t g = 0; g < fs->groups; g++) {
			struct ext2_gd gd;
			int err = ext2_group(fs, g, &gd);
			if (err)
				return err;
			uint32_t f = ext2_rd16(gd.p + GD_FREE_INODES);
			if (f > best) {
				best = f;
				g0 = g;
			}
		}
	}
	for (uint32_t k = 0; k < fs->groups; k++) {
		int r = search_inode(fs, (g0 + k) % fs->groups, &pl->ino);
		if (r < 0)
			return r;
		if (r)
			return 0;
	}
	return -ENOSPC;
}

/* Commit helpers: the blocks they touch were read by the plan, so these
 * gets hit the cache and cannot fail. */
static uint8_t *group_again(struct ext2_fs *fs, uint32_t g, struct ext2_gd *gd, bool inode_bm)
{
	int err;
	if (ext2_group(fs, g, gd))
		return NULL;
	return ext2_get(fs, ext2_rd32(gd->p + (inode_bm ? GD_INODE_BITMAP : GD_BLOCK_BITMAP)),
			&err);
}

static void count(uint8_t *p, int delta, uint32_t max)
{
	uint32_t v = ext2_rd16(p);
	if ((delta < 0 && v > 0) || (delta > 0 && v < max))
		ext2_wr16(p, (uint16_t)(v + delta));
}

void ext2_commit_block(struct ext2_fs *fs, uint32_t blk)
{
	struct ext2_gd gd;
	uint32_t g = (blk - fs->first_data_block) / fs->blocks_per_group;
	uint8_t *bm = group_again(fs, g, &gd, false);
	if (!bm)
		return;
	uint32_t i = blk - gd.start;
	if (bm[i >> 3] & (1u << (i & 7)))
		return;
	bm[i >> 3] |= (uint8_t)(1u << (i & 7));
	count(gd.p + GD_FREE_BLOCKS, -1, gd.nblocks);
	if (fs->free_blocks)
		fs->free_blocks--;
	fs->io->dirty(fs->io->ctx, ext2_rd32(gd.p + GD_BLOCK_BITMAP));
	fs->io->dirty(fs->io->ctx, gd.blk);
	fs->alloc_goal = blk;
	fs->sb_dirty = true;
}

void ext2_commit_inode(struct ext2_fs *fs, uint32_t ino, bool dir)
{
	struct ext2_gd gd;
	uint32_t g = (ino - 1) / fs->inodes_per_group, i = (ino - 1) % fs->inodes_per_group;
	uint8_t *bm = group_again(fs, g, &gd, true);
	if (!bm || (bm[i >> 3] & (1u << (i & 7))))
		return;
	bm[i >> 3] |= (uint8_t)(1u << (i & 7));
	count(gd.p + GD_FREE_INODES, -1, fs->inodes_per_group);
	if (dir)
		count(gd.p + GD_USED_DIRS, 1, fs->inodes_per_group);
	if (fs->free_inodes)
		fs->free_inodes--;
	fs->io->dirty(fs->io->ctx, ext2_rd32(gd.p + GD_INODE_BITMAP));
	fs->io->dirty(fs->io->ctx, gd.blk);
	fs->sb_dirty = true;
}

/* Read phase of freeing blk: its descriptor and bitmap. */
int ext2_prep_release(struct ext2_fs *fs, uint32_t blk, uint32_t *bitmap_blk)
{
	struct ext2_gd gd;
	int err = ext2_group(fs, (blk - fs->first_data_block) / fs->blocks_per_group, &gd);
	if (err)
		return err;
	*bitmap_blk = ext2_rd32(gd.p + GD_BLOCK_BITMAP);
	return ext2_get(fs, *bitmap_blk, &err) ? 0 : err;
}

/* A bit already clear (a claim that was wrong) changes no count. */
void ext2_release_block(struct ext2_fs *fs, uint32_t blk)
{
	struct ext2_gd gd;
	uint32_t g = (blk - fs->first_data_block) / fs->blocks_per_group;
	uint8_t *bm = group_again(fs, g, &gd, false);
	if (!bm)
		return;
	fs->io->forget(fs->io->ctx, blk);
	uint32_t i = blk - gd.start;
	if (!(bm[i >> 3] & (1u << (i & 7)))) {
		ext2_bad(fs, "freeing a free block", blk, g);
		return;
	}
	bm[i >> 3] &= (uint8_t)~(1u << (i & 7));
	count(gd.p + GD_FREE_BLOCKS, 1, gd.nblocks);
	if (fs->free_blocks < fs->blocks_count)
		fs->free_blocks++;
	fs->io->dirty(fs->io->ctx, ext2_rd32(gd.p + GD_BLOCK_BITMAP));
	fs->io->dirty(fs->io->ctx, gd.blk);
	fs->sb_dirty = true;
}

int ext2_prep_release_inode(struct ext2_fs *fs, uint32_t ino)
{
	struct ext2_gd gd;
	int err;
	if (ino == 0 || ino > fs->inodes_count)
		return -EIO;
	err = ext2_group(fs, (ino - 1) / fs->inodes_per_group, &gd);
	if (err)
		return err;
	uint8_t *bm = ext2_get(fs, ext2_rd32(gd.p + GD_INODE_BITMAP), &err);
	if (!bm)
		return err;
	uint32_t i = (ino - 1) % fs->inodes_per_group;
	if (!(bm[i >> 3] & (1u << (i & 7))))
		return ext2_bad(fs, "freeing a free inode", ino, 0);
	return 0;
}

void ext2_release_inode(struct ext2_fs *fs, uint32_t ino, bool dir)
{
	struct ext2_gd gd;
	uint32_t g = (ino - 1) / fs->inodes_per_group, i = (ino - 1) % fs->inodes_per_group;
	uint8_t *bm = group_again(fs, g, &gd, true);
	if (!bm || !(bm[i >> 3] & (1u << (i & 7))))
		return;
	bm[i >> 3] &= (uint8_t)~(1u << (i & 7));
	count(gd.p + GD_FREE_INODES, 1, fs->inodes_per_group);
	if (dir)
		count(gd.p + GD_USED_DIRS, -1, fs->inodes_per_group);
	if (fs->free_inodes < fs->inodes_count)
		fs->free_inodes++;
	fs->io->dirty(fs->io->ctx, ext2_rd32(gd.p + GD_INODE_BITMAP));
	fs->io->dirty(fs->io->ctx, gd.blk);
	fs->sb_dirty = true;
}
