/*
 * fs.c (servers/) - open files of processes: the console (line-edited
 * input from console.c, output to the UART), pipes with blocking reads and
 * writes, and read-only files from the initrd. A request that cannot
 * finish keeps the caller's saved reply and is finished when the other
 * end moves (pager.h invariant); data moves through vm_copy_in/out.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpio.h"
#include "pager.h"
#include "fs/cache.h"
#include "fs/vfs.h"

#define PIPE_SIZE 4096
#define MAX_WAITERS 8
#define CHUNK 512

struct waiter {
	long reply;      /* saved reply handle, 0 = free slot */
	long pid;
	long task_id;    /* the image that asked (exec makes a new task) */
	uint64_t buf, len, done;
};

struct pipe {
	char data[PIPE_SIZE];
	uint32_t head, len;
	int readers, writers;
	struct waiter rq[MAX_WAITERS], wq[MAX_WAITERS];
	struct pipe *prev, *next; /* every live pipe: a dying process's waits are
				     found even in pipes it no longer has open */
};

static struct pipe pipes = {.prev = &pipes, .next = &pipes};

/* The console: finished lines wait in cons_in until read. */
static struct {
	char line[256];
	unsigned line_len;
	char in[1024];
	unsigned in_len;
	unsigned eof;
	struct waiter rq[MAX_PROCS]; /* one per process at most: see cons_read */
	struct file file;
} cons;

static struct file *fs_new(uint8_t kind)
{
	struct file *f = calloc(1, sizeof *f);
	if (f) {
		f->refs = 1;
		f->kind = kind;
	}
	return f;
}

static int fs_fd_alloc(struct proc *p, struct file *f)
{
	for (int fd = 0; fd < PG_MAX_FDS; fd++) {
		if (!p->fds[fd]) {
			p->fds[fd] = f;
			return fd;
		}
	}
	return -EMFILE;
}

static struct file *fs_fd(struct proc *p, uint64_t fd)
{
	return fd < PG_MAX_FDS ? p->fds[fd] : NULL;
}

struct file *fs_file(struct proc *p, uint64_t fd) { return fs_fd(p, fd); }

static bool fs_wait_n(struct waiter *q, int n, struct proc *p, uint64_t buf, uint64_t len,
		      uint64_t done)
{
	for (int i = 0; i < n; i++) {
		if (!q[i].reply) {
			long h = pager_reply_save(p);
			if (h < 0)
				return false;
			q[i] = (struct waiter){h, p->pid, p->task_id, buf, len, done};
			return true;
		}
	}
	return false;
}

static bool fs_wait(struct waiter *q, struct proc *p, uint64_t buf, uint64_t len, uint64_t done)
{
	return fs_wait_n(q, MAX_WAITERS, p, buf, len, done);
}

/* Forget a waiter whose process is gone, and its saved reply. */
static void fs_drop(struct waiter *w)
{
	pager_reply_close(w->reply);
	w->reply = 0;
}

/* The waiter's process if it still runs the image that asked: a zombie's
 * memory is gone, and after exec the buffer address means nothing. */
static struct proc *fs_waiter_proc(const struct waiter *w)
{
	struct proc *p = proc_find(w->pid);
	return p && p->state == P_LIVE && p->task_id == w->task_id ? p : NULL;
}

static void fs_answer(struct waiter *w, long result)
{
	struct msg m = result < 0 ? (struct msg){.label = (uint64_t)-result}
				  : (struct msg){.w = {(uint64_t)result}};
	pager_answer(w->reply, &m);
	w->reply = 0;
}

/* ---- pipes ---------------------------------------------------------- */

/* Move up to len bytes from the pipe into process p at buf. */
static long pipe_take(struct pipe *pp, struct proc *p, uint64_t buf, uint64_t len)
{
	uint64_t n = len < pp->len ? len : pp->len, done = 0;
	while (done < n) {
		uint64_t run = PIPE_SIZE - pp->head;
		run = run < n - done ? run : n - done;
		if (vm_copy_out(p, buf + done, pp->data + pp->head, run) < 0)
			return done ? (long)done : -EFAULT;
		pp->head = (pp->head + (uint32_t)run) % PIPE_SIZE;
		pp->len -= (uint32_t)run;
		done += run;
	}
	return (long)n;
}

