/*
 * ext2_dir.c (servers/fs/) - directories: linear scans (indexed dir_index
 * directories are read the same way; changing one clears EXT2_INDEX_FL),
 * lookup, readdir, create, mkdir, unlink, link, rmdir and rename. Each
 * modifying call scans and plans first, then changes (see ext2.h).
 */
#include "ext2_priv.h"

#define NO_PREV 0xFFFFFFFFu

struct dslot {
	uint32_t blk;
	uint8_t *buf;
	uint32_t off, prev;
};

struct dscan {
	const char *name;
	unsigned len, need; /* need: bytes for a new entry, 0 = no room wanted */
	bool found, room_ok;
	struct dslot hit, room;
	uint32_t hit_ino, nblocks;
};

static unsigned ent_len(unsigned name_len) { return (8 + name_len + 3) & ~3u; }

static int check_name(const char *name, unsigned len)
{
	(void)name;
	if (len == 0)
		return -ENOENT;
	return len > EXT2_NAME_MAX ? -ENAMETOOLONG : 0;
}

static int check_new_name(const char *name, unsigned len)
{
	int err = check_name(name, len);
	if (err)
		return err;
	for (unsigned i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == 0)
			return -EINVAL;
	return 0;
}

static bool is_dot(const char *name, unsigned len)
{
	return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}

/* The directory inode, checked: a directory whose size fits its blocks. */
static int dir_get(struct ext2_fs *fs, uint32_t dir, struct ext2_inode **in, uint32_t *nblocks)
{
	int err = ext2_inode_get(fs, dir, in);
	if (err)
		return err;
	if (!ext2_is_dir(*in))
		return -ENOTDIR;
	uint32_t n = (*in)->i_size / fs->block_size;
	if ((*in)->i_size % fs->block_size || n > (*in)->i_blocks / (fs->block_size / 512) ||
	    n > fs->blocks_count)
		return ext2_bad(fs, "bad directory size", dir, (*in)->i_size);
	*nblocks = n;
	return 0;
}

/* Check the entry at off; fills its fields. */
static int ent_check(struct ext2_fs *fs, const uint8_t *b, uint32_t off, uint32_t *ino,
		     unsigned *rec, unsigned *nlen)
{
	if (off + 8 > fs->block_size)
		return ext2_bad(fs, "directory entry crosses its block", off, 0);
	*ino = ext2_rd32(b + off);
	*rec = ext2_rd16(b + off + 4);
	*nlen = b[off + 6];
	if (!(fs->feat_incompat & EXT2_INCOMPAT_FILETYPE))
		*nlen |= (unsigned)b[off + 7] << 8;
	if (*rec < 8 || *rec % 4 || off + *rec > fs->block_size || 8 + *nlen > *rec ||
	    *ino > fs->inodes_count || (*ino && *nlen == 0) || *nlen > EXT2_NAME_MAX)
		return ext2_bad(fs, "bad directory entry", off, *rec);
	return 0;
}

/* Directory block fblk (0 with *buf NULL: a hole). */
static int dir_block(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *in, uint32_t fblk,
		     uint32_t *pblk, uint8_t **buf)
{
	struct ext2_path p;
	int err = ext2_path_walk(fs, dir, in, fblk, false, NULL, &p);
	if (err)
		return err;
	*pblk = p.pblk;
	*buf = NULL;
	if (!p.pblk)
		return 0;
	*buf = ext2_get(fs, p.pblk, &err);
	return *buf ? 0 : err;
}

static void scan_entry(struct dscan *s, uint8_t *b, uint32_t blk, uint32_t off, uint32_t prev,
		       uint32_t ino, unsigned rec, unsigned nlen)
{
	if (ino && nlen == s->len && memcmp(b + off + 8, s->name, nlen) == 0) {
		s->found = true;
		s->hit = (struct dslot){ blk, b, off, prev };
		s->hit_ino = ino;
		return;
	}
	if (!s->need || s->room_ok)
		return;
	if ((!ino && rec >= s->need) || (ino && rec - ent_len(nlen) >= s->need)) {
		s->room_ok = true;
		s->room = (struct dslot){ blk, b, off, prev };
	}
}

