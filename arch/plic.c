/*
 * plic.c - the platform interrupt controller (arch/): enable a source for
 * the boot hart's S-mode context, claim and complete. Sources are routed
 * to notifications by sched/irq.c.
 */
#include "arch.h"

static volatile uint32_t *plic;
static uint32_t plic_ctx; /* S-mode context of the hart: 2 * hartid + 1 on virt */
static uint32_t plic_ndev;

#define PLIC_PRIO(irq) (plic + (irq))
#define PLIC_ENABLE(ctx) (plic + (0x2000 + 0x80 * (ctx)) / 4)
#define PLIC_THRESHOLD(ctx) (plic + (0x200000 + 0x1000 * (ctx)) / 4)
#define PLIC_CLAIM(ctx) (plic + (0x200004 + 0x1000 * (ctx)) / 4)

void plic_init(uint64_t pa, uint32_t ndev, uint32_t hartid)
{
	if (!pa)
		return;
	plic = pa_to_kva(pa);
	plic_ndev = ndev;
	plic_ctx = 2 * hartid + 1;
	*PLIC_THRESHOLD(plic_ctx) = 0;
	csr_set(sie, 1ULL << IRQ_S_EXT);
}

void plic_enable(uint32_t irq, bool on)
{
	if (!plic || irq == 0 || irq > plic_ndev)
		return;
	*PLIC_PRIO(irq) = on ? 1 : 0;
	volatile uint32_t *en = PLIC_ENABLE(plic_ctx) + irq / 32;
	if (on)
		*en |= 1u << (irq % 32);
	else
		*en &= ~(1u << (irq % 32));
}

uint32_t plic_sources(void) { return plic ? plic_ndev : 0; }

uint32_t plic_claim(void) { return plic ? *PLIC_CLAIM(plic_ctx) : 0; }

void plic_complete(uint32_t irq)
{
	if (plic)
		*PLIC_CLAIM(plic_ctx) = irq;
}
