/*
 * vfs.h (servers/fs/) - the pager's file server over the mounted ext2 file
 * system: path names, open files of the disk, and the POSIX file calls of
 * libsys/pager.h. Data moves through the page cache (cache.h).
 * Invariants:
 *  - a call that returns -EAGAIN (or parks) changed nothing the caller can
 *    see except recorded progress (bytes already moved, in the message's
 *    progress word w4); pager.c runs it again from the start (the restart
 *    contract of ext2.h, carried up);
 *  - an inode stays allocated while a vnode holds it (open files, running
 *    programs), even with no name left; the last vfs_vput frees it.
 */
#ifndef SERVERS_FS_VFS_H
#define SERVERS_FS_VFS_H

#include <stdbool.h>
#include <stdint.h>

#include "libsys.h"

struct proc;
struct pipe;

struct vnode {
	uint32_t ino;
	uint32_t refs;
	uint32_t iblk, ioff; /* where the inode is (0: not known yet) */
	uint64_t anon_size;  /* a shared anonymous object (ino >= VFS_ANON_INO): bytes */
	bool free_pending; /* no links left: free the inode when unused */
	struct vnode *next;
};

enum file_kind { F_CONSOLE, F_PIPE_R, F_PIPE_W, F_INITRD, F_DISK };

/* An open file, shared by the descriptors dup and fork make. */
struct file {
	int refs;
	uint8_t kind;
	uint32_t flags; /* F_DISK: O_ACCMODE | O_APPEND */
	struct pipe *pipe;
	const uint8_t *data; /* F_INITRD */
	struct vnode *vn;    /* F_DISK */
	uint64_t size, off;  /* off: for directories, ext2's readdir position */
};

extern bool vfs_mounted;

/* Boot: mount the disk's ext2 (raw superblock bytes already read); readonly:
 * the device refuses writes, so nothing is ever written (-EROFS). */
int vfs_mount(const uint8_t sb[1024], bool readonly);
/* Power-off: sync, mark clean, sync again; true once all is on disk. */
bool vfs_unmount_step(void);
void vfs_flush(void); /* start writing what is dirty (periodic) */

/* Shared anonymous memory is a vnode too, with no inode on disk: its
 * pages live in the page cache under its own number (CP_ANON). */
#define VFS_ANON_INO 0xf0000000u
#define VFS_CWD_GONE 0xffffffffu /* a process's cwd that was removed */
struct vnode *vfs_anon_new(uint64_t size);
static inline bool vfs_is_anon(const struct vnode *vn) { return vn->ino >= VFS_ANON_INO; }
struct vnode *vfs_vget(uint32_t ino);
/* The file's size, through the inode location the vnode keeps. */
long vfs_vsize(struct vnode *vn, uint64_t *size);
void vfs_vput(struct vnode *vn);
void vfs_free_pending(void); /* retry frees that had to wait for a block */

/* Resolve a program path for exec/spawn: a name without '/' is looked up
 * in /bin. */
long vfs_lookup_exec(struct proc *p, const char *path, uint32_t *ino);
/* Bytes [0, 4096) of inode ino for the ELF headers, and its size. */
long vfs_first_page(uint32_t ino, const void **data, uint64_t *size);

/* Calls on F_DISK files (fs.c decides the kind). Those taking m turn the
 * request into the reply and return true, or park it and return false. */
long vfs_open(struct proc *p, const char *path, uint64_t flags, uint64_t mode,
	      struct file **out);
bool vfs_rw(struct proc *p, struct file *f, struct msg *m, bool write, bool positional);
long vfs_lseek(struct file *f, int64_t off, int whence);
long vfs_fstat(struct proc *p, struct file *f, uint64_t ubuf);
long vfs_ftruncate(struct file *f, uint64_t len);
long vfs_getdents(struct proc *p, struct file *f, uint64_t buf, uint64_t len);
bool vfs_fsync(struct file *f, struct msg *m);
void vfs_release(struct file *f);
/* Path calls (stat ... statfs) and sync. */
bool vfs_call(struct proc *p, struct msg *m);

/* A process's current directory: the parent's, or "/". */
void vfs_init_proc(struct proc *p, const struct proc *parent);

#endif /* SERVERS_FS_VFS_H */