/* Read phase: find s->name and (with s->need) room for a new entry. */
static int dir_scan(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *in, struct dscan *s)
{
	s->found = s->room_ok = false;
	int err = dir_get(fs, dir, &in, &s->nblocks);
	if (err)
		return err;
	for (uint32_t f = 0; f < s->nblocks && !s->found; f++) {
		uint32_t blk, ino, prev = NO_PREV;
		unsigned rec, nlen;
		uint8_t *b;
		if ((err = dir_block(fs, dir, in, f, &blk, &b)))
			return err;
		for (uint32_t off = 0; b && off < fs->block_size && !s->found; off += rec) {
			if ((err = ent_check(fs, b, off, &ino, &rec, &nlen)))
				return err;
			scan_entry(s, b, blk, off, prev, ino, rec, nlen);
			prev = off;
		}
	}
	return 0;
}

int ext2_lookup(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len, uint32_t *ino)
{
	struct ext2_inode *in;
	struct dscan s = { .name = name, .len = len };
	int err = check_name(name, len);
	if (err || (err = ext2_inode_get(fs, dir, &in)) || (err = dir_scan(fs, dir, in, &s)))
		return err;
	if (!s.found)
		return -ENOENT;
	*ino = s.hit_ino;
	return 0;
}

int ext2_readdir(struct ext2_fs *fs, uint32_t dir, uint64_t *pos, struct ext2_dirent *out)
{
	struct ext2_inode *in;
	uint32_t n;
	int err = ext2_inode_get(fs, dir, &in);
	if (err || (err = dir_get(fs, dir, &in, &n)))
		return err;
	while (*pos < (uint64_t)n * fs->block_size) {
		uint32_t f = (uint32_t)(*pos / fs->block_size), at = *pos % fs->block_size;
		uint32_t blk, ino;
		unsigned rec, nlen;
		uint8_t *b;
		if ((err = dir_block(fs, dir, in, f, &blk, &b)))
			return err;
		for (uint32_t off = 0; b && off < fs->block_size; off += rec) {
			if ((err = ent_check(fs, b, off, &ino, &rec, &nlen)))
				return err;
			if (off < at || ino == 0)
				continue;
			out->ino = ino;
			out->type = (fs->feat_incompat & EXT2_INCOMPAT_FILETYPE) && b[off + 7] <= 7
					    ? b[off + 7] : 0;
			out->name_len = (uint8_t)nlen;
			memcpy(out->name, b + off + 8, nlen);
			out->name[nlen] = 0;
			*pos = (uint64_t)f * fs->block_size + off + rec;
			return 1;
		}
		*pos = (uint64_t)(f + 1) * fs->block_size;
	}
	return 0;
}

/* ---- changing directories ------------------------------------------------ */

static void put_entry(uint8_t *b, uint32_t off, uint32_t ino, unsigned rec, uint8_t type,
		      const char *name, unsigned len)
{
	ext2_wr32(b + off, ino);
	ext2_wr16(b + off + 4, (uint16_t)rec);
	b[off + 6] = (uint8_t)len;
	b[off + 7] = type;
	memcpy(b + off + 8, name, len);
	memset(b + off + 8 + len, 0, ent_len(len) - 8 - len);
}

static void dir_touch(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *in)
{
	in->i_mtime = in->i_ctime = ext2_now(fs);
	in->i_flags &= ~(uint32_t)EXT2_INDEX_FL;
	ext2_inode_mark(fs, dir);
}

/* Read phase of adding an entry when the scan found no room: plan the
 * directory's next block. */
static int add_plan(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *in, struct dscan *s,
		    struct ext2_plan *pl, struct ext2_path *p)
{
	if (s->room_ok)
		return 0;
	int err = ext2_path_walk(fs, dir, in, s->nblocks, true, pl, p);
	if (err)
		return err;
	if (p->first_new > p->depth)
		return ext2_bad(fs, "directory block past its size", dir, p->pblk);
	return 0;
}

/* Commit: the entry goes into the room found or the planned new block. */
static void add_commit(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *in, struct dscan *s,
		       struct ext2_path *p, uint32_t ino, uint8_t type)
{
	if (s->room_ok) {
		uint8_t *b = s->room.buf;
		uint32_t off = s->room.off, old = ext2_rd32(b + off);
		unsigned rec = ext2_rd16(b + off + 4);
		if (old) {
			unsigned used = ent_len(b[off + 6]);
			ext2_wr16(b + off + 4, (uint16_t)used);
			off += used;
			rec -= used;
		}
		put_entry(b, off, ino, rec, type, s->name, s->len);
		fs->io->dirty(fs->io->ctx, s->room.blk);
	} else {
		ext2_path_commit(fs, dir, in, p);
		put_entry(p->newbuf, 0, ino, fs->block_size, type, s->name, s->len);
		in->i_size += fs->block_size;
	}
	dir_touch(fs, dir, in);
}

