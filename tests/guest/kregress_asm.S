/*
 * kregress_asm.S - tiny position-independent bodies for kregress.c's
 * threads in other tasks or without stacks: they use only registers.
 */
#define SYS_RECV 4
#define SYS_HANDLE_CLOSE 9
	.section .text
	.balign 4096
	/* a0 = handle: close it, then spin (the close may kill us). */
	.globl close_and_spin
close_and_spin:
	li t0, SYS_HANDLE_CLOSE
	ecall
1:	j 1b

	/* a0 = endpoint: receive one message (a faulting caller), then fault
	 * ourselves while holding it: a link in a chain of faults. */
	.globl chain_link
chain_link:
	li t0, SYS_RECV
	ecall
	ld t1, 0(zero)
2:	j 2b
	.balign 4096
