/*
 * sbi.c - calls into OpenSBI (arch/): TIME for the timer when there is no
 * Sstc, SRST to power off, and the QEMU sifive_test finisher for exit codes
 * (SBI shutdown always exits QEMU with status 0, tests need more).
 */
#include "arch.h"

#define SBI_EXT_TIME 0x54494d45
#define SBI_EXT_SRST 0x53525354

uint64_t arch_finisher_pa; /* set by sched/boot.c from the DTB */

static long sbi_call(long ext, long fid, long a0, long a1)
{
	register long r0 __asm__("a0") = a0;
	register long r1 __asm__("a1") = a1;
	register long r6 __asm__("a6") = fid;
	register long r7 __asm__("a7") = ext;
	__asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r6), "r"(r7) : "memory");
	return r0;
}

void sbi_set_timer(uint64_t when) { sbi_call(SBI_EXT_TIME, 0, (long)when, 0); }

void sbi_shutdown(void) { sbi_call(SBI_EXT_SRST, 0, 0, 0); }

/* code 0 = pass; 1..255 = failure code (sifive_test: 0x3333 | code << 16). */
void arch_poweroff(unsigned code)
{
	if (arch_finisher_pa) {
		volatile uint32_t *fin = pa_to_kva(arch_finisher_pa);
		*fin = code ? 0x3333 | ((code & 0xff) << 16) : 0x5555;
	}
	sbi_shutdown();
	for (;;)
		__asm__ volatile("wfi");
}