static void remove_entry(struct ext2_fs *fs, const struct dslot *h)
{
	if (h->prev != NO_PREV) {
		unsigned rec = ext2_rd16(h->buf + h->prev + 4) + ext2_rd16(h->buf + h->off + 4);
		ext2_wr16(h->buf + h->prev + 4, (uint16_t)rec);
	} else {
		ext2_wr32(h->buf + h->off, 0);
	}
	fs->io->dirty(fs->io->ctx, h->blk);
}

static void init_inode(struct ext2_fs *fs, struct ext2_inode *in, uint16_t mode, uint16_t links)
{
	uint32_t now = ext2_now(fs);
	memset(in, 0, fs->inode_size);
	in->i_mode = mode;
	in->i_links_count = links;
	in->i_atime = in->i_ctime = in->i_mtime = now;
	if (fs->inode_size >= 160)
		ext2_wr16((uint8_t *)in + 128, 32); /* i_extra_isize, as mke2fs */
}

static int create_common(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len,
			 uint16_t mode, bool is_dir, uint32_t *ino)
{
	struct ext2_inode *din, *in;
	struct ext2_plan pl = { .n = 0 };
	struct ext2_path p;
	struct dscan s = { .name = name, .len = len, .need = ent_len(len) };
	uint32_t blk = 0;
	uint8_t *b = NULL;
	int err = check_new_name(name, len);
	if (err)
		return err;
	if (fs->readonly)
		return -EROFS;
	if ((err = ext2_inode_get(fs, dir, &din)) || (err = dir_scan(fs, dir, din, &s)))
		return err;
	if (s.found)
		return -EEXIST;
	if (din->i_links_count == 0)
		return -ENOENT;
	if (is_dir && din->i_links_count >= EXT2_LINK_MAX)
		return -EMLINK;
	if ((err = ext2_plan_inode(fs, &pl, dir, is_dir)) || (err = ext2_inode_get(fs, pl.ino, &in)))
		return err;
	if (is_dir) {
		uint32_t g = (pl.ino - 1) / fs->inodes_per_group;
		err = ext2_plan_block(fs, &pl, fs->first_data_block + g * fs->blocks_per_group, &blk);
		if (err)
			return err;
	}
	if ((err = add_plan(fs, dir, din, &s, &pl, &p)))
		return err;
	/* Commit. */
	uint16_t type = is_dir ? EXT2_S_IFDIR : EXT2_S_IFREG;
	ext2_commit_inode(fs, pl.ino, is_dir);
	init_inode(fs, in, (uint16_t)(type | (mode & 07777)), is_dir ? 2 : 1);
	if (is_dir) {
		b = fs->io->get_new(fs->io->ctx, blk);
		ext2_commit_block(fs, blk);
		put_entry(b, 0, pl.ino, 12, ext2_ftype(fs, type), ".", 1);
		put_entry(b, 12, dir, fs->block_size - 12, ext2_ftype(fs, type), "..", 2);
		fs->io->dirty(fs->io->ctx, blk);
		in->i_block[0] = blk;
		in->i_blocks = fs->block_size / 512;
		in->i_size = fs->block_size;
		din->i_links_count++;
	}
	ext2_inode_mark(fs, pl.ino);
	add_commit(fs, dir, din, &s, &p, pl.ino, ext2_ftype(fs, type));
	*ino = pl.ino;
	return 0;
}

int ext2_create(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len, uint16_t mode,
		uint32_t *ino)
{
	return create_common(fs, dir, name, len, mode, false, ino);
}

int ext2_mkdir(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len, uint16_t mode,
	       uint32_t *ino)
{
	return create_common(fs, dir, name, len, mode, true, ino);
}

