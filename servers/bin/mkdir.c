/*
 * mkdir.c (servers/bin/) - "mkdir [-p] DIR...": make directories (mode
 * 0755); -p makes missing parents too and accepts a DIR that exists.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "libsys.h"

static int mkdir_error(const char *path, int err)
{
	fprintf(stderr, "mkdir: %s: %s\n", path, strerror(err));
	return 1;
}

/* mkdir that accepts an existing directory. */
static int make_one(const char *path)
{
	struct stat st;
	if (mkdir(path, 0755) == 0)
		return 0;
	int err = errno;
	if (err == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	errno = err;
	return -1;
}

/* Every prefix of path ending before a '/', then path itself. */
static int make_parents(const char *path)
{
	char buf[PG_PATH_MAX + 1];
	size_t len = strlen(path);
	if (len >= sizeof buf)
		return mkdir_error(path, ENAMETOOLONG);
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/' || p[-1] == '/')
			continue;
		*p = '\0';
		int r = make_one(buf);
		*p = '/';
		if (r < 0)
			return mkdir_error(path, errno);
	}
	return make_one(buf) < 0 ? mkdir_error(path, errno) : 0;
}

int main(int argc, char **argv)
{
	bool parents = argc > 1 && !strcmp(argv[1], "-p");
	int i = parents ? 2 : 1, status = 0;
	if (i >= argc) {
		fprintf(stderr, "usage: mkdir [-p] DIR...\n");
		return 2;
	}
	for (; i < argc; i++) {
		if (parents)
			status |= make_parents(argv[i]);
		else if (mkdir(argv[i], 0755) < 0)
			status |= mkdir_error(argv[i], errno);
	}
	return status;
}
