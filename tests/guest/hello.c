/* hello.c - smallest root program: proves boot, printf and poweroff. */
#include <stdio.h>
#include "libsys.h"

int main(void)
{
	tap_plan(1);
	tap_eq(sys_null(), 0, "null syscall");
	return tap_done();
}