int ext2_link(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len, uint32_t ino)
{
	struct ext2_inode *din, *in;
	struct ext2_plan pl = { .n = 0 };
	struct ext2_path p;
	struct dscan s = { .name = name, .len = len, .need = ent_len(len) };
	int err = check_new_name(name, len);
	if (err)
		return err;
	if (fs->readonly)
		return -EROFS;
	if ((err = ext2_inode_get(fs, ino, &in)))
		return err;
	if (ext2_is_dir(in))
		return -EPERM;
	if (in->i_links_count == 0)
		return -ENOENT;
	if (in->i_links_count >= EXT2_LINK_MAX)
		return -EMLINK;
	if ((err = ext2_inode_get(fs, dir, &din)) || (err = dir_scan(fs, dir, din, &s)))
		return err;
	if (s.found)
		return -EEXIST;
	if (din->i_links_count == 0)
		return -ENOENT;
	if ((err = add_plan(fs, dir, din, &s, &pl, &p)))
		return err;
	in->i_links_count++;
	in->i_ctime = ext2_now(fs);
	ext2_inode_mark(fs, ino);
	add_commit(fs, dir, din, &s, &p, ino, ext2_ftype(fs, in->i_mode));
	return 0;
}

int ext2_unlink(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len, uint32_t *ino,
		uint32_t *links_left)
{
	struct ext2_inode *din, *in;
	struct dscan s = { .name = name, .len = len };
	int err = check_name(name, len);
	if (err)
		return err;
	if (fs->readonly)
		return -EROFS;
	if ((err = ext2_inode_get(fs, dir, &din)) || (err = dir_scan(fs, dir, din, &s)))
		return err;
	if (!s.found)
		return -ENOENT;
	if ((err = ext2_inode_get(fs, s.hit_ino, &in)))
		return err;
	if (ext2_is_dir(in))
		return -EISDIR;
	if (in->i_links_count == 0)
		return ext2_bad(fs, "entry for an inode with no links", s.hit_ino, dir);
	remove_entry(fs, &s.hit);
	in->i_links_count--;
	in->i_ctime = ext2_now(fs);
	ext2_inode_mark(fs, s.hit_ino);
	dir_touch(fs, dir, din);
	*ino = s.hit_ino;
	*links_left = in->i_links_count;
	return 0;
}

/* Read phase: is directory ino empty ("." and ".." only)? */
static int dir_empty(struct ext2_fs *fs, uint32_t ino)
{
	struct ext2_inode *in;
	uint64_t pos = 0;
	struct ext2_dirent d;
	int r, err = ext2_inode_get(fs, ino, &in);
	if (err)
		return err;
	while ((r = ext2_readdir(fs, ino, &pos, &d)) == 1)
		if (!is_dot(d.name, d.name_len))
			return -ENOTEMPTY;
	return r;
}

/* The ".." entry of directory ino (its second entry, block 0). */
static int dotdot(struct ext2_fs *fs, uint32_t ino, struct dslot *out)
{
	struct ext2_inode *in;
	uint32_t n, e, blk;
	unsigned rec, nlen;
	uint8_t *b;
	int err = dir_get(fs, ino, &in, &n);
	if (err)
		return err;
	if (n == 0 || (err = dir_block(fs, ino, in, 0, &blk, &b)))
		return err ? err : ext2_bad(fs, "directory without blocks", ino, 0);
	if (!b || (err = ent_check(fs, b, 0, &e, &rec, &nlen)))
		return err ? err : ext2_bad(fs, "directory without blocks", ino, 0);
	uint32_t off = rec;
	if ((err = ent_check(fs, b, off, &e, &rec, &nlen)))
		return err;
	if (nlen != 2 || memcmp(b + off + 8, "..", 2) || e == 0)
		return ext2_bad(fs, "directory without ..", ino, off);
	*out = (struct dslot){ blk, b, off, 0 };
	return 0;
}

