/*
 * trace.h - page-reference traces for tools/pagersim: the text and binary
 * formats, loading into dense page ids, the converter and the generator.
 * Layer: tools (native host program).
 *
 * Text: one page number per line (decimal, or 0x hex), blank lines and
 * lines starting with '#' ignored. Binary ("KPTRACE1"): 8 magic bytes
 * "KPTRACE1", a little-endian u64 request count, then per request the
 * LEB128 varint of zigzag(page - previous page) (previous starts at 0).
 */
#ifndef TOOLS_PAGERSIM_TRACE_H
#define TOOLS_PAGERSIM_TRACE_H

#include <stddef.h>
#include <stdint.h>

#define TRACE_MAGIC "KPTRACE1"

struct trace {
	uint64_t n;        /* requests */
	uint32_t *id;      /* [n] dense page ids 0 .. npages-1 */
	uint64_t *page;    /* [npages] the page number of each dense id */
	uint32_t npages;
	uint64_t *next;    /* [n] next request of the same page, or UINT64_MAX (trace_next_use) */
};

/* Load a text or binary trace (by its magic). 0, or -1 with a message
 * printed. */
int trace_load(const char *path, struct trace *t);
void trace_free(struct trace *t);
/* Fill t->next (for OPT). */
int trace_next_use(struct trace *t);
/* Write pages[0..n) as a binary trace. 0 or -1. */
int trace_write_bin(const char *path, const uint64_t *pages, uint64_t n);
/* Read any trace's raw page numbers (not densified): *pages malloc'ed. */
int trace_read_raw(const char *path, uint64_t **pages, uint64_t *n);

#endif /* TOOLS_PAGERSIM_TRACE_H */
