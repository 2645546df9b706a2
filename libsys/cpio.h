/*
 * cpio.h - reader for "newc" (SVR4, magic 070701) cpio archives, the
 * initrd format. Layer: libsys (user library; the root task finds servers
 * in the initrd with it). Pure logic over a caller-supplied buffer.
 *
 * Invariants:
 *  - Never reads outside [archive, archive + size); any header, name or
 *    data range that does not fit is "malformed" (-1), never clipped.
 *  - A filled cpio_file points into the archive: name is NUL-terminated
 *    at name[namelen], data..data+size lies inside the archive.
 *  - Offsets are relative to the archive start, which is where newc's
 *    4-byte padding is measured from.
 */
#ifndef LIBSYS_CPIO_H
#define LIBSYS_CPIO_H

#include <stdint.h>

struct cpio_file {
	const char *name;
	uint64_t namelen; /* without NUL */
	const void *data;
	uint64_t size;
};

/*
 * 1 = entry filled and *offset advanced; 0 = reached "TRAILER!!!" or the
 * end of the buffer exactly (*offset unchanged); -1 malformed.
 */
int cpio_next(const void *archive, uint64_t size, uint64_t *offset,
	      struct cpio_file *f);

/*
 * 0 found, -1 not found or malformed. An archive name with a leading "./"
 * matches without it; on success f->name/namelen are the stripped name.
 */
int cpio_find(const void *archive, uint64_t size, const char *name,
	      struct cpio_file *f);

#endif /* LIBSYS_CPIO_H */
