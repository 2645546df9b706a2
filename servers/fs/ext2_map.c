/*
 * ext2_map.c (servers/fs/) - file block maps: the 12 direct pointers and
 * the single, double and triple indirect trees. Walks check every pointer
 * (range, metadata, loops back to an ancestor); truncate frees from the
 * end in bounded steps, each a complete change, so a re-run continues.
 */
#include "ext2_priv.h"

#define TRUNC_MAX_ENT 64
#define TRUNC_MAX_BM 8

bool ext2_fast_symlink(const struct ext2_fs *fs, const struct ext2_inode *in)
{
	if ((in->i_mode & EXT2_S_IFMT) != EXT2_S_IFLNK)
		return false;
	uint32_t ea = in->i_file_acl ? fs->block_size / 512 : 0;
	return in->i_blocks <= ea;
}

/* Split fblk into per-level slot indices. */
static int path_indices(const struct ext2_fs *fs, uint32_t fblk, struct ext2_path *p)
{
	uint64_t n = fblk, pp = fs->block_size / 4;
	if (n < 12) {
		p->depth = 0;
		p->idx[0] = (unsigned)n;
		return 0;
	}
	n -= 12;
	if (n < pp) {
		p->depth = 1;
		p->idx[0] = 12;
		p->idx[1] = (unsigned)n;
		return 0;
	}
	n -= pp;
	if (n < pp * pp) {
		p->depth = 2;
		p->idx[0] = 13;
		p->idx[1] = (unsigned)(n / pp);
		p->idx[2] = (unsigned)(n % pp);
		return 0;
	}
	n -= pp * pp;
	if (n < pp * pp * pp) {
		p->depth = 3;
		p->idx[0] = 14;
		p->idx[1] = (unsigned)(n / (pp * pp));
		p->idx[2] = (unsigned)(n / pp % pp);
		p->idx[3] = (unsigned)(n % pp);
		return 0;
	}
	return -EFBIG;
}

/* Where to look for a free block: after the previous pointer in the same
 * block map node, after the node itself, else after the last allocation
 * (where free space was found last: starting at the inode's group, which
 * may be full, can mean scanning it all), else at the start of that group. */
static uint32_t path_goal(struct ext2_fs *fs, uint32_t ino, struct ext2_path *p, unsigned k)
{
	if (p->idx[k] > 0 && p->slot[k][-1])
		return p->slot[k][-1] + 1;
	if (p->cont[k])
		return p->cont[k] + 1;
	if (fs->alloc_goal)
		return fs->alloc_goal + 1;
	uint32_t g = (ino - 1) / fs->inodes_per_group;
	return fs->first_data_block + g * fs->blocks_per_group;
}

/* Read phase: follow fblk's path; with alloc, plan a block for every
 * missing level. path->pblk = the data block (0 = hole or planned). */
int ext2_path_walk(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint32_t fblk,
		   bool alloc, struct ext2_plan *pl, struct ext2_path *p)
{
	int err = path_indices(fs, fblk, p);
	if (err)
		return err;
	p->slot[0] = &in->i_block[p->idx[0]];
	p->cont[0] = 0;
	p->first_new = p->depth + 1;
	p->data_by_caller = false;
	p->pblk = 0;
	for (unsigned k = 0; k <= p->depth; k++) {
		uint32_t b = *p->slot[k];
		p->newblk[k] = 0;
		if (b == 0) {
			if (!alloc)
				return 0;
			p->first_new = k;
			for (unsigned j = k; j <= p->depth; j++) {
				uint32_t goal = j == k ? path_goal(fs, ino, p, k) : p->newblk[j - 1] + 1;
				err = ext2_plan_block(fs, pl, goal, &p->newblk[j]);
				if (err)
					return err;
			}
			return 0;
		}
		err = ext2_check_data(fs, b);
		if (err)
			return err;
		for (unsigned j = 1; j <= k; j++)
			if (p->cont[j] == b)
				return ext2_bad(fs, "indirect block loop", ino, b);
		if (k == p->depth) {
			p->pblk = b;
			return 0;
		}
		uint32_t *node = ext2_get(fs, b, &err);
		if (!node)
			return err;
		p->cont[k + 1] = b;
		p->slot[k + 1] = node + p->idx[k + 1];
	}
	return 0;
}

