/*
 * todir.c (servers/bin/) - the command line shared by cp and mv (todir.h):
 * one SRC to DST, or each SRC into the directory DIR under its last path
 * component.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "libsys.h"
#include "todir.h"

int todir_error(const char *prog, const char *path, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(err));
	return 1;
}

/* dir/last component of src into out: 0, or -1 (ENAMETOOLONG). */
static int todir_path_into(char *out, size_t size, const char *dir, const char *src)
{
	char copy[PG_PATH_MAX + 1];
	if (strlen(src) >= sizeof copy)
		return -1;
	strcpy(copy, src); /* basename may write into its argument */
	if ((size_t)snprintf(out, size, "%s/%s", dir, basename(copy)) >= size)
		return -1;
	return 0;
}

int todir_main(const char *prog, int argc, char **argv, int (*op)(const char *src, const char *dst))
{
	struct stat st;
	if (argc < 3) {
		fprintf(stderr, "usage: %s SRC DST | %s SRC... DIR\n", prog, prog);
		return 2;
	}
	const char *dst = argv[argc - 1];
	if (stat(dst, &st) < 0 || !S_ISDIR(st.st_mode)) {
		if (argc > 3)
			return todir_error(prog, dst, ENOTDIR);
		return op(argv[1], dst);
	}
	int status = 0;
	for (int i = 1; i < argc - 1; i++) {
		char path[PG_PATH_MAX + 1];
		if (todir_path_into(path, sizeof path, dst, argv[i]) < 0)
			status |= todir_error(prog, argv[i], ENAMETOOLONG);
		else
			status |= op(argv[i], path);
	}
	return status;
}