/* Move up to len bytes from process p at buf into the pipe. */
static long pipe_put(struct pipe *pp, struct proc *p, uint64_t buf, uint64_t len)
{
	uint64_t room = PIPE_SIZE - pp->len, n = len < room ? len : room, done = 0;
	while (done < n) {
		uint32_t tail = (pp->head + pp->len) % PIPE_SIZE;
		uint64_t run = PIPE_SIZE - tail;
		run = run < n - done ? run : n - done;
		if (vm_copy_in(p, pp->data + tail, buf + done, run) < 0)
			return done ? (long)done : -EFAULT;
		pp->len += (uint32_t)run;
		done += run;
	}
	return (long)n;
}

static void pipe_kick(struct pipe *pp);

/* Finish whatever waiting readers and writers can finish now. */
static void pipe_kick(struct pipe *pp)
{
	for (int i = 0; i < MAX_WAITERS; i++) {
		struct waiter *w = &pp->rq[i];
		struct proc *p = w->reply ? fs_waiter_proc(w) : NULL;
		if (w->reply && !p)
			fs_drop(w); /* its process died */
		else if (p && (pp->len || !pp->writers))
			fs_answer(w, pp->len ? pipe_take(pp, p, w->buf, w->len) : 0);
	}
	for (int i = 0; i < MAX_WAITERS; i++) {
		struct waiter *w = &pp->wq[i];
		struct proc *p = w->reply ? fs_waiter_proc(w) : NULL;
		if (w->reply && !p) {
			fs_drop(w);
		} else if (p && !pp->readers) {
			fs_answer(w, -EPIPE);
		} else if (p && pp->len < PIPE_SIZE) {
			long n = pipe_put(pp, p, w->buf + w->done, w->len - w->done);
			w->done += n > 0 ? (uint64_t)n : 0;
			if (n < 0 || w->done == w->len)
				fs_answer(w, n < 0 ? n : (long)w->done);
		}
	}
}

static bool pipe_read(struct proc *p, struct pipe *pp, uint64_t buf, uint64_t len, struct msg *m)
{
	long n;
	if (!pp->len && pp->writers) {
		if (fs_wait(pp->rq, p, buf, len, 0))
			return false;
		n = -EAGAIN;
	} else {
		n = pipe_take(pp, p, buf, len);
	}
	pipe_kick(pp);
	*m = n < 0 ? (struct msg){.label = (uint64_t)-n} : (struct msg){.w = {(uint64_t)n}};
	return true;
}

static bool pipe_write(struct proc *p, struct pipe *pp, uint64_t buf, uint64_t len, struct msg *m)
{
	long n = pp->readers ? pipe_put(pp, p, buf, len) : -EPIPE;
	if (n >= 0 && (uint64_t)n < len && fs_wait(pp->wq, p, buf, len, (uint64_t)n)) {
		pipe_kick(pp);
		return false;
	}
	pipe_kick(pp);
	*m = n < 0 ? (struct msg){.label = (uint64_t)-n} : (struct msg){.w = {(uint64_t)n}};
	return true;
}

/* ---- console ------------------------------------------------------- */

static long cons_take(struct proc *p, uint64_t buf, uint64_t len)
{
	uint64_t n = len < cons.in_len ? len : cons.in_len;
	if (vm_copy_out(p, buf, cons.in, n) < 0)
		return -EFAULT;
	memmove(cons.in, cons.in + n, cons.in_len - n);
	cons.in_len -= (unsigned)n;
	return (long)n;
}

static void cons_kick(void)
{
	for (int i = 0; i < MAX_PROCS && (cons.in_len || cons.eof); i++) {
		struct waiter *w = &cons.rq[i];
		struct proc *p = w->reply ? fs_waiter_proc(w) : NULL;
		if (w->reply && !p) {
			fs_drop(w);
		} else if (p && cons.in_len) {
			fs_answer(w, cons_take(p, w->buf, w->len));
		} else if (p) {
			cons.eof--;
			fs_answer(w, 0);
		}
	}
}

static void cons_echo(const char *s, unsigned n) { sys_debug_write(s, n); }

static void cons_line_done(bool newline)
{
	if (newline && cons.line_len < sizeof cons.line)
		cons.line[cons.line_len++] = '\n';
	if (!cons.line_len)
		cons.eof++;
	unsigned n = cons.line_len;
	if (n > sizeof cons.in - cons.in_len)
		n = sizeof cons.in - cons.in_len;
	memcpy(cons.in + cons.in_len, cons.line, n);
	cons.in_len += n;
	cons.line_len = 0;
}

