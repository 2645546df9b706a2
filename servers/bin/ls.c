/*
 * ls.c (servers/bin/) - list the initrd (flat: every program is a file)
 * as "name size" lines, via pager_readdir. With arguments, only those
 * names, and a missing one is reported with status 1.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "libsys.h"

/* The size of the initrd file called name, or -1. */
static long find_size(const char *name)
{
	char entry[PG_NAME_MAX];
	if (*name == '/')
		name++;
	for (long i = 0;; i++) {
		long size = pager_readdir(i, entry);
		if (size < 0)
			return -1;
		if (!strcmp(entry, name))
			return size;
	}
}

static int list_all(void)
{
	char name[PG_NAME_MAX];
	long i = 0;
	for (;; i++) {
		long size = pager_readdir(i, name);
		if (size < 0)
			break;
		printf("%s %ld\n", name, size);
	}
	if (i == 0) {
		fprintf(stderr, "ls: cannot read the initrd\n");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int status = 0;
	if (argc < 2)
		return list_all();
	for (int i = 1; i < argc; i++) {
		long size = find_size(argv[i]);
		if (size >= 0) {
			printf("%s %ld\n", argv[i], size);
			continue;
		}
		fprintf(stderr, "ls: %s: not found\n", argv[i]);
		status = 1;
	}
	return status;
}
