/*
 * rm.c (servers/bin/) - "rm [-f] [-r] PATH...": unlink files; -r removes
 * directories with everything in them, -f is quiet about missing names.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libsys.h"

static bool opt_force, opt_recursive;

static int rm_error(const char *path, int err)
{
	if (opt_force && err == ENOENT)
		return 0;
	fprintf(stderr, "rm: %s: %s\n", path, strerror(err));
	return 1;
}

static int remove_path(const char *path);

/* The next name in dir other than . and .., copied to name; 1, 0 at the
 * end, -1 on error. The stream is closed before recursing, so a deep tree
 * never holds more than one directory descriptor. */
static int next_name(const char *dir, char name[MAXNAMLEN + 1])
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	struct dirent *e;
	errno = 0;
	while ((e = readdir(d)) &&
	       (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")))
		;
	int err = errno, found = e != NULL;
	if (found)
		strcpy(name, e->d_name);
	closedir(d);
	errno = err;
	return err ? -1 : found;
}

/* Empty dir (everything in it removed first), then remove it. Each pass
 * re-reads the directory: names shift as entries go. */
static int remove_tree(const char *dir)
{
	char name[MAXNAMLEN + 1], path[PG_PATH_MAX + 1];
	int r;
	while ((r = next_name(dir, name)) > 0) {
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
			return rm_error(dir, ENAMETOOLONG);
		if (remove_path(path))
			return 1; /* reported; stop, or this would loop */
	}
	if (r < 0)
		return rm_error(dir, errno);
	return rmdir(dir) < 0 ? rm_error(dir, errno) : 0;
}

static int remove_path(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return rm_error(path, errno);
	if (S_ISDIR(st.st_mode)) {
		if (!opt_recursive)
			return rm_error(path, EISDIR);
		return remove_tree(path);
	}
	return unlink(path) < 0 ? rm_error(path, errno) : 0;
}

int main(int argc, char **argv)
{
	int i = 1, status = 0;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		for (const char *o = argv[i] + 1; *o; o++) {
			if (*o == 'f')
				opt_force = true;
			else if (*o == 'r' || *o == 'R')
				opt_recursive = true;
			else {
				fprintf(stderr, "usage: rm [-f] [-r] PATH...\n");
				return 2;
			}
		}
	}
	if (i == argc && !opt_force) {
		fprintf(stderr, "usage: rm [-f] [-r] PATH...\n");
		return 2;
	}
	for (; i < argc; i++)
		status |= remove_path(argv[i]);
	return status;
}