/* Line discipline: echo, backspace, Enter ends a line, Ctrl-D ends input. */
void fs_console_input(const char *buf, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		char c = buf[i];
		if (c == '\r' || c == '\n') {
			cons_echo("\n", 1);
			cons_line_done(true);
		} else if (c == 0x7f || c == '\b') {
			if (cons.line_len) {
				cons.line_len--;
				cons_echo("\b \b", 3);
			}
		} else if (c == 0x04) {
			cons_line_done(false);
		} else if (cons.line_len + 1 < sizeof cons.line) {
			cons.line[cons.line_len++] = c;
			cons_echo(&c, 1);
		}
	}
	cons_kick();
}

/* Bench mode: the first read of the console is the shell waiting at its
 * first prompt; report boot_to_shell and stop (nobody will type). */
static void cons_bench_first_read(void)
{
	static bool seen;
	if (!pg_bench || seen)
		return;
	seen = true;
	uint64_t all = rdinstret() - libsys_bootinfo->kernel_entry_instret, idle = sys_idle_instret();
	printf("\nBENCH boot_to_shell %lu instructions\n", /* after the prompt */
	       (unsigned long)(all - idle));
	printf("BENCH boot_to_shell_idle %lu instructions\n", (unsigned long)idle);
	sys_poweroff(H_PLATFORM, 0);
}

/* One waiting console read per process: then no process can take every
 * slot and starve the shell (a second read gets EAGAIN). */
static bool cons_waiting(const struct proc *p)
{
	for (int i = 0; i < MAX_PROCS; i++)
		if (cons.rq[i].reply && cons.rq[i].pid == p->pid && cons.rq[i].task_id == p->task_id)
			return true;
	return false;
}

static bool cons_read(struct proc *p, uint64_t buf, uint64_t len, struct msg *m)
{
	long n;
	cons_bench_first_read();
	if (cons.in_len) {
		n = cons_take(p, buf, len);
	} else if (cons.eof) {
		cons.eof--;
		n = 0;
	} else if (!cons_waiting(p) && fs_wait_n(cons.rq, MAX_PROCS, p, buf, len, 0)) {
		return false;
	} else {
		n = -EAGAIN;
	}
	*m = n < 0 ? (struct msg){.label = (uint64_t)-n} : (struct msg){.w = {(uint64_t)n}};
	return true;
}

/* A console write is served CONS_SLICE bytes a turn: the copy may have to
 * fill pages (an untouched heap) and the UART is slow, so a 4 MiB write
 * must not keep everyone else's faults and calls waiting. */
#define CONS_SLICE (16u << 10)

static long cons_write(struct proc *p, uint64_t buf, uint64_t len)
{
	char chunk[CHUNK];
	for (uint64_t done = 0; done < len;) {
		uint64_t n = len - done < CHUNK ? len - done : CHUNK;
		if (vm_copy_in(p, chunk, buf + done, n) < 0)
			return done ? (long)done : -EFAULT;
		sys_debug_write(chunk, n);
		done += n;
	}
	return (long)len;
}

/* ---- initrd files -------------------------------------------------- */

/* An initrd file at *off (the file's offset, or pread's own). */
static long file_read(struct proc *p, struct file *f, uint64_t buf, uint64_t len, uint64_t *off)
{
	if ((int64_t)*off < 0)
		return -EINVAL;
	uint64_t at = *off < f->size ? *off : f->size;
	uint64_t n = f->size - at < len ? f->size - at : len;
	if (vm_copy_out(p, buf, f->data + at, n) < 0)
		return -EFAULT;
	*off = at + n;
	return (long)n;
}

static long fs_open_initrd(struct proc *p, const char *path, uint64_t flags)
{
	struct cpio_file cf;
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_CREAT))
		return -EROFS;
	if (cpio_find((const void *)INITRD_VA, libsys_bootinfo->initrd_size, name, &cf) < 0)
		return -ENOENT;
	struct file *f = fs_new(F_INITRD);
	if (!f)
		return -ENOMEM;
	f->data = cf.data;
	f->size = cf.size;
	long fd = fs_fd_alloc(p, f);
	if (fd < 0)
		free(f);
	return fd;
}

static bool fs_fd_free(const struct proc *p)
{
	for (int fd = 0; fd < PG_MAX_FDS; fd++)
		if (!p->fds[fd])
			return true;
	return false;
}

/* open: the console, a disk file, or (no disk) an initrd file. Parks
 * (returns -EAGAIN after pager_park) when a block must be read. */
