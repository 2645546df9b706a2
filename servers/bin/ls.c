/*
 * ls.c (servers/bin/) - "ls [-l] [-a] [PATH...]": list directories (sorted,
 * without dot names unless -a) and name files; -l adds the mode string,
 * link count and size. No PATH lists the working directory. On a boot
 * without a disk the file calls fail, so the initrd is listed instead.
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

static bool opt_long, opt_all;
static bool printed; /* something is out: a directory heading needs a blank line */

static void ls_error(const char *path, int err)
{
	fprintf(stderr, "ls: %s: %s\n", path, strerror(err));
}

/* "drwxr-xr-x" from a mode. */
static void mode_string(mode_t m, char out[11])
{
	static const char rwx[] = "rwxrwxrwx";
	out[0] = S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISCHR(m) ? 'c' : S_ISBLK(m) ? 'b' :
		 S_ISFIFO(m) ? 'p' : S_ISSOCK(m) ? 's' : '-';
	for (int i = 0; i < 9; i++)
		out[1 + i] = m & (0400 >> i) ? rwx[i] : '-';
	if (m & S_ISUID)
		out[3] = m & S_IXUSR ? 's' : 'S';
	if (m & S_ISGID)
		out[6] = m & S_IXGRP ? 's' : 'S';
	if (m & S_ISVTX)
		out[9] = m & S_IXOTH ? 't' : 'T';
	out[10] = '\0';
}

static void print_entry(const char *name, const struct stat *st)
{
	printed = true;
	if (!opt_long) {
		printf("%s\n", name);
		return;
	}
	char mode[11];
	mode_string(st->st_mode, mode);
	printf("%s %3u %8lld %s\n", mode, (unsigned)st->st_nlink, (long long)st->st_size, name);
}

/* ---- the initrd, on a boot without a disk ---------------------------- */

static bool diskless(void)
{
	struct stat st;
	return stat("/", &st) < 0 && (errno == ENOSYS || errno == ENOENT);
}

/* Every initrd file (what == NULL) or the one called what: 0, or -1. */
static int initrd_list(const char *what)
{
	char name[PG_NAME_MAX];
	struct stat st = { .st_mode = S_IFREG | 0555, .st_nlink = 1 };
	int found = -1;
	if (what && *what == '/')
		what++;
	for (long i = 0;; i++) {
		long size = pager_readdir(i, name);
		if (size < 0)
			break;
		name[PG_NAME_MAX - 1] = '\0';
		if (what && strcmp(name, what))
			continue;
		st.st_size = size;
		print_entry(name, &st);
		found = 0;
	}
	return found;
}

/* ---- directories ----------------------------------------------------- */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds a copy of name to the array: 0, or -1 (errno ENOMEM). */
static int names_add(char ***names, size_t *n, size_t *cap, const char *name)
{
	if (*n == *cap) {
		size_t more_cap = *cap ? 2 * *cap : 32;
		char **more = realloc(*names, more_cap * sizeof *more);
		if (!more)
			goto nomem;
		*names = more;
		*cap = more_cap;
	}
	if (!((*names)[*n] = strdup(name)))
		goto nomem;
	++*n;
	return 0;
nomem:
	errno = ENOMEM;
	return -1;
}

static void names_free(char **names, size_t n)
{
	while (n)
		free(names[--n]);
	free(names);
}

/* The names in dir (without dot names unless -a), sorted, into *out
 * (*n of them): 0, or -1 with errno. */
static int read_names(const char *dir, char ***out, size_t *n)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	char **names = NULL;
	size_t cap = 0;
	struct dirent *e;
	int err = 0;
	*n = 0;
	errno = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' && !opt_all)
			continue;
		if (names_add(&names, n, &cap, e->d_name) < 0)
			break;
	}
	err = errno; /* 0 at the end of the directory */
	closedir(d);
	if (err) {
		names_free(names, *n);
		errno = err;
		return -1;
	}
	if (*n)
		qsort(names, *n, sizeof *names, name_cmp);
	*out = names;
	return 0;
}

static int list_dir(const char *dir)
{
	size_t n;
	char **names;
	if (read_names(dir, &names, &n) < 0) {
		if ((errno == ENOSYS || errno == ENOENT) && diskless())
			return initrd_list(NULL) < 0 ? 1 : 0;
		ls_error(dir, errno);
		return 1;
	}
	int status = 0;
	for (size_t i = 0; i < n; i++) {
		char path[PG_PATH_MAX + 1];
		struct stat st = { 0 };
		if (opt_long) {
			int len = snprintf(path, sizeof path, "%s/%s", dir, names[i]);
			if (len >= (int)sizeof path) {
				errno = ENAMETOOLONG;
				ls_error(names[i], errno);
				status = 1;
			} else if (lstat(path, &st) < 0) {
				ls_error(path, errno);
				status = 1;
			} else {
				print_entry(names[i], &st);
			}
		} else {
			print_entry(names[i], &st);
		}
	}
	names_free(names, n);
	return status;
}

/* One operand: a directory's listing (with a heading when there are
 * several operands), or the file's own line. */
static int list_path(const char *path, bool heading)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		int err = errno;
		if ((err == ENOSYS || err == ENOENT) && diskless()) {
			if (initrd_list(path) == 0)
				return 0;
			err = ENOENT;
		}
		ls_error(path, err);
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		print_entry(path, &st);
		return 0;
	}
	if (heading)
		printf("%s%s:\n", printed ? "\n" : "", path);
	printed = true;
	return list_dir(path);
}

int main(int argc, char **argv)
{
	int i = 1, status = 0;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		for (const char *o = argv[i] + 1; *o; o++) {
			if (*o == 'l') {
				opt_long = true;
			} else if (*o == 'a') {
				opt_all = true;
			} else {
				fprintf(stderr, "usage: ls [-l] [-a] [PATH...]\n");
				return 2;
			}
		}
	}
	if (i == argc)
		return list_dir(".");
	bool heading = argc - i > 1;
	for (; i < argc; i++)
		status |= list_path(argv[i], heading);
	return status;
}
