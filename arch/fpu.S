/*
 * fpu.S - save and load a thread's FPU registers (arch/). Called from the
 * lazy switch in arch/trap.c only; the kernel itself never uses the FPU,
 * it is built for rv64imac. sstatus.FS must be non-zero around these.
 */
	.section .text
	.option push
	.option arch, +d
	.globl fpu_save
fpu_save:
	.irp r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	fsd f\r, \r*8(a0)
	.endr
	frcsr t0
	sd t0, 32*8(a0)
	ret

	.globl fpu_load
fpu_load:
	.irp r, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	fld f\r, \r*8(a0)
	.endr
	ld t0, 32*8(a0)
	fscsr t0
	ret
	.option pop