static long fs_open(struct proc *p, uint64_t upath, uint64_t flags, uint64_t mode)
{
	char path[PG_PATH_MAX];
	long e = vm_string_in(p, path, upath, sizeof path);
	if (e < 0)
		return e;
	const char *name = path[0] == '/' ? path + 1 : path;
	if (!strcmp(name, "dev/console") || !strcmp(name, "console")) {
		long fd = fs_fd_alloc(p, &cons.file);
		if (fd >= 0)
			cons.file.refs++;
		return fd;
	}
	if (!vfs_mounted)
		return fs_open_initrd(p, path, flags);
	if (!fs_fd_free(p))
		return -EMFILE;
	struct file *f;
	e = vfs_open(p, path, flags, mode, &f);
	return e < 0 ? e : fs_fd_alloc(p, f);
}

static long fs_readdir(struct proc *p, uint64_t index, uint64_t buf)
{
	struct cpio_file cf;
	uint64_t off = 0;
	char name[PG_NAME_MAX] = {0};
	for (uint64_t i = 0;; i++) {
		if (cpio_next((const void *)INITRD_VA, libsys_bootinfo->initrd_size, &off, &cf) != 1)
			return -ENOENT;
		if (i == index)
			break;
	}
	memcpy(name, cf.name, cf.namelen < PG_NAME_MAX - 1 ? cf.namelen : PG_NAME_MAX - 1);
	long r = vm_copy_out(p, buf, name, sizeof name);
	return r == -EAGAIN ? r : r < 0 ? -EFAULT : (long)cf.size;
}

/* ---- descriptors ----------------------------------------------------- */

static void fs_release(struct file *f)
{
	if (--f->refs > 0)
		return;
	if (f->kind == F_PIPE_R || f->kind == F_PIPE_W) {
		struct pipe *pp = f->pipe;
		if (f->kind == F_PIPE_R)
			pp->readers--;
		else
			pp->writers--;
		pipe_kick(pp);
		if (!pp->readers && !pp->writers) {
			pp->prev->next = pp->next;
			pp->next->prev = pp->prev;
			free(pp);
		}
	}
	if (f->kind == F_DISK)
		vfs_release(f);
	if (f != &cons.file)
		free(f);
}

static long fs_close(struct proc *p, uint64_t fd)
{
	struct file *f = fs_fd(p, fd);
	if (!f)
		return -EBADF;
	p->fds[fd] = NULL;
	fs_release(f);
	return 0;
}

static long fs_pipe(struct proc *p, struct msg *m)
{
	struct pipe *pp = calloc(1, sizeof *pp);
	struct file *r = fs_new(F_PIPE_R), *w = fs_new(F_PIPE_W);
	int rfd = -1, wfd = -1;
	if (pp && r && w && (rfd = fs_fd_alloc(p, r)) >= 0 && (wfd = fs_fd_alloc(p, w)) < 0)
		p->fds[rfd] = NULL;
	if (rfd < 0 || wfd < 0) {
		free(pp), free(r), free(w);
		return -EMFILE;
	}
	r->pipe = w->pipe = pp;
	pp->readers = pp->writers = 1;
	pp->next = &pipes;
	pp->prev = pipes.prev;
	pipes.prev->next = pp;
	pipes.prev = pp;
	m->w[1] = (uint64_t)wfd;
	return rfd;
}

static long fs_dup2(struct proc *p, uint64_t fd, uint64_t nfd)
{
	struct file *f = fs_fd(p, fd);
	if (!f || nfd >= PG_MAX_FDS)
		return -EBADF;
	if (fd == nfd)
		return (long)nfd;
	if (p->fds[nfd])
		fs_release(p->fds[nfd]);
	f->refs++;
	p->fds[nfd] = f;
	return (long)nfd;
}

static long fs_dup(struct proc *p, uint64_t fd)
{
	struct file *f = fs_fd(p, fd);
	if (!f)
		return -EBADF;
	long nfd = fs_fd_alloc(p, f);
	if (nfd >= 0)
		f->refs++;
	return nfd;
}

static struct msg fs_reply(long n)
{
	return n < 0 ? (struct msg){.label = (uint64_t)-n} : (struct msg){.w = {(uint64_t)n}};
}

/* A pipe or console transfer copies at most this much in one go: its
 * buffer pages are made resident first (they may be program pages still
 * on disk), so the copy itself never has to wait. */
#define FS_PREFAULT (8u << 10)

static bool fs_prefault(struct proc *p, uint64_t buf, uint64_t len, unsigned perm)
{
	if (vm_prefault(p, buf, len < FS_PREFAULT ? len : FS_PREFAULT, perm) != -EAGAIN)
		return true; /* other failures are left to the copy (a partial count) */
	pager_park(cache_miss);
	return false;
}

