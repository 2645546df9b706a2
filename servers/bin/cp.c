/*
 * cp.c (servers/bin/) - "cp SRC DST" or "cp SRC... DIR": copy regular
 * files with read and write; the copy gets SRC's permission bits. A DST
 * that is a directory receives SRC under its last path component.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libsys.h"

static int cp_error(const char *path, int err)
{
	fprintf(stderr, "cp: %s: %s\n", path, strerror(err));
	return 1;
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
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

/* Copy everything from in to out; the failing side's name on error. */
static int copy_data(int in, int out, const char *src, const char *dst)
{
	static char buf[4096];
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(out, buf + done, (size_t)(n - done));
			if (w <= 0)
				return cp_error(dst, w < 0 ? errno : EIO);
			done += w;
		}
	}
	return n < 0 ? cp_error(src, errno) : 0;
}

static int copy_file(const char *src, const char *dst)
{
	struct stat ss, ds;
	int in = open(src, O_RDONLY);
	if (in < 0)
		return cp_error(src, errno);
	int err = fstat(in, &ss) < 0 ? errno : S_ISDIR(ss.st_mode) ? EISDIR : 0;
	if (err) {
		close(in);
		return cp_error(src, err);
	}
	if (stat(dst, &ds) == 0 && ds.st_ino == ss.st_ino && ds.st_dev == ss.st_dev) {
		close(in);
		fprintf(stderr, "cp: %s and %s are the same file\n", src, dst);
		return 1;
	}
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, ss.st_mode & 07777);
	if (out < 0) {
		err = errno;
		close(in);
		return cp_error(dst, err);
	}
	int status = copy_data(in, out, src, dst);
	close(in);
	if (close(out) < 0 && !status)
		status = cp_error(dst, errno);
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: cp SRC DST | cp SRC... DIR\n");
		return 2;
	}
	const char *dst = argv[argc - 1];
	if (!is_dir(dst)) {
		if (argc > 3)
			return cp_error(dst, ENOTDIR);
		return copy_file(argv[1], dst);
	}
	int status = 0;
	for (int i = 1; i < argc - 1; i++) {
		char path[PG_PATH_MAX + 1];
		if (path_into(path, sizeof path, dst, argv[i]) < 0)
			status |= cp_error(argv[i], ENAMETOOLONG);
		else
			status |= copy_file(argv[i], path);
	}
	return status;
}
