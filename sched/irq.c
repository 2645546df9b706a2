/*
 * irq.c - device interrupts as notifications (sched/ over arch/plic.c).
 * A claimed source is masked until the driver acknowledges it, so a slow
 * driver sees one signal per interrupt, never a storm.
 */
#include "sched.h"

#define MAX_IRQS 128

static struct {
	struct notif *n;
	uint64_t bits;
} irq_table[MAX_IRQS];

long irq_bind(uint32_t irq, struct notif *n, uint64_t bits)
{
	if (irq == 0 || irq >= MAX_IRQS || irq > plic_sources() || !bits)
		return refuse(ERR_INVAL, "irq_bind: irq %u or bits 0\n", irq);
	if (irq_table[irq].n)
		return refuse(ERR_STATE, "irq_bind: irq %u already bound\n", irq);
	obj_get(&n->obj);
	irq_table[irq].n = n;
	irq_table[irq].bits = bits;
	plic_enable(irq, true);
	return 0;
}

long irq_ack(uint32_t irq)
{
	if (irq == 0 || irq >= MAX_IRQS || !irq_table[irq].n)
		return refuse(ERR_INVAL, "irq_ack: irq %u not bound\n", irq);
	plic_complete(irq);
	return 0;
}

void irq_handle(void)
{
	uint32_t irq;
	while ((irq = plic_claim()) != 0) {
		if (irq < MAX_IRQS && irq_table[irq].n)
			notif_signal(irq_table[irq].n, irq_table[irq].bits);
		else
			plic_complete(irq); /* nobody listens: drop it */
	}
}