static bool fs_read(struct proc *p, struct msg *m, bool positional)
{
	struct file *f = fs_fd(p, m->w[0]);
	uint64_t buf = m->w[1], len = m->w[2];
	long n;
	if (f && f->kind == F_DISK)
		return vfs_rw(p, f, m, false, positional);
	if (f && !fs_prefault(p, buf, len, PERM_W))
		return false;
	if (!f || f->kind == F_PIPE_W)
		n = -EBADF;
	else if (positional && f->kind != F_INITRD)
		n = -ESPIPE;
	else if (f->kind == F_PIPE_R)
		return pipe_read(p, f->pipe, buf, len, m);
	else if (f->kind == F_CONSOLE)
		return cons_read(p, buf, len, m);
	else
		n = file_read(p, f, buf, len, positional ? &(uint64_t){m->w[3]} : &f->off);
	*m = fs_reply(n);
	return true;
}

/* w4 holds the bytes written by earlier turns (pager.c zeroes it for a
 * fresh request). */
static bool cons_write_call(struct proc *p, struct msg *m)
{
	uint64_t buf = m->w[1], len = m->w[2], done = m->w[4];
	uint64_t n = len - done < CONS_SLICE ? len - done : CONS_SLICE;
	long r = cons_write(p, buf + done, n);
	if (r < 0 || (uint64_t)r < n || done + n == len) {
		*m = fs_reply(r < 0 && !done ? r : (long)(done + (r < 0 ? 0 : (uint64_t)r)));
		return true;
	}
	m->w[4] = done + n;
	pager_yield();
	return false;
}

static bool fs_write(struct proc *p, struct msg *m, bool positional)
{
	struct file *f = fs_fd(p, m->w[0]);
	long n;
	if (f && f->kind == F_DISK)
		return vfs_rw(p, f, m, true, positional);
	if (f && !fs_prefault(p, m->w[1] + m->w[4], m->w[2] - m->w[4], PERM_R))
		return false;
	if (f && positional && f->kind != F_INITRD)
		n = -ESPIPE;
	else if (f && f->kind == F_PIPE_W)
		return pipe_write(p, f->pipe, m->w[1], m->w[2], m);
	else if (f && f->kind == F_CONSOLE)
		return cons_write_call(p, m);
	else
		n = -EBADF;
	*m = fs_reply(n);
	return true;
}

static long fs_lseek(struct proc *p, uint64_t fd, int64_t off, int whence)
{
	struct file *f = fs_fd(p, fd);
	if (!f)
		return -EBADF;
	if (f->kind == F_DISK)
		return vfs_lseek(f, off, whence);
	if (f->kind != F_INITRD)
		return -ESPIPE;
	int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)f->off : (int64_t)f->size;
	if ((whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END) || base + off < 0)
		return -EINVAL;
	f->off = (uint64_t)(base + off);
	return (long)f->off;
}

/* fstat of what is not a disk file: a character device or a FIFO. */
static long fs_fstat(struct proc *p, uint64_t fd, uint64_t ubuf)
{
	struct file *f = fs_fd(p, fd);
	if (!f)
		return -EBADF;
	if (f->kind == F_DISK)
		return vfs_fstat(p, f, ubuf);
	struct pg_stat st = {.nlink = 1, .blksize = 4096, .size = f->kind == F_INITRD ? f->size : 0};
	st.mode = f->kind == F_CONSOLE ? 0020620 : f->kind == F_INITRD ? 0100555 : 0010600;
	long r = vm_copy_out(p, ubuf, &st, sizeof st);
	return r == -EAGAIN ? r : r < 0 ? -EFAULT : 0;
}

static bool fs_fsync(struct proc *p, struct msg *m)
{
	struct file *f = fs_fd(p, m->w[0]);
	if (f && f->kind == F_DISK)
		return vfs_fsync(f, m);
	*m = fs_reply(f ? (f->kind == F_INITRD ? 0 : -EINVAL) : -EBADF);
	return true;
}

static long fs_disk_fd(struct proc *p, uint64_t fd, struct file **f)
{
	*f = fs_fd(p, fd);
	return !*f ? -EBADF : (*f)->kind != F_DISK ? -EINVAL : 0;
}

static long fs_ftruncate(struct proc *p, uint64_t fd, uint64_t len)
{
	struct file *f;
	long e = fs_disk_fd(p, fd, &f);
	return e ? e : vfs_ftruncate(f, len);
}