/* Commit phase: mark and link the planned blocks (zeroed, dirty). */
void ext2_path_commit(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in,
		      struct ext2_path *p)
{
	for (unsigned k = p->first_new; k <= p->depth; k++) {
		uint32_t b = p->newblk[k];
		/* A file's data block belongs to the caller's page cache: its
		 * bytes come from there, so we must not write zeroes over them. */
		bool theirs = k == p->depth && p->data_by_caller;
		uint32_t *node = theirs ? NULL : fs->io->get_new(fs->io->ctx, b);
		ext2_commit_block(fs, b);
		if (!theirs)
			fs->io->dirty(fs->io->ctx, b);
		*p->slot[k] = b;
		if (p->cont[k])
			fs->io->dirty(fs->io->ctx, p->cont[k]);
		in->i_blocks += fs->block_size / 512;
		if (k < p->depth) {
			p->cont[k + 1] = b;
			p->slot[k + 1] = node + p->idx[k + 1];
		} else {
			p->pblk = b;
			p->newbuf = node;
		}
	}
	ext2_inode_mark(fs, ino);
}

/* The common start of the block-map lookups: ino's inode (not a fast
 * symlink, whose "blocks" are its target) and the path to fblk. */
static int bmap_walk(struct ext2_fs *fs, uint32_t ino, uint32_t fblk, bool alloc,
		     struct ext2_plan *pl, struct ext2_inode **in, struct ext2_path *p)
{
	int err = ext2_inode_get(fs, ino, in);
	if (err)
		return err;
	if (ext2_fast_symlink(fs, *in))
		return -EINVAL;
	return ext2_path_walk(fs, ino, *in, fblk, alloc, pl, p);
}

int ext2_bmap(struct ext2_fs *fs, uint32_t ino, uint32_t fblk, bool alloc, uint32_t *pblk)
{
	struct ext2_inode *in;
	struct ext2_plan pl = { .n = 0 };
	struct ext2_path p;
	if (alloc && fs->readonly)
		return -EROFS;
	int err = bmap_walk(fs, ino, fblk, alloc, &pl, &in, &p);
	if (err)
		return err;
	if (alloc && p.first_new <= p.depth) {
		p.data_by_caller = true; /* ext2_bmap: file data, in the caller's cache */
		ext2_path_commit(fs, ino, in, &p);
		in->i_ctime = in->i_mtime = ext2_now(fs);
	}
	*pblk = p.pblk;
	return 0;
}

/* Plan blocks for the holes after fblk in the same block-map node, each
 * right after the one before if it is free (a page's blocks stay
 * together); stops at a block already there, the node's end or the plan's
 * room. Returns how many holes were planned after the first. */
static unsigned alloc_run_plan(struct ext2_fs *fs, struct ext2_plan *pl, struct ext2_path *p,
			       unsigned n, uint32_t *out)
{
	unsigned limit = p->depth ? fs->block_size / 4 : 12, got = 1;
	uint32_t prev = p->newblk[p->depth];
	for (; got < n && p->idx[p->depth] + got < limit && pl->n < EXT2_PLAN_MAX; got++) {
		/* the node may be new (planned): its slots are all holes then */
		bool node_new = p->first_new < p->depth;
		if (!node_new && p->slot[p->depth][got])
			break;
		if (ext2_plan_block(fs, pl, prev + 1, &out[got]) < 0)
			break; /* -ENOSPC or a bitmap still to read: fewer this time */
		prev = out[got];
	}
	return got - 1;
}

int ext2_bmap_alloc_run(struct ext2_fs *fs, uint32_t ino, uint32_t fblk, unsigned n,
			uint32_t *out)
{
	struct ext2_inode *in;
	struct ext2_plan pl = {.n = 0};
	struct ext2_path p;
	if (fs->readonly)
		return -EROFS;
	if (!n)
		return -EINVAL;
	int err = bmap_walk(fs, ino, fblk, true, &pl, &in, &p);
	if (err)
		return err;
	if (p.first_new > p.depth) { /* already there */
		out[0] = p.pblk;
		return 1;
	}
	unsigned more = alloc_run_plan(fs, &pl, &p, n, out);
	p.data_by_caller = true; /* file data: the caller's cache holds its bytes */
	ext2_path_commit(fs, ino, in, &p);
	out[0] = p.pblk;
	for (unsigned i = 1; i <= more; i++) { /* p.slot[depth] is in its node now */
		ext2_commit_block(fs, out[i]);
		p.slot[p.depth][i] = out[i];
		if (p.cont[p.depth])
			fs->io->dirty(fs->io->ctx, p.cont[p.depth]);
		in->i_blocks += fs->block_size / 512;
	}
	ext2_inode_mark(fs, ino);
	in->i_ctime = in->i_mtime = ext2_now(fs);
	return (int)(1 + more);
}

