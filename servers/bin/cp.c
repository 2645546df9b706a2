/*
 * cp.c (servers/bin/) - "cp SRC DST" or "cp SRC... DIR": copy regular
 * files with read and write; the copy gets SRC's permission bits. A DST
 * that is a directory receives SRC under its last path component.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "todir.h"

static int cp_error(const char *path, int err)
{
	return todir_error("cp", path, err);
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
	return todir_main("cp", argc, argv, copy_file);
}
