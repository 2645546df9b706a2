/*
 * todir.h (servers/bin/) - the command line shared by cp and mv:
 * "PROG SRC DST" or "PROG SRC... DIR", where a DST that is a directory
 * receives each SRC under its last path component (todir.c).
 */
#ifndef SERVERS_BIN_TODIR_H
#define SERVERS_BIN_TODIR_H

/* "PROG: PATH: strerror(err)" on stderr; returns 1 (an exit status). */
int todir_error(const char *prog, const char *path, int err);

/* Runs op(src, dst) for the sources of argv as above (usage: exit 2);
 * the exit status: 0, or 1 if any op or path failed. */
int todir_main(const char *prog, int argc, char **argv,
	       int (*op)(const char *src, const char *dst));

#endif /* SERVERS_BIN_TODIR_H */
