/*
 * crt0.S - first instructions of every user program (libsys/). The
 * creator set pc, sp and a0 (bootinfo for the root task, startinfo for
 * programs the pager starts). Set gp and tp (picolibc keeps errno in TLS:
 * the image's own .tdata/.tbss serve as the first thread's TLS block),
 * then libsys_start (start.c) calls main and exit.
 */
	.section .text.start, "ax"
	.globl _start
_start:
	rdinstret a1                  /* boot_to_user ends here (root only) */
	.option push
	.option norelax
	la gp, __global_pointer$
	.option pop
	la tp, __tls_base
	andi sp, sp, -16
	call libsys_start
1:	j 1b
