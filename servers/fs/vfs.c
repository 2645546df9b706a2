/*
 * vfs.c (servers/fs/) - the pager's file server (vfs.h): path names
 * resolved component by component through ext2_lookup, vnodes that keep
 * unlinked inodes alive while used, and the file calls of libsys/pager.h.
 * A call that meets a block not in the cache gets -EAGAIN (the read is
 * started) and parks; pager.c runs it again when the block is in.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../pager.h"
#include "cache.h"
#include "vfs.h"

#define PG 4096u
#define READAHEAD 64       /* pages */
#define SLICE (256u << 10) /* bytes moved per turn: others get served between */

bool vfs_mounted;
static struct vnode *vnodes;

/* ext2's "fs: ..." lines; a request run again after a read would repeat
 * its line, so the same line twice in a row is printed once. */
static void vfs_log(const char *line)
{
	static char last[160];
	if (!strncmp(line, last, sizeof last - 1))
		return;
	snprintf(last, sizeof last, "%s", line);
	printf("%s\n", line);
}

int vfs_mount(const uint8_t sb[1024], bool readonly)
{
	static char why[160];
	int e = ext2_mount(&cache_fs, &cache_io, sb, why, sizeof why);
	if (e < 0) {
		printf("%s\n", why);
		return e;
	}
	if (readonly) {
		ext2_set_readonly(&cache_fs);
		printf("pager: the disk is read-only: mounted read-only\n");
	}
	cache_fs.log = vfs_log;
	cache_fs.verbose = true; /* a corrupt disk is a real problem: say so */
	cache_init(cache_fs.block_size);
	/* No clock device: the boot argument epoch= (tools/qemu-run passes the
	 * host's time), else the last write time, so times never go back. */
	uint32_t wtime;
	memcpy(&wtime, sb + 48, 4); /* s_wtime */
	const char *ep = strstr(libsys_bootinfo->bootargs, "epoch=");
	cache_time_base = ep ? strtoull(ep + 6, NULL, 10) : wtime;
	vfs_mounted = true;
	return 0;
}

static int vfs_inode(uint32_t ino, struct ext2_inode **in);

/* ---- vnodes ---------------------------------------------------------- */

struct vnode *vfs_vget(uint32_t ino)
{
	struct vnode *vn;
	for (vn = vnodes; vn; vn = vn->next)
		if (vn->ino == ino)
			break;
	if (!vn && (vn = calloc(1, sizeof *vn))) {
		vn->ino = ino;
		vn->next = vnodes;
		vnodes = vn;
	}
	if (vn)
		vn->refs++;
	return vn;
}

/* An inode with no links left: freed now if nobody uses it, else when the
 * last user goes. Freeing may need blocks: then it is retried later. */
static void vfs_orphan(uint32_t ino)
{
	struct vnode *vn = vfs_vget(ino);
	if (!vn)
		return;
	vn->free_pending = true;
	vfs_vput(vn);
}

struct vnode *vfs_anon_new(uint64_t size)
{
	static uint32_t next = VFS_ANON_INO;
	struct vnode *vn = vfs_vget(next);
	if (vn) {
		vn->anon_size = size;
		next = next == UINT32_MAX ? VFS_ANON_INO : next + 1;
	}
	return vn;
}

void vfs_free_pending(void)
{
	for (struct vnode **pp = &vnodes, *vn; (vn = *pp);) {
		if (!vn->refs && vfs_is_anon(vn)) /* its pages go with it */
			cache_truncate(vn->ino, 0, vn->anon_size);
		if (!vn->refs && vn->free_pending) {
			struct ext2_inode *in;
			int ie = vfs_inode(vn->ino, &in);
			if (ie == -EAGAIN) {
				pp = &vn->next;
				continue;
			}
			/* No page may be written to the blocks freed next. */
			cache_truncate(vn->ino, 0, ie ? UINT64_MAX : ext2_inode_size(in));
			if (ext2_inode_free(&cache_fs, vn->ino) == -EAGAIN) {
				pp = &vn->next;
				continue;
			}
		}
		if (!vn->refs) {
			*pp = vn->next;
			free(vn);
		} else {
			pp = &vn->next;
		}
	}
}

void vfs_vput(struct vnode *vn)
{
	if (vn && --vn->refs == 0)
		vfs_free_pending();
}

