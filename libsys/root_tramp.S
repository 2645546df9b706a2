/*
 * root_tramp.S - entry of threads made by root_clone/root_thread
 * (libsys/root.c): the kernel sets only pc, sp and a0, so set gp and tp
 * like crt0.S does, then run the C trampoline.
 */
	.section .text
	.globl root_thread_start
root_thread_start:
	.option push
	.option norelax
	la gp, __global_pointer$
	.option pop
	la tp, __tls_base
	call root_tramp
1:	j 1b
