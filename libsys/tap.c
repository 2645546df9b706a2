/*
 * tap.c - Test Anything Protocol output for in-guest suites (libsys/).
 * meson parses it (protocol: 'tap'); tap_done's value becomes the exit
 * status, which QEMU returns through the test finisher.
 */
#include <stdarg.h>
#include <stdio.h>

#include "libsys.h"

static int tap_n, tap_failed;

void tap_plan(int n)
{
	printf("TAP version 13\n1..%d\n", n);
}

int tap_check(int cond, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	if (!cond)
		tap_failed++;
	return cond;
}

int tap_done(void)
{
	printf("# %d tests, %d failed\n", tap_n, tap_failed);
	return tap_failed ? 1 : 0;
}