/* ---- the name cache ------------------------------------------------------
 * Names looked up recently (directory, name -> inode), so a path's
 * directories are not scanned again for every call. Only names that exist
 * are kept; unlink forgets its name, rename and rmdir forget everything
 * (a moved directory's "..", a freed directory's inode number reused). */

#define DCACHE 64
#define DNAME 27

static struct dentry {
	uint32_t dir, ino;
	uint8_t len;
	char name[DNAME];
} dcache[DCACHE];

static struct dentry *dcache_slot(uint32_t dir, const char *name, unsigned len)
{
	uint32_t h = dir * 2654435761u;
	for (unsigned i = 0; i < len; i++)
		h = (h ^ (uint8_t)name[i]) * 16777619u;
	return &dcache[h % DCACHE];
}

static int vfs_lookup(uint32_t dir, const char *name, unsigned len, uint32_t *ino)
{
	struct dentry *d = dcache_slot(dir, name, len);
	if (d->ino && d->dir == dir && d->len == len && !memcmp(d->name, name, len)) {
		*ino = d->ino;
		return 0;
	}
	int e = ext2_lookup(&cache_fs, dir, name, len, ino);
	if (!e && len <= DNAME) {
		*d = (struct dentry){.dir = dir, .ino = *ino, .len = (uint8_t)len};
		memcpy(d->name, name, len);
	}
	return e;
}

static void dcache_forget(uint32_t dir, const char *name, unsigned len)
{
	struct dentry *d = dcache_slot(dir, name, len);
	if (d->dir == dir && d->len == len && !memcmp(d->name, name, len))
		d->ino = 0;
}

static void dcache_flush(void) { memset(dcache, 0, sizeof dcache); }

/* ---- path names -------------------------------------------------------- */

static uint32_t vfs_start(const struct proc *p, const char *path)
{
	return path[0] == '/' || !p || !p->cwd_ino ? EXT2_ROOT_INO : p->cwd_ino;
}

/* The component of path at *pos: *name and its length; false at the end. */
static bool vfs_next(const char *path, size_t *pos, const char **name, unsigned *len)
{
	while (path[*pos] == '/')
		(*pos)++;
	if (!path[*pos])
		return false;
	*name = path + *pos;
	while (path[*pos] && path[*pos] != '/')
		(*pos)++;
	*len = (unsigned)(path + *pos - *name);
	return true;
}

/* Resolve all of path (follow_last) or all but its last component, which
 * comes back in *last and *last_len (len 0: the path is the root). */
static int vfs_walk(const struct proc *p, const char *path, bool follow_last, uint32_t *ino,
		    const char **last, unsigned *last_len)
{
	uint32_t cur = vfs_start(p, path);
	size_t pos = 0;
	if (cur == VFS_CWD_GONE)
		return -ENOENT; /* relative to a directory that was removed */
	const char *name = NULL;
	unsigned len = 0;
	if (!path[0])
		return -ENOENT;
	bool more = vfs_next(path, &pos, &name, &len);
	while (more) {
		const char *n = name;
		unsigned l = len;
		if (l > EXT2_NAME_MAX)
			return -ENAMETOOLONG;
		more = vfs_next(path, &pos, &name, &len);
		if (!more && !follow_last) {
			*last = n;
			*last_len = l;
			*ino = cur;
			return 0;
		}
		int e = vfs_lookup(cur, n, l, &cur);
		if (e < 0)
			return e;
	}
	if (!follow_last) {
		*last = "";
		*last_len = 0;
	}
	*ino = cur;
	return 0;
}

static bool vfs_trailing_slash(const char *path)
{
	size_t n = strlen(path);
	return n > 1 && path[n - 1] == '/';
}

static bool vfs_is_dir(const struct ext2_inode *in);

/* "name/" names a directory: anything else with a trailing slash is
 * ENOTDIR (POSIX path resolution). */
static int vfs_check_slash(const char *path, uint32_t ino)
{
	struct ext2_inode *in;
	if (!vfs_trailing_slash(path))
		return 0;
	int e = vfs_inode(ino, &in);
	return e ? e : vfs_is_dir(in) ? 0 : -ENOTDIR;
}

