/*
 * sys/stat.h - picolibc's <sys/stat.h> plus the lstat declaration it
 * leaves out on this target (libsys/, found before picolibc's header;
 * libsys/posix_fs.c implements lstat). Any other C library is passed
 * through untouched, so host builds that see libsys/ are not affected.
 */
#ifndef LIBSYS_SYS_STAT_H
#define LIBSYS_SYS_STAT_H

#include_next <sys/stat.h>

#ifdef __PICOLIBC__
int lstat(const char *__restrict __path, struct stat *__restrict __buf);
#endif

#endif /* LIBSYS_SYS_STAT_H */
