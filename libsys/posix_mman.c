/*
 * posix_mman.c - the memory-mapping calls of libsys (libsys/): mmap,
 * munmap, mprotect, msync and madvise (<sys/mman.h>). Each is one message
 * to the pager (PG_MMAP .. PG_MADVISE, libsys/pager.h), which owns every
 * mapping and checks every argument; errno comes from the reply's label.
 */
#include <errno.h>
#include <sys/mman.h>

#include "posix_call.h"

#define U(x) ((uint64_t)(x))

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	/* Six words: the offset travels in w5 as the signed off_t it is, so
	 * the pager sees a negative one and refuses it (EINVAL). */
	struct msg m = {.label = PG_MMAP,
			.w = {U(addr), U(len), U(prot), U(flags), U(fd), U(off)}};
	long r = posix_call(&m);
	/* A user address is below 2^38, never negative: r < 0 is an error
	 * and errno is already set. */
	return r < 0 ? MAP_FAILED : (void *)r;
}

static int mman_status(long r) { return r < 0 ? -1 : 0; }

int munmap(void *addr, size_t len)
{
	return mman_status(posix_call4(PG_MUNMAP, U(addr), U(len), 0, 0));
}

int mprotect(void *addr, size_t len, int prot)
{
	return mman_status(posix_call4(PG_MPROTECT, U(addr), U(len), U(prot), 0));
}

int msync(void *addr, size_t len, int flags)
{
	return mman_status(posix_call4(PG_MSYNC, U(addr), U(len), U(flags), 0));
}

int madvise(void *addr, size_t len, int advice)
{
	return mman_status(posix_call4(PG_MADVISE, U(addr), U(len), U(advice), 0));
}
