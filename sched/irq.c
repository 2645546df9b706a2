/*
 * irq.c - device interrupts as notifications (sched/ over arch/plic.c).
 * A claimed source is masked until the driver acknowledges it, so a slow
 * driver sees one signal per interrupt, never a storm. A binding made
 * through a device handle (SYS_DEV_IRQ) belongs to that device: the device
 * may rebind or acknowledge it, nothing else of the device's may.
 */
#include "sched.h"

#define MAX_IRQS 128

static struct {
	struct notif *n;
	uint64_t bits;
	const struct device *dev; /* bound by SYS_DEV_IRQ, else NULL */
} irq_table[MAX_IRQS];

/* A platform binding (d = NULL) needs a free source; a device may replace
 * its own binding but never take a source bound by anyone else. */
static long irq_check(uint32_t irq, uint64_t bits, const struct device *d)
{
	if (irq == 0 || irq >= MAX_IRQS || irq > plic_sources() || !bits)
		return refuse(ERR_INVAL, "irq_bind: irq %u or bits 0\n", irq);
	if (irq_table[irq].n && (!d || irq_table[irq].dev != d))
		return refuse(ERR_STATE, "irq_bind: irq %u already bound\n", irq);
	return 0;
}

static void irq_set(uint32_t irq, struct notif *n, uint64_t bits, const struct device *d)
{
	struct notif *old = irq_table[irq].n;
	obj_get(&n->obj);
	irq_table[irq].n = n;
	irq_table[irq].bits = bits;
	irq_table[irq].dev = d;
	if (old)
		obj_put(&old->obj);
	plic_enable(irq, true);
}

long irq_bind(uint32_t irq, struct notif *n, uint64_t bits)
{
	long e = irq_check(irq, bits, NULL);
	if (e < 0)
		return e;
	irq_set(irq, n, bits, NULL);
	return 0;
}

long irq_check_dev(uint32_t irq, uint64_t bits, const struct device *d)
{
	return irq_check(irq, bits, d);
}

void irq_bind_dev(uint32_t irq, struct notif *n, uint64_t bits, const struct device *d)
{
	irq_set(irq, n, bits, d);
}

long irq_ack_dev(uint32_t irq, const struct device *d)
{
	if (irq == 0 || irq >= MAX_IRQS || !irq_table[irq].n || irq_table[irq].dev != d)
		return refuse(ERR_STATE, "dev_ack: irq %u not bound by this device\n", irq);
	plic_complete(irq);
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
