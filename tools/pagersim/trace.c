/*
 * trace.c - reading and writing page-reference traces (see trace.h) and
 * mapping page numbers to dense ids so the simulator indexes arrays
 * instead of hashing on every request. Layer: tools (native host program).
 * Every byte of an input file is only a claim: counts, varints and text
 * are checked, and a bad file is refused with a message.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, mkstemp, strdup, strtok_r */
#include "trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int trace_slurp(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "pagersim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t cap = 1 << 20, n = 0, r;
	uint8_t *b = malloc(cap);
	while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			uint8_t *nb = realloc(b, cap *= 2);
			if (!nb)
				free(b);
			b = nb;
		}
	}
	int err = !b || ferror(f);
	fclose(f);
	if (err) {
		fprintf(stderr, "pagersim: %s: cannot read\n", path);
		free(b);
		return -1;
	}
	*buf = b;
	*len = n;
	return 0;
}

static int trace_parse_bin(const uint8_t *b, size_t len, uint64_t **out, uint64_t *n)
{
	uint64_t cnt = 0, prev = 0;
	size_t at = 16;
	for (int i = 0; i < 8; i++)
		cnt |= (uint64_t)b[8 + i] << (8 * i);
	if (cnt > len - 16) /* every request takes at least one byte */
		return -1;
	uint64_t *pg = malloc((cnt ? cnt : 1) * sizeof *pg);
	if (!pg)
		return -1;
	for (uint64_t i = 0; i < cnt; i++) {
		uint64_t v = 0;
		for (int sh = 0;; sh += 7) {
			if (at >= len || sh > 63) {
				free(pg);
				return -1;
			}
			uint8_t c = b[at++];
			v |= (uint64_t)(c & 0x7f) << sh;
			if (!(c & 0x80))
				break;
		}
		prev += (v >> 1) ^ (0 - (v & 1)); /* un-zigzag; wraps mod 2^64 */
		pg[i] = prev;
	}
	if (at != len) {
		free(pg);
		return -1;
	}
	*out = pg;
	*n = cnt;
	return 0;
}

static int trace_parse_text(char *s, size_t len, uint64_t **out, uint64_t *n)
{
	uint64_t cap = 1024, cnt = 0;
	uint64_t *pg = malloc(cap * sizeof *pg);
	char *end = s + len;
	while (pg && s < end) {
		char *eol = memchr(s, '\n', (size_t)(end - s));
		if (!eol)
			eol = end;
		*eol = 0;
		char *q = s + strspn(s, " \t\r");
		if (*q && *q != '#') {
			char *e;
			errno = 0;
			unsigned long long v = strtoull(q, &e, 0);
			if (errno || e == q || e[strspn(e, " \t\r")] || *q == '-') {
				free(pg);
				return -1;
			}
			if (cnt == cap) {
				uint64_t *np = realloc(pg, (cap *= 2) * sizeof *pg);
				if (!np)
					free(pg);
				pg = np;
				if (!pg)
					return -1;
			}
			pg[cnt++] = v;
		}
		s = eol + 1;
	}
	*out = pg;
	*n = cnt;
	return pg ? 0 : -1;
}

int trace_read_raw(const char *path, uint64_t **pages, uint64_t *n)
{
	uint8_t *b;
	size_t len;
	if (trace_slurp(path, &b, &len))
		return -1;
	int r;
	if (len >= 16 && memcmp(b, TRACE_MAGIC, 8) == 0) {
		r = trace_parse_bin(b, len, pages, n);
	} else {
		uint8_t *nb = realloc(b, len + 1); /* room for the NUL in parse */
		if (nb)
			b = nb;
		r = nb ? trace_parse_text((char *)b, len, pages, n) : -1;
	}
	free(b);
	if (r)
		fprintf(stderr, "pagersim: %s: not a valid trace\n", path);
	return r;
}