/* One pass of rmdir. *again: a step shrank the directory, run once more. */
static int rmdir_pass(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len,
		      bool *again)
{
	struct ext2_inode *din, *in;
	struct dscan s = { .name = name, .len = len };
	int err;
	*again = false;
	if ((err = ext2_inode_get(fs, dir, &din)) || (err = dir_scan(fs, dir, din, &s)))
		return err;
	if (!s.found)
		return -ENOENT;
	if ((err = ext2_inode_get(fs, s.hit_ino, &in)))
		return err;
	if (!ext2_is_dir(in))
		return -ENOTDIR;
	if (s.hit_ino == dir || s.hit_ino == EXT2_ROOT_INO)
		return ext2_bad(fs, "directory entry loops", dir, s.hit_ino);
	if ((err = dir_empty(fs, s.hit_ino)))
		return err;
	bool stray = false;
	for (unsigned i = 1; i < 15; i++)
		stray |= in->i_block[i] != 0;
	if (in->i_size > fs->block_size || stray) {
		/* Shrink to block 0 first, in steps that each leave a valid
		 * directory; a step that frees nothing means a bad size. */
		bool done;
		*again = true;
		err = ext2_trunc_step(fs, s.hit_ino, 1, &done);
		return err ? err : done && in->i_size > fs->block_size
					  ? ext2_bad(fs, "directory size past its blocks", s.hit_ino, 0)
					  : 0;
	}
	/* Last pass: block 0 and the inode go with the name, all at once. */
	uint32_t blk = in->i_block[0], bmb;
	uint8_t *ea;
	if (blk && ((err = ext2_check_data(fs, blk)) || (err = ext2_prep_release(fs, blk, &bmb))))
		return err;
	if ((err = ext2_prep_release_inode(fs, s.hit_ino)) || (err = ext2_ea_prep(fs, in, &ea)))
		return err;
	if (ea)
		ext2_ea_drop(fs, in, ea);
	remove_entry(fs, &s.hit);
	if (din->i_links_count > 2)
		din->i_links_count--;
	dir_touch(fs, dir, din);
	if (blk)
		ext2_release_block(fs, blk);
	memset(in->i_block, 0, sizeof in->i_block);
	in->i_blocks = 0;
	in->i_size = 0;
	in->i_links_count = 0;
	in->i_dtime = in->i_ctime = ext2_now(fs);
	ext2_release_inode(fs, s.hit_ino, true);
	ext2_inode_mark(fs, s.hit_ino);
	return 0;
}

int ext2_rmdir(struct ext2_fs *fs, uint32_t dir, const char *name, unsigned len)
{
	int err = check_name(name, len);
	if (err)
		return err;
	if (len == 1 && name[0] == '.')
		return -EINVAL;
	if (is_dot(name, len))
		return -ENOTEMPTY;
	if (fs->readonly)
		return -EROFS;
	for (bool again = true; again;)
		if ((err = rmdir_pass(fs, dir, name, len, &again)))
			return err;
	return 0;
}

/* Read phase of moving directory src under ndir: ndir must not be src or
 * inside it (walk ".." up to the root, bounded against loops). */
static int not_inside(struct ext2_fs *fs, uint32_t src, uint32_t ndir)
{
	uint32_t cur = ndir;
	for (uint32_t i = 0; i <= fs->inodes_count && i < 65536; i++) {
		struct dslot dd;
		if (cur == src)
			return -EINVAL;
		if (cur == EXT2_ROOT_INO)
			return 0;
		int err = dotdot(fs, cur, &dd);
		if (err)
			return err;
		cur = ext2_rd32(dd.buf + dd.off);
	}
	return ext2_bad(fs, "directory loop", src, ndir);
}

struct rename_ctx {
	struct ext2_inode *odin, *ndin, *sin, *tin;
	struct dscan os, ns;
	struct dslot sdd; /* ".." of a directory that changes parent */
	struct ext2_plan pl;
	struct ext2_path p;
	bool s_dir, moves;
};

static int rename_check_target(struct ext2_fs *fs, struct rename_ctx *c)
{
	int err = ext2_inode_get(fs, c->ns.hit_ino, &c->tin);
	if (err)
		return err;
	bool t_dir = ext2_is_dir(c->tin);
	if (c->s_dir && !t_dir)
		return -ENOTDIR;
	if (!c->s_dir && t_dir)
		return -EISDIR;
	if (c->tin->i_links_count == 0)
		return ext2_bad(fs, "entry for an inode with no links", c->ns.hit_ino, 0);
	return t_dir ? dir_empty(fs, c->ns.hit_ino) : 0;
}

