/*
 * console.c - kernel console output on the 16550 UART (arch/) and a small
 * kprintf (%d %u %x %lx %lu %ld %s %c %p %%). Polled output: the kernel
 * prints rarely (boot, kills, refusals in debug builds, panics).
 */
#include <stdarg.h>

#include "arch.h"

static volatile uint8_t *uart;

#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_THRE 0x20 /* transmit holding register empty */

void console_init(uint64_t uart_pa) { uart = pa_to_kva(uart_pa ? uart_pa : 0x10000000); }

void console_putc(char c)
{
	if (c == '\n')
		console_putc('\r');
	while (!(uart[UART_LSR] & UART_LSR_THRE))
		;
	uart[UART_THR] = (uint8_t)c;
}

void console_write(const char *s, size_t n)
{
	while (n--)
		console_putc(*s++);
}

static void kp_num(uint64_t v, unsigned base, bool neg, int width)
{
	char buf[24];
	int i = 0;
	do {
		buf[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		buf[i++] = '-';
	while (i < width--)
		console_putc(base == 16 ? '0' : ' ');
	while (i)
		console_putc(buf[--i]);
}

static void kp_one(char f, bool lng, int width, va_list *ap)
{
	if (f == 's') {
		const char *s = va_arg(*ap, const char *);
		while (s && *s)
			console_putc(*s++);
	} else if (f == 'c') {
		console_putc((char)va_arg(*ap, int));
	} else if (f == 'p') {
		kp_num(va_arg(*ap, uint64_t), 16, false, 16);
	} else if (f == 'd') {
		int64_t v = lng ? va_arg(*ap, int64_t) : va_arg(*ap, int);
		kp_num(v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, width);
	} else {
		uint64_t v = lng ? va_arg(*ap, uint64_t) : va_arg(*ap, unsigned);
		kp_num(v, f == 'x' ? 16 : 10, false, width);
	}
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			console_putc(*fmt);
			continue;
		}
		int width = 0;
		while (fmt[1] >= '0' && fmt[1] <= '9')
			width = width * 10 + (*++fmt - '0');
		bool lng = fmt[1] == 'l';
		fmt += lng;
		if (*++fmt == '%')
			console_putc('%');
		else if (*fmt)
			kp_one(*fmt, lng, width, &ap);
		else
			break;
	}
	va_end(ap);
	return 0;
}