/* The pointers after the first in the same block-map node: as ext2_bmap
 * would find them, checked against their group's metadata, the group
 * looked up once per change of group rather than once per block. */
static int bmap_run_rest(struct ext2_fs *fs, const struct ext2_path *p, unsigned n,
			 uint32_t *out)
{
	unsigned limit = p->depth ? fs->block_size / 4 : 12, got = 1;
	struct ext2_meta m = {.g = UINT32_MAX};
	for (; got < n && p->idx[p->depth] + got < limit; got++) {
		uint32_t b = p->slot[p->depth][got];
		out[got] = b;
		if (!b)
			continue;
		if (b < fs->first_data_block || b >= fs->blocks_count)
			return ext2_bad(fs, "block number out of range", b, fs->blocks_count);
		uint32_t g = (b - fs->first_data_block) / fs->blocks_per_group;
		int err = g == m.g ? 0 : ext2_group_meta(fs, g, &m);
		if (!err)
			err = ext2_meta_check(fs, &m, b);
		if (err)
			return err;
	}
	return (int)got;
}

int ext2_bmap_run(struct ext2_fs *fs, uint32_t ino, uint32_t fblk, unsigned n, uint32_t *out)
{
	struct ext2_inode *in;
	struct ext2_path p;
	if (!n)
		return -EINVAL;
	int err = bmap_walk(fs, ino, fblk, false, NULL, &in, &p);
	if (err)
		return err;
	out[0] = p.pblk;
	if (!p.pblk) /* a hole, perhaps of a whole subtree: one at a time */
		return 1;
	return bmap_run_rest(fs, &p, n, out);
}

/* ---- truncate: bounded steps, freeing from the end ---------------------- */

struct trunc_ent {
	uint32_t *slot;
	uint32_t cont; /* 0 = the inode */
	uint32_t blk;
	uint32_t fblk; /* first file block the pointer covers */
	bool data;
};

struct trunc {
	struct trunc_ent ent[TRUNC_MAX_ENT];
	unsigned n, nbm;
	uint32_t bm[TRUNC_MAX_BM];
	uint32_t keep; /* file blocks below this stay */
	bool full;
	uint32_t chain[4];
	unsigned depth;
};

/* Room for one more entry freeing blk? Reads its bitmap (read phase). */
static int trunc_add(struct ext2_fs *fs, struct trunc *t, uint32_t *slot, uint32_t cont,
		     uint32_t blk, uint32_t fblk, bool data)
{
	uint32_t bmb;
	for (unsigned i = 0; i < t->n; i++)
		if (t->ent[i].blk == blk)
			return ext2_bad(fs, "block used twice in one file", blk, fblk);
	if (t->n >= TRUNC_MAX_ENT) {
		t->full = true;
		return 0;
	}
	int err = ext2_prep_release(fs, blk, &bmb);
	if (err)
		return err;
	unsigned i = 0;
	while (i < t->nbm && t->bm[i] != bmb)
		i++;
	if (i == t->nbm) {
		if (t->nbm >= TRUNC_MAX_BM) {
			t->full = true;
			return 0;
		}
		t->bm[t->nbm++] = bmb;
	}
	t->ent[t->n++] = (struct trunc_ent){ slot, cont, blk, fblk, data };
	return 0;
}

static int trunc_node(struct ext2_fs *fs, struct trunc *t, uint32_t *slots, unsigned nslots,
		      uint32_t cont, unsigned level, uint64_t base, uint64_t span);

/* One pointer covering file blocks [base, base + span). */
static int trunc_slot(struct ext2_fs *fs, struct trunc *t, uint32_t *slot, uint32_t cont,
		      unsigned level, uint64_t base, uint64_t span)
{
	uint32_t b = *slot;
	if (b == 0 || base + span <= t->keep)
		return 0;
	int err = ext2_check_data(fs, b);
	if (err)
		return err;
	if (level == 0)
		return trunc_add(fs, t, slot, cont, b, (uint32_t)base, true);
	for (unsigned j = 0; j < t->depth; j++)
		if (t->chain[j] == b)
			return ext2_bad(fs, "indirect block loop", b, (uint32_t)base);
	uint32_t *node = ext2_get(fs, b, &err);
	if (!node)
		return err;
	t->chain[t->depth++] = b;
	unsigned per = fs->block_size / 4;
	err = trunc_node(fs, t, node, per, b, level - 1, base, span / per);
	t->depth--;
	if (err || t->full || base < t->keep)
		return err;
	return trunc_add(fs, t, slot, cont, b, (uint32_t)base, false);
}

