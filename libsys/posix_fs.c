/*
 * posix_fs.c - the POSIX file calls of libsys (libsys/): open, lseek,
 * pread/pwrite, the stat family, truncation, names (link, unlink, rename,
 * mkdir, rmdir), the working directory, fsync/sync and access. Each is one
 * message to the pager's file server (libsys/pager.h); errno comes from
 * the reply's label. Directory streams are in posix_dir.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "posix_call.h"

#define U(x) ((uint64_t)(x))

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & O_CREAT) { /* the mode argument is there only then */
		va_list ap;
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	return (int)posix_call4(PG_OPEN, U(path), U(flags), U(mode), 0);
}

int creat(const char *path, mode_t mode) { return open(path, O_WRONLY | O_CREAT | O_TRUNC, mode); }

off_t lseek(int fd, off_t offset, int whence)
{
	return (off_t)posix_call4(PG_LSEEK, U(fd), U(offset), U(whence), 0);
}

ssize_t pread(int fd, void *buf, size_t n, off_t offset)
{
	return posix_call4(PG_PREAD, U(fd), U(buf), n, U(offset));
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t offset)
{
	return posix_call4(PG_PWRITE, U(fd), U(buf), n, U(offset));
}

/* ---- the stat family -------------------------------------------------- */

/* picolibc's struct stat from the pager's record; nlink_t is 16 bits, so
 * a larger count saturates rather than wraps. */
static void stat_fill(struct stat *st, const struct pg_stat *ps)
{
	memset(st, 0, sizeof *st);
	st->st_dev = ps->dev;
	st->st_ino = ps->ino;
	st->st_mode = ps->mode;
	st->st_nlink = ps->nlink > 0xffff ? 0xffff : (nlink_t)ps->nlink;
	st->st_uid = ps->uid;
	st->st_gid = ps->gid;
	st->st_size = (off_t)ps->size;
	st->st_blksize = ps->blksize;
	st->st_blocks = (blkcnt_t)ps->blocks;
	st->st_atim.tv_sec = ps->atime;
	st->st_mtim.tv_sec = ps->mtime;
	st->st_ctim.tv_sec = ps->ctime;
}

static int stat_path(const char *path, struct stat *st, uint64_t flags)
{
	struct pg_stat ps;
	if (posix_call4(PG_STAT, U(path), U(&ps), flags, 0) < 0)
		return -1;
	stat_fill(st, &ps);
	return 0;
}

int stat(const char *restrict path, struct stat *restrict st) { return stat_path(path, st, 0); }

int lstat(const char *restrict path, struct stat *restrict st)
{
	return stat_path(path, st, PG_NOFOLLOW);
}

int fstat(int fd, struct stat *st)
{
	struct pg_stat ps;
	if (posix_call4(PG_FSTAT, U(fd), U(&ps), 0, 0) < 0)
		return -1;
	stat_fill(st, &ps);
	return 0;
}

/* A terminal is a character device: the pager reports the console so. */
int isatty(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return 0;
	if (!S_ISCHR(st.st_mode)) {
		errno = ENOTTY;
		return 0;
	}
	return 1;
}

/* ---- sizes and names -------------------------------------------------- */

static int status(long r) { return r < 0 ? -1 : 0; }

int ftruncate(int fd, off_t length)
{
	if (length < 0) {
		errno = EINVAL;
		return -1;
	}
	return status(posix_call4(PG_FTRUNCATE, U(fd), U(length), 0, 0));
}

/* No message of its own: open for writing (EISDIR, EACCES as open gives
 * them), truncate, close, keeping the first error. */
int truncate(const char *path, off_t length)
{
	if (length < 0) {
		errno = EINVAL;
		return -1;
	}
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	int r = ftruncate(fd, length), saved = errno;
	if (close(fd) < 0 && r == 0)
		return -1;
	errno = saved;
	return r;
}

int unlink(const char *path) { return status(posix_call4(PG_UNLINK, U(path), 0, 0, 0)); }

int link(const char *old, const char *new)
{
	return status(posix_call4(PG_LINK, U(old), U(new), 0, 0));
}

int rename(const char *old, const char *new)
{
	return status(posix_call4(PG_RENAME, U(old), U(new), 0, 0));
}

int mkdir(const char *path, mode_t mode)
{
	return status(posix_call4(PG_MKDIR, U(path), U(mode), 0, 0));
}

int rmdir(const char *path) { return status(posix_call4(PG_RMDIR, U(path), 0, 0, 0)); }

/* ---- the working directory, durability, permissions ------------------ */

int chdir(const char *path) { return status(posix_call4(PG_CHDIR, U(path), 0, 0, 0)); }

/* A NULL buf gets a malloc'd one (size bytes, or PG_PATH_MAX when 0), as
 * glibc and the BSDs do. */
char *getcwd(char *buf, size_t size)
{
	char *mine = NULL;
	if (!buf) {
		size = size ? size : PG_PATH_MAX;
		buf = mine = malloc(size);
		if (!buf)
			return NULL; /* errno = ENOMEM from malloc */
	} else if (!size) {
		errno = EINVAL;
		return NULL;
	}
	long n = posix_call4(PG_GETCWD, U(buf), size, 0, 0);
	if (n <= 0 || (size_t)n > size || buf[n - 1]) { /* n counts the NUL */
		if (n >= 0)
			errno = EIO;
		free(mine);
		return NULL;
	}
	return buf;
}

int fsync(int fd) { return status(posix_call4(PG_FSYNC, U(fd), 0, 0, 0)); }

int fdatasync(int fd) { return fsync(fd); }

void sync(void) { posix_call4(PG_SYNC, 0, 0, 0, 0); }

int access(const char *path, int mode)
{
	return status(posix_call4(PG_ACCESS, U(path), U(mode), 0, 0));
}
