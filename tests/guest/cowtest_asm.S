/*
 * cowtest_asm.S - fork() with a value held in the callee-saved FP register
 * fs0 across the call, so the test can see that the child got the
 * parent's FPU state (tests/guest/cowtest.c). a0 = where to store fs0 as
 * it is after fork returns, fa0 = the value; returns fork's result.
 */
	.section .text
	.globl fork_keep_fs0
fork_keep_fs0:
	addi sp, sp, -32
	sd ra, 24(sp)
	sd s1, 8(sp)
	fsd fs0, 16(sp)
	mv s1, a0
	fmv.d fs0, fa0
	call fork
	fsd fs0, 0(s1)
	fld fs0, 16(sp)
	ld s1, 8(sp)
	ld ra, 24(sp)
	addi sp, sp, 32
	ret