static int trunc_node(struct ext2_fs *fs, struct trunc *t, uint32_t *slots, unsigned nslots,
		      uint32_t cont, unsigned level, uint64_t base, uint64_t span)
{
	for (unsigned i = nslots; i-- > 0 && !t->full;) {
		if (base + (uint64_t)i * span + span <= t->keep)
			break;
		int err = trunc_slot(fs, t, &slots[i], cont, level, base + (uint64_t)i * span, span);
		if (err)
			return err;
	}
	return 0;
}

static int trunc_plan(struct ext2_fs *fs, struct trunc *t, struct ext2_inode *in)
{
	uint64_t p = fs->block_size / 4;
	uint64_t base[3] = { 12, 12 + p, 12 + p + p * p };
	uint64_t span[3] = { p, p * p, p * p * p };
	for (int lvl = 3; lvl >= 1 && !t->full; lvl--) {
		int err = trunc_slot(fs, t, &in->i_block[11 + lvl], 0, (unsigned)lvl,
				     base[lvl - 1], span[lvl - 1]);
		if (err)
			return err;
	}
	if (t->full)
		return 0;
	return trunc_node(fs, t, in->i_block, 12, 0, 0, 0, 1);
}

/* One step of freeing file blocks >= keep_blocks. *done when none is left.
 * The size drops to cover only what is left (never below keep_blocks). */
int ext2_trunc_step(struct ext2_fs *fs, uint32_t ino, uint32_t keep_blocks, bool *done)
{
	struct ext2_inode *in;
	static const struct trunc zero_t;
	struct trunc t = zero_t;
	int err = ext2_inode_get(fs, ino, &in);
	if (err)
		return err;
	*done = true;
	if (ext2_fast_symlink(fs, in))
		return 0;
	t.keep = keep_blocks;
	err = trunc_plan(fs, &t, in);
	if (err)
		return err;
	if (t.n == 0)
		return 0;
	*done = !t.full;
	uint64_t low = UINT64_MAX;
	uint32_t sectors = fs->block_size / 512;
	for (unsigned i = 0; i < t.n; i++) {
		struct trunc_ent *e = &t.ent[i];
		*e->slot = 0;
		if (e->cont)
			fs->io->dirty(fs->io->ctx, e->cont);
		ext2_release_block(fs, e->blk);
		in->i_blocks = in->i_blocks >= sectors ? in->i_blocks - sectors : 0;
		if (e->data && e->fblk < low)
			low = e->fblk;
	}
	uint64_t size = ext2_inode_size(in), cap = low * fs->block_size;
	if (low != UINT64_MAX && size > cap) {
		in->i_size = (uint32_t)cap;
		if ((in->i_mode & EXT2_S_IFMT) == EXT2_S_IFREG)
			in->i_size_high = (uint32_t)(cap >> 32);
	}
	if (ext2_is_dir(in))
		in->i_flags &= ~(uint32_t)EXT2_INDEX_FL;
	in->i_mtime = in->i_ctime = ext2_now(fs);
	ext2_inode_mark(fs, ino);
	return 0;
}

static uint64_t max_size(const struct ext2_fs *fs)
{
	uint64_t p = fs->block_size / 4;
	uint64_t m = (12 + p + p * p + p * p * p) * fs->block_size;
	uint64_t lim = ((uint64_t)1 << 41) - fs->block_size; /* i_blocks is 32 bits of sectors */
	return m < lim ? m : lim;
}

static void put_size(struct ext2_fs *fs, struct ext2_inode *in, uint64_t size)
{
	in->i_size = (uint32_t)size;
	if ((in->i_mode & EXT2_S_IFMT) == EXT2_S_IFREG)
		in->i_size_high = (uint32_t)(size >> 32);
	if (size >= 0x80000000u && !(fs->feat_ro_compat & EXT2_RO_LARGE_FILE)) {
		fs->feat_ro_compat |= EXT2_RO_LARGE_FILE;
		ext2_wr32(fs->sb + SB_FEAT_RO_COMPAT, fs->feat_ro_compat);
		fs->sb_dirty = true;
	}
}

