/*
 * sys/dirent.h - what picolibc's <dirent.h> expects from the system
 * (libsys/, found before picolibc's own sys/dirent.h, which is only an
 * #error): struct dirent, the DIR stream type and the DT_ values, so a
 * plain POSIX program's #include <dirent.h> compiles. posix_dir.c
 * implements the calls over the pager's PG_GETDENTS.
 */
#ifndef LIBSYS_SYS_DIRENT_H
#define LIBSYS_SYS_DIRENT_H

#include <sys/types.h>

#define MAXNAMLEN 255 /* ext2's limit; pg_dirent.namelen is a byte */

struct dirent {
	ino_t d_ino;
	off_t d_off;             /* not kept: always 0 */
	unsigned short d_reclen; /* sizeof (struct dirent) */
	unsigned char d_type;    /* DT_* */
	char d_name[MAXNAMLEN + 1];
};

#define _DIRENT_HAVE_D_TYPE
#define _DIRENT_HAVE_D_RECLEN

#define DT_UNKNOWN 0
#define DT_FIFO 1
#define DT_CHR 2
#define DT_DIR 4
#define DT_BLK 6
#define DT_REG 8
#define DT_LNK 10
#define DT_SOCK 12

typedef struct libsys_dir DIR; /* opaque: posix_dir.c */

#endif /* LIBSYS_SYS_DIRENT_H */