static int vfs_resolve(const struct proc *p, const char *path, uint32_t *ino)
{
	int e = vfs_walk(p, path, true, ino, NULL, NULL);
	return e ? e : vfs_check_slash(path, *ino);
}

static bool vfs_dots(const char *name, unsigned len)
{
	return !len || (len == 1 && name[0] == '.') || (len == 2 && !strncmp(name, "..", 2));
}

/* The parent directory and last name of a path that must have one:
 * -EINVAL for "/", "." and "..", which cannot be created or removed. */
static int vfs_parent(const struct proc *p, const char *path, uint32_t *dir, const char **name,
		      unsigned *len)
{
	int e = vfs_walk(p, path, false, dir, name, len);
	return !e && vfs_dots(*name, *len) ? -EINVAL : e;
}

static int vfs_inode(uint32_t ino, struct ext2_inode **in)
{
	return ext2_inode_get(&cache_fs, ino, in);
}

/* An open file's inode: its location is kept in the vnode, so each call
 * costs one cache lookup (no group-descriptor walk). */
static int vfs_vinode(struct vnode *vn, struct ext2_inode **in)
{
	int e = 0;
	if (!vn->iblk && (e = ext2_inode_loc(&cache_fs, vn->ino, &vn->iblk, &vn->ioff)) < 0)
		return e;
	uint8_t *b = cache_io.get(NULL, vn->iblk, &e);
	if (!b)
		return e;
	*in = (struct ext2_inode *)(void *)(b + vn->ioff);
	return 0;
}

long vfs_vsize(struct vnode *vn, uint64_t *size)
{
	struct ext2_inode *in;
	long e = vfs_vinode(vn, &in);
	if (!e)
		*size = ext2_inode_size(in);
	return e;
}

static bool vfs_is_dir(const struct ext2_inode *in)
{
	return (in->i_mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
}

long vfs_lookup_exec(struct proc *p, const char *path, uint32_t *ino)
{
	char full[PG_PATH_MAX + 8];
	if (!strchr(path, '/')) {
		snprintf(full, sizeof full, "/bin/%s", path);
		path = full;
	}
	struct ext2_inode *in;
	long e = vfs_resolve(p, path, ino);
	if (!e)
		e = vfs_inode(*ino, &in);
	if (!e && (in->i_mode & EXT2_S_IFMT) != EXT2_S_IFREG)
		e = -EACCES;
	return e;
}

long vfs_first_page(uint32_t ino, const void **data, uint64_t *size)
{
	struct ext2_inode *in;
	int e = vfs_inode(ino, &in);
	if (e < 0)
		return e;
	*size = ext2_inode_size(in);
	struct cpage *cp = cache_file_page(ino, 0, *size, false, &e);
	if (!cp)
		return e;
	*data = cache_data(cp);
	return 0;
}

/* ---- open files ---------------------------------------------------------- */

/* The file grows past old_size: bytes of its last page past old_size may
 * hold stores a shared mapping made past the end; they must read as zeros
 * once inside the file (POSIX), in the cache's page itself. */
static void vfs_grow(uint32_t ino, uint64_t old_size)
{
	struct cpage *cp = old_size % PG ? cache_lookup(ino, old_size / PG) : NULL;
	if (cp && (cp->flags & CP_VALID)) {
		memset((uint8_t *)cache_data(cp) + old_size % PG, 0, PG - old_size % PG);
		cache_dirty(cp);
	}
}

/* Shrink or grow inode ino to size. ext2 frees blocks in steps and may
 * stop for a block after some (-EAGAIN): the cache forgets the pages past
 * whatever size the file has now, so none is written to a freed block.
 * The kept part of the last page is zeroed past the end in the cache, so
 * a later extension reads zeros: that page is read first. */
static int vfs_truncate(uint32_t ino, uint64_t size)
{
	struct ext2_inode *in;
	int e = vfs_inode(ino, &in);
	if (e < 0)
		return e;
	uint64_t old = ext2_inode_size(in);
	if (size < old && (size % PG) && !cache_file_page(ino, size / PG, old, false, &e))
		return e;
	if (size > old)
		vfs_grow(ino, old);
	e = ext2_truncate(&cache_fs, ino, size);
	if (vfs_inode(ino, &in) == 0 && ext2_inode_size(in) < old) {
		mm_truncated(ino, ext2_inode_size(in)); /* before the cache lets go */
		cache_truncate(ino, ext2_inode_size(in), old);
	}
	return e;
}

static int vfs_open_existing(uint32_t ino, uint64_t flags, bool created)
{
	struct ext2_inode *in;
	int e = vfs_inode(ino, &in);
	if (e < 0)
		return e;
	bool dir = vfs_is_dir(in), wr = (flags & O_ACCMODE) != O_RDONLY;
	if ((flags & O_DIRECTORY) && !dir)
		return -ENOTDIR;
	if (dir && (wr || (flags & O_TRUNC)))
		return -EISDIR;
	if ((in->i_mode & EXT2_S_IFMT) == EXT2_S_IFLNK)
		return -ELOOP; /* symbolic links are not followed */
	if ((flags & O_TRUNC) && wr && !created && ext2_inode_size(in))
		e = vfs_truncate(ino, 0);
	return e;
}

long vfs_open(struct proc *p, const char *path, uint64_t flags, uint64_t mode, struct file **out)
{
	uint32_t dir, ino = 0;
	const char *name;
	unsigned len;
	bool created = false;
	int e = vfs_walk(p, path, false, &dir, &name, &len);
	if (e < 0)
		return e;
	e = len ? vfs_lookup(dir, name, len, &ino) : (ino = dir, 0);
	if (!e)
		e = vfs_check_slash(path, ino);
	if (!e && (flags & O_CREAT) && (flags & O_EXCL))
		return -EEXIST;
	if (e == -ENOENT && (flags & O_CREAT)) {
		if ((flags & O_DIRECTORY) || path[strlen(path) - 1] == '/')
			return -EISDIR;
		if (cache_fs.readonly)
			return -EROFS;
		e = ext2_create(&cache_fs, dir, name, len, (uint16_t)(mode & 07777), &ino);
		created = !e;
	}
	if (!e && cache_fs.readonly && ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC)))
		e = -EROFS;
	if (!e)
		e = vfs_open_existing(ino, flags, created);
	if (e < 0)
		return e;
	struct file *f = calloc(1, sizeof *f);
	if (!f || !(f->vn = vfs_vget(ino))) {
		free(f);
		return -ENOMEM;
	}
	f->refs = 1;
	f->kind = F_DISK;
	f->flags = (uint32_t)(flags & (O_ACCMODE | O_APPEND));
	*out = f;
	return 0;
}