static long fs_getdents(struct proc *p, uint64_t fd, uint64_t buf, uint64_t len)
{
	struct file *f;
	long e = fs_disk_fd(p, fd, &f);
	return e == -EINVAL ? -ENOTDIR : e ? e : vfs_getdents(p, f, buf, len);
}

/* The file calls of pager.h; false when the reply was deferred. */
bool fs_call(struct proc *p, struct msg *m)
{
	long r;
	switch (m->label) {
	case PG_READ: return fs_read(p, m, false);
	case PG_WRITE: return fs_write(p, m, false);
	case PG_PREAD: return fs_read(p, m, true);
	case PG_PWRITE: return fs_write(p, m, true);
	case PG_FSYNC: return fs_fsync(p, m);
	case PG_OPEN: r = fs_open(p, m->w[0], m->w[1], m->w[2]); break;
	case PG_CLOSE: r = fs_close(p, m->w[0]); break;
	case PG_PIPE: r = fs_pipe(p, m); break;
	case PG_DUP: r = fs_dup(p, m->w[0]); break;
	case PG_DUP2: r = fs_dup2(p, m->w[0], m->w[1]); break;
	case PG_READDIR: r = fs_readdir(p, m->w[0], m->w[1]); break;
	case PG_LSEEK: r = fs_lseek(p, m->w[0], (int64_t)m->w[1], (int)m->w[2]); break;
	case PG_FSTAT: r = fs_fstat(p, m->w[0], m->w[1]); break;
	case PG_FTRUNCATE: r = fs_ftruncate(p, m->w[0], m->w[1]); break;
	case PG_GETDENTS: r = fs_getdents(p, m->w[0], m->w[1], m->w[2]); break;
	default:
		if (!vfs_mounted && m->label >= PG_STAT && m->label <= PG_STATFS &&
		    m->label != PG_GETCWD)
			r = m->label == PG_STAT || m->label == PG_ACCESS || m->label == PG_CHDIR
				    ? -ENOENT : -EROFS;
		else if (m->label >= PG_STAT && m->label <= PG_STATFS)
			return vfs_call(p, m);
		else
			r = -ENOSYS;
		break;
	}
	if (pager_blocked(r))
		return false;
	uint64_t w1 = m->w[1];
	*m = r < 0 ? (struct msg){.label = (uint64_t)-r} : (struct msg){.w = {(uint64_t)r, w1}};
	return true;
}

void fs_fork(struct proc *parent, struct proc *child)
{
	vfs_init_proc(child, parent);
	for (int fd = 0; fd < PG_MAX_FDS; fd++) {
		child->fds[fd] = parent->fds[fd];
		if (child->fds[fd])
			child->fds[fd]->refs++;
	}
}

static void fs_forget(struct waiter *q, long pid)
{
	for (int i = 0; i < MAX_WAITERS; i++)
		if (q[i].reply && q[i].pid == pid)
			fs_drop(&q[i]);
}


/* A process ends: drop its waiting reads and writes now (their saved
 * replies keep its dead thread alive), then close its descriptors. */
/* Drop every wait of pid: console reads, and reads and writes in every
 * pipe (a thread may have closed the fds another one waits on). */
static void fs_forget_all(long pid)
{
	for (int i = 0; i < MAX_PROCS; i++)
		if (cons.rq[i].reply && cons.rq[i].pid == pid)
			fs_drop(&cons.rq[i]);
	for (struct pipe *pp = pipes.next; pp != &pipes; pp = pp->next) {
		fs_forget(pp->rq, pid);
		fs_forget(pp->wq, pid);
	}
}

/* p's image was replaced (exec): the reads and writes its old threads
 * were waiting in are dropped now; they belong to that image only. */
void fs_exec(struct proc *p) { fs_forget_all(p->pid); }

void fs_close_all(struct proc *p)
{
	fs_forget_all(p->pid);
	for (int fd = 0; fd < PG_MAX_FDS; fd++)
		if (p->fds[fd])
			fs_close(p, (uint64_t)fd);
}

/* Every process the pager starts from nothing gets the console as 0-2. */
void fs_init_proc(struct proc *p)
{
	vfs_init_proc(p, NULL);
	for (int fd = 0; fd < 3; fd++) {
		cons.file.refs++;
		p->fds[fd] = &cons.file;
	}
}

void fs_init(void)
{
	cons.file.refs = 1; /* never freed */
	cons.file.kind = F_CONSOLE;
}