/* Dense ids through an open-addressing table (power-of-two, load <= 1/2). */
static int trace_densify(struct trace *t, const uint64_t *pg)
{
	uint64_t cap = 1024;
	uint32_t *tab = malloc(cap * sizeof *tab);
	t->page = malloc(cap / 2 * sizeof *t->page);
	t->id = malloc((t->n ? t->n : 1) * sizeof *t->id);
	if (!tab || !t->page || !t->id)
		return free(tab), -1;
	memset(tab, 0xff, cap * sizeof *tab);
	for (uint64_t i = 0; i < t->n; i++) {
		uint64_t h = (pg[i] * 0x9e3779b97f4a7c15ull) >> 20;
		while (tab[h & (cap - 1)] != UINT32_MAX && t->page[tab[h & (cap - 1)]] != pg[i])
			h++;
		uint32_t *e = &tab[h & (cap - 1)];
		if (*e == UINT32_MAX) {
			if (t->npages == UINT32_MAX - 1)
				return free(tab), -1;
			t->page[t->npages] = pg[i];
			*e = t->npages++;
			if ((uint64_t)t->npages * 2 >= cap) {
				free(tab); /* rebuild twice as big */
				cap *= 2;
				tab = malloc(cap * sizeof *tab);
				uint64_t *np = realloc(t->page, cap / 2 * sizeof *np);
				if (!tab || !np)
					return free(tab), free(np ? np : t->page), t->page = NULL, -1;
				t->page = np;
				memset(tab, 0xff, cap * sizeof *tab);
				for (uint32_t k = 0; k < t->npages; k++) {
					uint64_t g = (t->page[k] * 0x9e3779b97f4a7c15ull) >> 20;
					while (tab[g & (cap - 1)] != UINT32_MAX)
						g++;
					tab[g & (cap - 1)] = k;
				}
				t->id[i] = t->npages - 1;
				continue;
			}
		}
		t->id[i] = *e;
	}
	free(tab);
	return 0;
}

int trace_load(const char *path, struct trace *t)
{
	uint64_t *pg;
	memset(t, 0, sizeof *t);
	if (trace_read_raw(path, &pg, &t->n))
		return -1;
	int r = trace_densify(t, pg);
	free(pg);
	if (r)
		fprintf(stderr, "pagersim: %s: out of memory\n", path);
	return r;
}

int trace_next_use(struct trace *t)
{
	uint64_t *last = malloc(((size_t)t->npages + 1) * sizeof *last);
	t->next = malloc((t->n ? t->n : 1) * sizeof *t->next);
	if (!last || !t->next)
		return free(last), -1;
	memset(last, 0xff, ((size_t)t->npages + 1) * sizeof *last);
	for (uint64_t i = t->n; i-- > 0;) {
		t->next[i] = last[t->id[i]];
		last[t->id[i]] = i;
	}
	free(last);
	return 0;
}

void trace_free(struct trace *t)
{
	free(t->id);
	free(t->page);
	free(t->next);
	memset(t, 0, sizeof *t);
}

int trace_write_bin(const char *path, const uint64_t *pages, uint64_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f) {
		fprintf(stderr, "pagersim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	uint8_t hdr[16], buf[4096 + 16];
	memcpy(hdr, TRACE_MAGIC, 8);
	for (int i = 0; i < 8; i++)
		hdr[8 + i] = (uint8_t)(n >> (8 * i));
	fwrite(hdr, 1, 16, f);
	uint64_t prev = 0;
	size_t at = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t d = pages[i] - prev, v = (d << 1) ^ (0 - (d >> 63)); /* zigzag */
		prev = pages[i];
		do {
			buf[at++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
			v >>= 7;
		} while (v);
		if (at >= 4096) {
			fwrite(buf, 1, at, f);
			at = 0;
		}
	}
	fwrite(buf, 1, at, f);
	if (fclose(f)) {
		fprintf(stderr, "pagersim: %s: write failed\n", path);
		return -1;
	}
	return 0;
}