void vfs_release(struct file *f) { vfs_vput(f->vn); }

/* One piece of a read: file bytes [pos, pos + n) within one page. */
static long vfs_read_piece(struct proc *p, uint32_t ino, uint64_t size, uint64_t pos,
			   uint64_t buf, uint64_t n)
{
	int e;
	uint64_t idx = pos / PG;
	struct cpage *cp = cache_file_page(ino, idx, size, false, &e);
	if (!cp) {
		if (e == -EAGAIN)
			cache_readahead(ino, idx, READAHEAD, size);
		return e;
	}
	if ((idx + 1) * PG < size && !cache_cached(ino, idx + 1))
		cache_readahead(ino, idx, READAHEAD, size); /* keep the stream going */
	return vm_copy_out(p, buf, (uint8_t *)cache_data(cp) + pos % PG, n);
}

/* One piece of a write into one page; allocates its blocks first. */
static long vfs_write_piece(struct proc *p, uint32_t ino, uint64_t size, uint64_t pos,
			    uint64_t buf, uint64_t n)
{
	int e;
	uint64_t idx = pos / PG, off = pos % PG;
	uint64_t valid = size > idx * PG ? size - idx * PG : 0; /* file bytes in the page */
	bool whole = off == 0 && (n == PG || n >= valid);
	/* The buffer first: a copy failing after the blocks are allocated would
	 * leave blocks past the end (e2fsck: i_size too small), or a whole page
	 * zeroed over data still on the disk. */
	long r = vm_prefault(p, buf, n, PERM_R);
	if (r < 0)
		return r;
	struct cpage *cp = cache_file_page(ino, idx, size, whole, &e);
	if (!cp)
		return e;
	e = cache_alloc_blocks(cp, (uint32_t)off, (uint32_t)(off + n));
	if (e == -ENOSPC) { /* write what has blocks: no block stays past the end */
		uint32_t got = cache_blocks_from(cp, (uint32_t)off);
		if (got <= off)
			return e;
		n = got - off < n ? got - off : n;
	} else if (e < 0) {
		return e;
	}
	r = vm_copy_in(p, (uint8_t *)cache_data(cp) + off, buf, n);
	if (r >= 0)
		cache_dirty(cp);
	return r < 0 ? r : (long)n;
}