/* What setting ino's size to size needs: a writable file system, the
 * inode, not a directory, a size the block map can hold. */
static int size_prep(struct ext2_fs *fs, uint32_t ino, uint64_t size, struct ext2_inode **in)
{
	if (fs->readonly)
		return -EROFS;
	int err = ext2_inode_get(fs, ino, in);
	if (err)
		return err;
	if (ext2_is_dir(*in))
		return -EISDIR;
	return size > max_size(fs) ? -EFBIG : 0;
}

int ext2_set_size(struct ext2_fs *fs, uint32_t ino, uint64_t size)
{
	struct ext2_inode *in;
	int err = size_prep(fs, ino, size, &in);
	if (err)
		return err;
	if ((in->i_mode & EXT2_S_IFMT) != EXT2_S_IFREG && size > 0xFFFFFFFFu)
		return -EFBIG;
	put_size(fs, in, size);
	in->i_mtime = in->i_ctime = ext2_now(fs);
	ext2_inode_mark(fs, ino);
	return 0;
}

int ext2_truncate(struct ext2_fs *fs, uint32_t ino, uint64_t size)
{
	struct ext2_inode *in;
	int err = size_prep(fs, ino, size, &in);
	if (err)
		return err;
	if (ext2_fast_symlink(fs, in))
		return -EINVAL;
	uint64_t keep = (size + fs->block_size - 1) / fs->block_size;
	for (bool done = false; !done;) {
		err = ext2_trunc_step(fs, ino, (uint32_t)keep, &done);
		if (err)
			return err;
	}
	return ext2_set_size(fs, ino, size);
}

/* The extended-attribute block: drop our reference (read phase first). */
int ext2_ea_prep(struct ext2_fs *fs, struct ext2_inode *in, uint8_t **ea)
{
	uint32_t bmb;
	int err;
	*ea = NULL;
	if (!in->i_file_acl)
		return 0;
	if (ext2_check_data(fs, in->i_file_acl))
		return -EIO;
	*ea = ext2_get(fs, in->i_file_acl, &err);
	if (!*ea)
		return err;
	if (ext2_rd32(*ea) != 0xEA020000u || ext2_rd32(*ea + 4) == 0)
		return ext2_bad(fs, "bad extended attribute block", in->i_file_acl, 0);
	return ext2_prep_release(fs, in->i_file_acl, &bmb);
}

void ext2_ea_drop(struct ext2_fs *fs, struct ext2_inode *in, uint8_t *ea)
{
	uint32_t refs = ext2_rd32(ea + 4);
	if (refs > 1) {
		ext2_wr32(ea + 4, refs - 1);
		fs->io->dirty(fs->io->ctx, in->i_file_acl);
	} else {
		ext2_release_block(fs, in->i_file_acl);
	}
	uint32_t sectors = fs->block_size / 512;
	in->i_blocks = in->i_blocks >= sectors ? in->i_blocks - sectors : 0;
	in->i_file_acl = 0;
}

int ext2_inode_free(struct ext2_fs *fs, uint32_t ino)
{
	struct ext2_inode *in;
	uint8_t *ea;
	if (fs->readonly)
		return -EROFS;
	int err = ext2_inode_get(fs, ino, &in);
	if (err)
		return err;
	if (in->i_links_count != 0 || ino < fs->first_ino)
		return -EINVAL;
	err = ext2_prep_release_inode(fs, ino);
	if (err)
		return err;
	for (bool done = false; !done;) {
		err = ext2_trunc_step(fs, ino, 0, &done);
		if (err)
			return err;
	}
	/* Read phase of the last step: inode, its bitmap, the EA block. */
	if ((err = ext2_inode_get(fs, ino, &in)) || (err = ext2_prep_release_inode(fs, ino)) ||
	    (err = ext2_ea_prep(fs, in, &ea)))
		return err;
	if (ea)
		ext2_ea_drop(fs, in, ea);
	ext2_release_inode(fs, ino, ext2_is_dir(in));
	in->i_dtime = ext2_now(fs);
	in->i_size = 0;
	in->i_size_high = 0;
	if (ext2_fast_symlink(fs, in))
		memset(in->i_block, 0, sizeof in->i_block);
	ext2_inode_mark(fs, ino);
	return 0;
}
