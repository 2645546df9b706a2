/*
 * probe.S - a temporary trap vector for probing optional CSRs at boot
 * (arch/timer.c): note the trap and skip the 4-byte instruction.
 */
	.section .text
	.balign 4
	.globl arch_probe_trap
arch_probe_trap:
	csrw sscratch, t0
	la t0, arch_probe_faulted
	sd t0, 0(t0)
	csrr t0, sepc
	addi t0, t0, 4
	csrw sepc, t0
	csrr t0, sscratch
	csrw sscratch, zero
	sret
