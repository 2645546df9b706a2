/*
 * console.c (servers/) - the console input driver: a second thread of the
 * pager that sleeps on a notification bound to the UART's interrupt,
 * drains the receive register and hands the bytes to the pager's main
 * loop as a PG_CONSOLE_IN call (the line discipline is in fs.c).
 */
#include "pager.h"
#include "root.h"

#define UART_RBR 0 /* receive buffer (read) */
#define UART_IER 1 /* interrupt enable: bit 0 = data ready */
#define UART_MCR 4 /* modem control: bit 3 = OUT2, gates the IRQ */
#define UART_LSR 5 /* line status: bit 0 = data ready */

static char console_stack[8192] __attribute__((aligned(16)));

static void console_loop(long arg)
{
	volatile uint8_t *uart = (volatile uint8_t *)(UART_VA + (libsys_bootinfo->uart_pa & 0xfff));
	long notif = arg, ep = sys_handle_dup(pg_ep, R_SEND, CONSOLE_BADGE);
	uart[UART_IER] = 1;
	uart[UART_MCR] |= 8;
	for (;;) {
		sys_notif_wait(notif);
		struct msg m = {.label = PG_CONSOLE_IN};
		char *bytes = (char *)&m.w[1];
		unsigned n = 0;
		while ((uart[UART_LSR] & 1) && n < 40)
			bytes[n++] = (char)uart[UART_RBR];
		sys_irq_ack(H_PLATFORM, (unsigned)libsys_bootinfo->uart_irq);
		m.w[0] = n;
		if (n)
			sys_call(ep, &m);
		if (uart[UART_LSR] & 1)
			sys_notif_signal(notif, 1); /* more than 40 bytes came */
	}
}

void console_start(void)
{
	long notif = sys_notif_create();
	if (notif < 0 || sys_irq_bind(H_PLATFORM, (unsigned)libsys_bootinfo->uart_irq, notif, 1) < 0)
		return;
	root_thread(console_loop, notif, console_stack, sizeof console_stack, PRIO_MAX, 0, 0);
}
