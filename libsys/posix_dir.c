/*
 * posix_dir.c - directory streams of libsys (libsys/): opendir, fdopendir,
 * readdir, rewinddir, closedir and dirfd over the pager's PG_GETDENTS,
 * which fills a buffer with struct pg_dirent records (libsys/pager.h).
 * The records are only claims: each is checked before it is used.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "posix_call.h"

#define DIR_BUF 2048 /* room for at least one record with a 255-byte name */

struct libsys_dir {
	int fd;
	size_t pos, len; /* next record, bytes of records in buf */
	struct dirent ent; /* what readdir returns */
	_Alignas(8) char buf[DIR_BUF];
};

DIR *fdopendir(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return NULL;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return NULL;
	}
	DIR *d = malloc(sizeof *d);
	if (!d)
		return NULL;
	d->fd = fd;
	d->pos = d->len = 0;
	return d;
}

DIR *opendir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return NULL;
	DIR *d = fdopendir(fd);
	if (!d) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
	return d;
}

/* The record at d->pos, checked against the buffer, or NULL (errno EIO). */
static const struct pg_dirent *dir_record(const DIR *d)
{
	const size_t head = offsetof(struct pg_dirent, name);
	const struct pg_dirent *r = (const struct pg_dirent *)(d->buf + d->pos);
	if (d->len - d->pos < head || r->reclen % 8 || r->reclen < head + r->namelen + 1u ||
	    r->reclen > d->len - d->pos || r->name[r->namelen] ||
	    memchr(r->name, '\0', r->namelen) || !r->namelen) {
		errno = EIO;
		return NULL;
	}
	return r;
}

struct dirent *readdir(DIR *d)
{
	if (d->pos >= d->len) {
		long n = posix_call4(PG_GETDENTS, (uint64_t)d->fd, (uint64_t)d->buf, sizeof d->buf, 0);
		if (n < 0)
			return NULL;
		if (n == 0) /* the end: errno untouched, as POSIX asks */
			return NULL;
		if ((size_t)n > sizeof d->buf) {
			errno = EIO;
			return NULL;
		}
		d->pos = 0;
		d->len = (size_t)n;
	}
	const struct pg_dirent *r = dir_record(d);
	if (!r) {
		d->pos = d->len; /* do not loop on a bad buffer */
		return NULL;
	}
	d->ent.d_ino = r->ino;
	d->ent.d_off = 0;
	d->ent.d_reclen = sizeof d->ent;
	d->ent.d_type = r->type;
	memcpy(d->ent.d_name, r->name, (size_t)r->namelen + 1);
	d->pos += r->reclen;
	return &d->ent;
}

void rewinddir(DIR *d)
{
	lseek(d->fd, 0, SEEK_SET);
	d->pos = d->len = 0;
}

int dirfd(DIR *d) { return d->fd; }

int closedir(DIR *d)
{
	int r = close(d->fd);
	free(d);
	return r;
}
