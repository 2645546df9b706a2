/*
 * start.c - user program start-up and the picolibc glue (libsys/): decide
 * whether we are the root task (bootinfo from the kernel) or a program the
 * pager started (startinfo), provide stdout/stderr, sbrk and _exit, then
 * run main. Root programs have no pager: their heap is a static arena and
 * their exit powers the machine off with the exit status.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libsys.h"
#include "root.h"

const struct bootinfo *libsys_bootinfo;
const struct startinfo *libsys_startinfo;
uint64_t libsys_start_instret;

static char root_arena[256 * 1024] __attribute__((aligned(16)));
static uintptr_t heap_brk;

/* ---- console output: line-buffered debug writes -------------------- */
static char out_buf[256];
static unsigned out_len;

static int libsys_flush(FILE *f)
{
	(void)f;
	if (out_len)
		write(1, out_buf, out_len); /* the pager's console or a pipe */
	out_len = 0;
	return 0;
}

static int libsys_putc(char c, FILE *f)
{
	out_buf[out_len++] = c;
	if (c == '\n' || out_len == sizeof out_buf)
		libsys_flush(f);
	return (unsigned char)c;
}

static int libsys_getc(FILE *f)
{
	unsigned char c;
	libsys_flush(f); /* a prompt shows before we wait for input */
	return read(0, &c, 1) == 1 ? c : EOF;
}

/* stderr goes to fd 2, so a pipeline stage's errors reach the console,
 * not the next stage. Line-buffered like stdout, which is flushed first so
 * the two stay in order. */
static char err_buf[256];
static unsigned err_len;

static int libsys_flush_err(FILE *f)
{
	(void)f;
	if (err_len)
		write(2, err_buf, err_len);
	err_len = 0;
	return 0;
}

static int libsys_putc_err(char c, FILE *f)
{
	if (!err_len)
		libsys_flush(stdout);
	err_buf[err_len++] = c;
	if (c == '\n' || err_len == sizeof err_buf)
		libsys_flush_err(f);
	return (unsigned char)c;
}

static FILE libsys_stdio = FDEV_SETUP_STREAM(libsys_putc, libsys_getc, libsys_flush, _FDEV_SETUP_RW);
static FILE libsys_err =
	FDEV_SETUP_STREAM(libsys_putc_err, NULL, libsys_flush_err, _FDEV_SETUP_WRITE);
FILE *const stdin = &libsys_stdio;
FILE *const stdout = &libsys_stdio;
FILE *const stderr = &libsys_err;

/* ---- heap ----------------------------------------------------------- */
void *sbrk(ptrdiff_t incr)
{
	if (libsys_startinfo) {
		struct msg m = {.label = PG_SBRK, .w = {(uint64_t)incr}};
		if (sys_call((long)libsys_startinfo->pager, &m) < 0 || m.label)
			return (void *)-1;
		return (void *)m.w[0];
	}
	if (root_frames.base)
		return root_sbrk(incr);
	uintptr_t base = (uintptr_t)root_arena, old = heap_brk ? heap_brk : base;
	if ((incr > 0 && (uintptr_t)incr > base + sizeof root_arena - old) ||
	    (incr < 0 && (uintptr_t)-incr > old - base))
		return (void *)-1;
	heap_brk = old + incr;
	return (void *)old;
}

/* ---- exit ----------------------------------------------------------- */
void _exit(int status)
{
	libsys_flush(stdout);
	libsys_flush_err(stderr);
	if (libsys_startinfo) {
		struct msg m = {.label = PG_EXIT, .w = {(uint64_t)(unsigned)status}};
		sys_call((long)libsys_startinfo->pager, &m);
	} else {
		sys_poweroff(H_PLATFORM, (unsigned)status & 0xff);
	}
	sys_exit(status);
}

int main(int argc, char **argv);

void libsys_start(void *info, uint64_t instret)
{
	static char *root_argv[] = {"root", NULL};
	libsys_start_instret = instret;
	if (*(const uint64_t *)info == BOOTINFO_MAGIC) {
		libsys_bootinfo = info;
		exit(main(1, root_argv));
	}
	libsys_startinfo = info;
	exit(main((int)libsys_startinfo->argc, (char **)libsys_startinfo->argv));
}