static int rename_read(struct ext2_fs *fs, uint32_t odir, uint32_t ndir, struct rename_ctx *c)
{
	int err;
	if ((err = ext2_inode_get(fs, odir, &c->odin)) || (err = dir_scan(fs, odir, c->odin, &c->os)))
		return err;
	if (!c->os.found)
		return -ENOENT;
	if ((err = ext2_inode_get(fs, c->os.hit_ino, &c->sin)))
		return err;
	c->s_dir = ext2_is_dir(c->sin);
	c->moves = c->s_dir && odir != ndir;
	if ((err = ext2_inode_get(fs, ndir, &c->ndin)) || (err = dir_scan(fs, ndir, c->ndin, &c->ns)))
		return err;
	if (c->ndin->i_links_count == 0)
		return -ENOENT;
	if (c->ns.found && c->ns.hit_ino == c->os.hit_ino)
		return 1; /* the same file: nothing to do */
	if (c->ns.found && (err = rename_check_target(fs, c)))
		return err;
	if (c->moves) {
		if ((err = not_inside(fs, c->os.hit_ino, ndir)) || (err = dotdot(fs, c->os.hit_ino, &c->sdd)))
			return err;
		if (!c->ns.found && c->ndin->i_links_count >= EXT2_LINK_MAX)
			return -EMLINK;
	}
	if (!c->ns.found)
		return add_plan(fs, ndir, c->ndin, &c->ns, &c->pl, &c->p);
	return 0;
}

static void rename_replace(struct ext2_fs *fs, uint32_t ndir, struct rename_ctx *c,
			   uint32_t *replaced, uint32_t *replaced_links)
{
	uint8_t *b = c->ns.hit.buf;
	ext2_wr32(b + c->ns.hit.off, c->os.hit_ino);
	b[c->ns.hit.off + 7] = ext2_ftype(fs, c->sin->i_mode);
	fs->io->dirty(fs->io->ctx, c->ns.hit.blk);
	if (ext2_is_dir(c->tin)) {
		c->tin->i_links_count = 0;
		if (c->ndin->i_links_count > 2)
			c->ndin->i_links_count--;
	} else {
		c->tin->i_links_count--;
	}
	c->tin->i_ctime = ext2_now(fs);
	ext2_inode_mark(fs, c->ns.hit_ino);
	dir_touch(fs, ndir, c->ndin);
	*replaced = c->ns.hit_ino;
	*replaced_links = c->tin->i_links_count;
}

int ext2_rename(struct ext2_fs *fs, uint32_t odir, const char *oname, unsigned olen,
		uint32_t ndir, const char *nname, unsigned nlen, uint32_t *replaced,
		uint32_t *replaced_links)
{
	static const struct rename_ctx zero_c;
	struct rename_ctx c = zero_c;
	int err;
	*replaced = *replaced_links = 0;
	if ((err = check_name(oname, olen)) || (err = check_new_name(nname, nlen)))
		return err;
	if (is_dot(oname, olen) || is_dot(nname, nlen))
		return -EINVAL;
	if (fs->readonly)
		return -EROFS;
	c.os = (struct dscan){ .name = oname, .len = olen };
	c.ns = (struct dscan){ .name = nname, .len = nlen, .need = ent_len(nlen) };
	err = rename_read(fs, odir, ndir, &c);
	if (err)
		return err < 0 ? err : 0;
	/* Commit: the new name first, then the old one goes. */
	uint32_t src = c.os.hit_ino;
	if (c.ns.found)
		rename_replace(fs, ndir, &c, replaced, replaced_links);
	else
		add_commit(fs, ndir, c.ndin, &c.ns, &c.p, src, ext2_ftype(fs, c.sin->i_mode));
	/* The insert may have split the entry before the old one: find it again
	 * (same blocks as the first scan, already read). */
	c.os.found = false;
	if ((err = dir_scan(fs, odir, c.odin, &c.os)))
		return err;
	if (c.os.found && c.os.hit_ino == src)
		remove_entry(fs, &c.os.hit);
	dir_touch(fs, odir, c.odin);
	if (c.moves) {
		ext2_wr32(c.sdd.buf + c.sdd.off, ndir);
		fs->io->dirty(fs->io->ctx, c.sdd.blk);
		if (c.odin->i_links_count > 2)
			c.odin->i_links_count--;
		c.ndin->i_links_count++;
		ext2_inode_mark(fs, ndir);
	}
	c.sin->i_ctime = ext2_now(fs);
	ext2_inode_mark(fs, src);
	return 0;
}
