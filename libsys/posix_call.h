/*
 * posix_call.h - internal to libsys's POSIX layer (libsys/posix*.c): one
 * pager call (libsys/pager.h) whose reply label becomes errno. Programs
 * never include it; they use the standard headers.
 */
#ifndef LIBSYS_POSIX_CALL_H
#define LIBSYS_POSIX_CALL_H

#include <stdint.h>

#include "libsys.h"

/* One call; returns w0, or -1 with errno from the label (EIO when the
 * call itself failed, ENOSYS when there is no pager). m holds the reply. */
long posix_call(struct msg *m);

/* The same with up to four words. */
long posix_call4(uint64_t label, uint64_t a, uint64_t b, uint64_t c, uint64_t d);

#endif /* LIBSYS_POSIX_CALL_H */
