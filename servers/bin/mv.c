/*
 * mv.c (servers/bin/) - "mv SRC DST" or "mv SRC... DIR": rename; a DST
 * that is a directory receives SRC under its last path component. One
 * file system, so a rename is always enough.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "libsys.h"

static int mv_error(const char *path, int err)
{
	fprintf(stderr, "mv: %s: %s\n", path, strerror(err));
	return 1;
}

static int move(const char *src, const char *dst)
{
	return rename(src, dst) < 0 ? mv_error(src, errno) : 0;
}

/* dir/last component of src into out: 0, or -1 (ENAMETOOLONG). */
static int path_into(char *out, size_t size, const char *dir, const char *src)
{
	char copy[PG_PATH_MAX + 1];
	if (strlen(src) >= sizeof copy)
		return -1;
	strcpy(copy, src);
	if ((size_t)snprintf(out, size, "%s/%s", dir, basename(copy)) >= size)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct stat st;
	if (argc < 3) {
		fprintf(stderr, "usage: mv SRC DST | mv SRC... DIR\n");
		return 2;
	}
	const char *dst = argv[argc - 1];
	if (stat(dst, &st) < 0 || !S_ISDIR(st.st_mode)) {
		if (argc > 3)
			return mv_error(dst, ENOTDIR);
		return move(argv[1], dst);
	}
	int status = 0;
	for (int i = 1; i < argc - 1; i++) {
		char path[PG_PATH_MAX + 1];
		if (path_into(path, sizeof path, dst, argv[i]) < 0)
			status |= mv_error(argv[i], ENAMETOOLONG);
		else
			status |= move(argv[i], path);
	}
	return status;
}