static long vfs_rw_check(const struct file *f, const struct msg *m, bool write, bool positional,
			 struct ext2_inode **in)
{
	uint32_t acc = f->flags & O_ACCMODE;
	if (write ? acc == O_RDONLY : acc == O_WRONLY)
		return -EBADF;
	long e = vfs_vinode(f->vn, in);
	if (!e && vfs_is_dir(*in))
		e = -EISDIR;
	if (!e && positional && (int64_t)m->w[3] < 0)
		e = -EINVAL;
	return e;
}

/* read/write/pread/pwrite: w0 fd, w1 buf, w2 len, w3 offset (positional),
 * w4 bytes already done (progress kept across parking and slices). */

bool vfs_rw(struct proc *p, struct file *f, struct msg *m, bool write, bool positional)
{
	uint64_t buf = m->w[1], len = m->w[2], done = m->w[4], start = done;
	uint32_t ino = f->vn->ino;
	struct ext2_inode *in;
	long r = vfs_rw_check(f, m, write, positional, &in);
	uint64_t pos = positional ? m->w[3] + done : f->off;
	if (!r && write && (f->flags & O_APPEND) && !positional)
		pos = ext2_inode_size(in);
	while (!r && done < len && done - start < SLICE) {
		uint64_t size = ext2_inode_size(in), n = PG - pos % PG;
		n = n < len - done ? n : len - done;
		if (!write && pos >= size)
			break;
		if (!write && n > size - pos)
			n = size - pos;
		if (write && pos + n > size && pos / PG != size / PG)
			vfs_grow(ino, size); /* a gap after the old end: zeros there */
		r = write ? vfs_write_piece(p, ino, size, pos, buf + done, n)
			  : vfs_read_piece(p, ino, size, pos, buf + done, n);
		bool short_write = write && r >= 0 && (uint64_t)r < n; /* the disk is full */
		n = write && r >= 0 ? (uint64_t)r : n;
		if (r >= 0 && write && pos + n > size)
			r = ext2_set_size(&cache_fs, ino, pos + n);
		if (r < 0)
			break;
		r = 0; /* in stays valid: its block is not reclaimed during a request */
		pos += n;
		done += n;
		if (!positional)
			f->off = pos;
		if (short_write)
			break;
	}
	uint32_t now = done > start && write ? cache_io.now(NULL) : 0;
	if (now && (in->i_mtime != now || in->i_ctime != now)) {
		in->i_mtime = in->i_ctime = now;
		cache_io.dirty(NULL, f->vn->iblk); /* vfs_vinode found it: no lookup */
	}
	if (r == -EAGAIN || (!r && done < len && done - start >= SLICE)) {
		m->w[4] = done; /* the rerun goes on from here */
		if (r == -EAGAIN)
			pager_park(cache_miss);
		else
			pager_yield(); /* a long transfer: others are served between slices */
		return false;
	}
	*m = done || !r ? (struct msg){.w = {done}} : (struct msg){.label = (uint64_t)-r};
	return true;
}

