/*
 * echo.c (servers/bin/) - print the arguments joined by one space and a
 * newline; "-n" first leaves the newline out.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	bool newline = true;
	int i = 1;
	if (argc > 1 && !strcmp(argv[1], "-n")) {
		newline = false;
		i++;
	}
	for (int first = i; i < argc; i++) {
		if (i > first)
			putchar(' ');
		fputs(argv[i], stdout);
	}
	if (newline)
		putchar('\n');
	fflush(stdout);
	return 0;
}
