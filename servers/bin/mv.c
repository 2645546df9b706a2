/*
 * mv.c (servers/bin/) - "mv SRC DST" or "mv SRC... DIR": rename; a DST
 * that is a directory receives SRC under its last path component. One
 * file system, so a rename is always enough.
 */
#include <errno.h>
#include <stdio.h>

#include "todir.h"

static int move(const char *src, const char *dst)
{
	return rename(src, dst) < 0 ? todir_error("mv", src, errno) : 0;
}

int main(int argc, char **argv)
{
	return todir_main("mv", argc, argv, move);
}