long vfs_lseek(struct file *f, int64_t off, int whence)
{
	struct ext2_inode *in;
	int64_t base = 0;
	if (whence == SEEK_CUR) {
		base = (int64_t)f->off;
	} else if (whence == SEEK_END) {
		int e = vfs_vinode(f->vn, &in);
		if (e < 0)
			return e;
		base = (int64_t)ext2_inode_size(in);
	} else if (whence != SEEK_SET) {
		return -EINVAL;
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -EINVAL;
	f->off = (uint64_t)(base + off);
	return (long)f->off;
}

static long vfs_stat_ino(struct proc *p, uint32_t ino, uint64_t ubuf)
{
	struct ext2_inode *in;
	int e = vfs_inode(ino, &in);
	if (e < 0)
		return e;
	struct pg_stat st = {
		.ino = ino, .size = ext2_inode_size(in), .blocks = in->i_blocks,
		.mode = in->i_mode, .nlink = in->i_links_count, .uid = in->i_uid, .gid = in->i_gid,
		.atime = in->i_atime, .mtime = in->i_mtime, .ctime = in->i_ctime,
		.blksize = PG, .dev = 1,
	};
	long r = vm_copy_out(p, ubuf, &st, sizeof st);
	return r == -EAGAIN ? r : r < 0 ? -EFAULT : 0;
}

long vfs_fstat(struct proc *p, struct file *f, uint64_t ubuf)
{
	return vfs_stat_ino(p, f->vn->ino, ubuf);
}

long vfs_ftruncate(struct file *f, uint64_t len)
{
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if ((int64_t)len < 0)
		return -EINVAL;
	struct ext2_inode *in;
	int e = vfs_vinode(f->vn, &in);
	if (!e && vfs_is_dir(in))
		e = -EISDIR;
	return e ? e : vfs_truncate(f->vn->ino, len);
}

static uint8_t vfs_dtype(uint8_t ft)
{
	static const uint8_t dt[8] = {0, 8, 4, 2, 6, 1, 12, 10}; /* EXT2_FT_* -> DT_* */
	return dt[ft & 7];
}

/* Directory records into the caller's buffer; f->off is ext2's position.
 * A block still to be read ends the batch early (or parks an empty one). */
long vfs_getdents(struct proc *p, struct file *f, uint64_t buf, uint64_t len)
{
	static uint8_t out[4096];
	struct ext2_dirent d;
	uint64_t pos = f->off, used = 0, end = f->off;
	int e;
	len = len < sizeof out ? len : sizeof out;
	while ((e = ext2_readdir(&cache_fs, f->vn->ino, &pos, &d)) == 1) {
		uint16_t rec = (uint16_t)((sizeof(struct pg_dirent) + d.name_len + 1 + 7) & ~7u);
		if (used + rec > len) {
			if (!used)
				return -EINVAL; /* the buffer cannot hold one record */
			break;
		}
		struct pg_dirent *pd = (struct pg_dirent *)(out + used);
		pd->ino = d.ino;
		pd->reclen = rec;
		pd->type = vfs_dtype(d.type);
		pd->namelen = d.name_len;
		memcpy(pd->name, d.name, d.name_len + 1u);
		used += rec;
		end = pos;
	}
	if (e < 0 && (e != -EAGAIN || !used))
		return e;
	long r = vm_copy_out(p, buf, out, used);
	if (r < 0)
		return r == -EAGAIN ? r : -EFAULT;
	f->off = end;
	return (long)used;
}

/* ---- path calls ---------------------------------------------------------- */

/* A removed directory is nobody's current directory any more: its inode
 * number may come back as another directory. */
static void vfs_cwd_gone(uint32_t ino)
{
	for (int i = 0; i < MAX_PROCS; i++) {
		struct proc *q = proc_slot(i);
		if (q->state != P_FREE && q->cwd_ino == ino)
			q->cwd_ino = VFS_CWD_GONE;
	}
}

static long vfs_unlink(struct proc *p, const char *path, bool dir)
{
	uint32_t parent, ino, links;
	const char *name;
	unsigned len;
	int e = vfs_parent(p, path, &parent, &name, &len);
	if (e == -EINVAL)
		return dir ? (len == 2 ? -ENOTEMPTY : -EINVAL) : -EISDIR;
	if (e < 0)
		return e;
	if (dir) {
		uint32_t gone = 0;
		if ((e = vfs_lookup(parent, name, len, &gone)) < 0)
			return e;
		dcache_flush();
		e = ext2_rmdir(&cache_fs, parent, name, len);
		if (!e)
			vfs_cwd_gone(gone);
		return e;
	}
	if (vfs_trailing_slash(path) && vfs_lookup(parent, name, len, &ino) == 0 &&
	    (e = vfs_check_slash(path, ino)) < 0)
		return e; /* "file/" */
	dcache_forget(parent, name, len);
	e = ext2_unlink(&cache_fs, parent, name, len, &ino, &links);
	if (!e && !links)
		vfs_orphan(ino);
	return e;
}

static long vfs_link(struct proc *p, const char *from, const char *to)
{
	uint32_t ino, dir;
	const char *name;
	unsigned len;
	struct ext2_inode *in;
	int e = vfs_resolve(p, from, &ino);
	if (!e)
		e = vfs_inode(ino, &in);
	if (!e && vfs_is_dir(in))
		e = -EPERM;
	if (!e)
		e = vfs_parent(p, to, &dir, &name, &len);
	if (e == -EINVAL)
		e = -EEXIST;
	return e ? e : ext2_link(&cache_fs, dir, name, len, ino);
}

static long vfs_rename(struct proc *p, const char *from, const char *to)
{
	uint32_t odir, ndir, old = 0, links = 0;
	const char *on, *nn;
	unsigned ol, nl;
	int e = vfs_parent(p, from, &odir, &on, &ol);
	if (!e)
		e = vfs_parent(p, to, &ndir, &nn, &nl);
	if (e == -EINVAL)
		e = -EBUSY; /* "/", "." or ".." */
	if (!e) {
		dcache_flush();
		e = ext2_rename(&cache_fs, odir, on, ol, ndir, nn, nl, &old, &links);
	}
	if (!e && old && !links)
		vfs_orphan(old);
	return e;
}

static long vfs_mkdir(struct proc *p, const char *path, uint64_t mode)
{
	uint32_t dir, ino;
	const char *name;
	unsigned len;
	int e = vfs_parent(p, path, &dir, &name, &len);
	if (e == -EINVAL)
		return -EEXIST;
	return e ? e : ext2_mkdir(&cache_fs, dir, name, len, (uint16_t)(mode & 07777), &ino);
}

/* The canonical absolute form of path (no ".", "..", "//"), textually:
 * without symbolic links that is the path of the directory reached. */
static long vfs_canon(const struct proc *p, const char *path, char *out)
{
	char tmp[2 * PG_PATH_MAX + 2];
	snprintf(tmp, sizeof tmp, "%s/%s", path[0] == '/' ? "" : p->cwd, path);
	size_t pos = 0, n = 0;
	const char *name;
	unsigned len;
	out[0] = 0;
	while (vfs_next(tmp, &pos, &name, &len)) {
		if (len == 1 && name[0] == '.')
			continue;
		if (len == 2 && !strncmp(name, "..", 2)) {
			while (n && out[n] != '/')
				n--;
			out[n] = 0;
			continue;
		}
		if (n + 1 + len >= PG_PATH_MAX)
			return -ENAMETOOLONG;
		out[n++] = '/';
		memcpy(out + n, name, len);
		n += len;
		out[n] = 0;
	}
	if (!n)
		strcpy(out, "/");
	return 0;
}

static long vfs_chdir(struct proc *p, const char *path)
{
	char canon[PG_PATH_MAX];
	uint32_t ino;
	struct ext2_inode *in;
	long e = vfs_resolve(p, path, &ino);
	if (!e)
		e = vfs_inode(ino, &in);
	if (!e && !vfs_is_dir(in))
		e = -ENOTDIR;
	if (!e)
		e = vfs_canon(p, path, canon);
	if (!e) {
		p->cwd_ino = ino;
		strcpy(p->cwd, canon);
	}
	return e;
}

static long vfs_access(struct proc *p, const char *path, uint64_t mode)
{
	uint32_t ino;
	struct ext2_inode *in;
	if (mode & ~(uint64_t)(R_OK | W_OK | X_OK))
		return -EINVAL;
	long e = vfs_resolve(p, path, &ino);
	if (!e)
		e = vfs_inode(ino, &in);
	if (e || mode == F_OK)
		return e;
	if ((mode & W_OK) && cache_fs.readonly)
		return -EROFS;
	if ((mode & X_OK) && !(in->i_mode & 0111))
		return -EACCES;
	return 0;
}

static long vfs_statfs(struct proc *p, uint64_t ubuf)
{
	struct ext2_statfs s;
	ext2_statfs(&cache_fs, &s);
	struct pg_statfs out = {s.block_size, s.blocks, s.free_blocks, s.inodes, s.free_inodes};
	long r = vm_copy_out(p, ubuf, &out, sizeof out);
	return r == -EAGAIN ? r : r < 0 ? -EFAULT : 0;
}

/* sync/fsync: start writing and answer once everything is on disk. */
static bool vfs_sync(uint32_t ino, struct msg *m)
{
	/* Counts into the superblock only when they changed: rewriting it
	 * on every rerun would keep it dirty for ever. */
	if (cache_fs.sb_dirty && ext2_sync_super(&cache_fs) == -EAGAIN) {
		pager_park(cache_miss);
		return false;
	}
	bool idle = cache_sync(ino);
	if (idle)
		idle = cache_flush(); /* written, then on stable storage */
	if (cache_write_error()) {
		*m = (struct msg){.label = EIO};
		return true;
	}
	if (!idle) {
		pager_park(NULL); /* until a write or the flush completes */
		return false;
	}
	*m = (struct msg){0};
	return true;
}

bool vfs_fsync(struct file *f, struct msg *m) { return vfs_sync(f->vn->ino, m); }

static long vfs_path_call(struct proc *p, struct msg *m, const char *a, const char *b)
{
	uint32_t ino;
	long e;
	switch (m->label) {
	case PG_STAT:
		e = vfs_resolve(p, a, &ino);
		return e ? e : vfs_stat_ino(p, ino, m->w[1]);
	case PG_UNLINK: return vfs_unlink(p, a, false);
	case PG_RMDIR: return vfs_unlink(p, a, true);
	case PG_LINK: return vfs_link(p, a, b);
	case PG_RENAME: return vfs_rename(p, a, b);
	case PG_MKDIR: return vfs_mkdir(p, a, m->w[1]);
	case PG_CHDIR: return vfs_chdir(p, a);
	case PG_ACCESS: return vfs_access(p, a, m->w[1]);
	default: return -ENOSYS;
	}
}

static bool vfs_modifies(uint64_t label)
{
	return label == PG_UNLINK || label == PG_RMDIR || label == PG_LINK ||
	       label == PG_RENAME || label == PG_MKDIR;
}

static long vfs_paths_in(struct proc *p, struct msg *m, char *a, char *b)
{
	long e = vm_string_in(p, a, m->w[0], PG_PATH_MAX);
	if (e >= 0 && (m->label == PG_LINK || m->label == PG_RENAME))
		e = vm_string_in(p, b, m->w[1], PG_PATH_MAX);
	return e < 0 ? e : 0;
}

bool vfs_call(struct proc *p, struct msg *m)
{
	static char a[PG_PATH_MAX], b[PG_PATH_MAX];
	long r;
	if (m->label == PG_SYNC)
		return vfs_sync(0, m);
	if (m->label == PG_GETCWD) {
		size_t n = strlen(p->cwd) + 1;
		r = n > m->w[1] ? -ERANGE : vm_copy_out(p, m->w[0], p->cwd, n);
		r = r == -EAGAIN ? r : r < 0 ? r == -ERANGE ? r : -EFAULT : (long)n;
	} else if (m->label == PG_STATFS) {
		r = vfs_statfs(p, m->w[0]);
	} else {
		r = vfs_paths_in(p, m, a, b);
		if (!r && cache_fs.readonly && vfs_modifies(m->label))
			r = -EROFS;
		if (!r)
			r = vfs_path_call(p, m, a, b);
	}
	if (pager_blocked(r))
		return false;
	*m = r < 0 ? (struct msg){.label = (uint64_t)-r} : (struct msg){.w = {(uint64_t)r}};
	return true;
}

void vfs_init_proc(struct proc *p, const struct proc *parent)
{
	p->cwd_ino = parent ? parent->cwd_ino : EXT2_ROOT_INO;
	strcpy(p->cwd, parent ? parent->cwd : "/");
}

/* The periodic flusher: counts into the superblock, dirty pages out. */
void vfs_flush(void)
{
	if (cache_fs.sb_dirty)
		ext2_sync_super(&cache_fs); /* -EAGAIN: the next tick does it */
	cache_sync(0);
}

/* Power-off: everything written, the file system marked clean, written. */
bool vfs_unmount_step(void)
{
	static int stage;
	if (!vfs_mounted)
		return true;
	if (stage == 0 && cache_sync(0))
		stage = 1;
	if (stage == 1 && ext2_unmount(&cache_fs) != -EAGAIN)
		stage = 2; /* -EAGAIN: the superblock's block is being read */
	return stage == 2 && cache_sync(0);
}
