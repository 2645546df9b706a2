/*
 * replay.c (servers/bin/) - "replay [-n RLIMIT] [-p POLICY] [-s SEED] [-q]
 * TRACE": replay a page-reference trace (tools/pagersim's text or binary
 * format) as stores into a region of its own, under a resident-page limit
 * (PCTL_RLIMIT), and count its page faults: the guest's side of pagersim.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libsys.h"

#define RP_PAGE 4096UL
#define RP_MAGIC "KPTRACE1"
#define RP_LINE 64 /* longer lines are only good as comments */

/* The trace as dense page ids: id[i] is request i's page, numbered by
 * first appearance; page[] and tab[] (open addressing, load <= 1/2) map a
 * page number to its id while loading. */
struct trace {
	uint32_t *id;
	uint64_t n, cap;
	uint64_t *page;
	uint32_t npages, *tab;
	uint64_t tabcap;
};

static uint64_t rp_hash(uint64_t page)
{
	return (page * 0x9e3779b97f4a7c15ull) >> 20;
}

/* tab[] twice as big (page[] with it), every id put back. */
static int trace_grow_tab(struct trace *t)
{
	uint64_t cap = t->tabcap ? 2 * t->tabcap : 1024;
	uint32_t *tab = malloc(cap * sizeof *tab);
	if (!tab)
		return -1;
	uint64_t *page = realloc(t->page, cap / 2 * sizeof *page);
	if (!page) {
		free(tab);
		return -1;
	}
	memset(tab, 0xff, cap * sizeof *tab);
	for (uint32_t k = 0; k < t->npages; k++) {
		uint64_t h = rp_hash(page[k]);
		while (tab[h & (cap - 1)] != UINT32_MAX)
			h++;
		tab[h & (cap - 1)] = k;
	}
	free(t->tab);
	t->tab = tab, t->page = page, t->tabcap = cap;
	return 0;
}

/* Append one request for page number pg; -1 when out of memory. */
static int trace_add(struct trace *t, uint64_t pg)
{
	if ((uint64_t)t->npages * 2 + 2 > t->tabcap && trace_grow_tab(t))
		return -1;
	if (t->n == t->cap) {
		uint32_t *id = realloc(t->id, (t->cap = t->cap ? 2 * t->cap : 4096) * sizeof *id);
		if (!id)
			return -1;
		t->id = id;
	}
	uint64_t h = rp_hash(pg);
	uint32_t *e;
	while (*(e = &t->tab[h & (t->tabcap - 1)]) != UINT32_MAX && t->page[*e] != pg)
		h++;
	if (*e == UINT32_MAX) {
		t->page[t->npages] = pg;
		*e = t->npages++;
	}
	t->id[t->n++] = *e;
	return 0;
}

/* ---- reading the file -------------------------------------------------- */

struct rd {
	int fd;
	size_t at, len;
	uint8_t buf[4096];
};

/* Fill the buffer as full as the file allows: 0, or -1 on a read error. */
static int rd_fill(struct rd *r)
{
	r->at = r->len = 0;
	while (r->len < sizeof r->buf) {
		ssize_t n = read(r->fd, r->buf + r->len, sizeof r->buf - r->len);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		r->len += (size_t)n;
	}
	return 0;
}

/* The next byte, -1 at the end of the file, -2 on a read error. */
static int rd_byte(struct rd *r)
{
	if (r->at == r->len) {
		if (rd_fill(r) < 0)
			return -2;
		if (r->len == 0)
			return -1;
	}
	return r->buf[r->at++];
}

/* Binary: a little-endian u64 count after the magic, then count LEB128
 * varints of zigzag(page - previous page), previous starting at 0, and
 * nothing more (the reader of tools/pagersim/trace.c). 0, or -1. */
static int parse_binary(struct rd *r, struct trace *t)
{
	uint64_t count = 0, prev = 0;
	r->at = 8;
	for (int i = 0, c; i < 8; i++) {
		if ((c = rd_byte(r)) < 0)
			return -1;
		count |= (uint64_t)c << (8 * i);
	}
	for (uint64_t i = 0; i < count; i++) {
		uint64_t v = 0;
		for (int sh = 0;; sh += 7) {
			int c = rd_byte(r);
			if (c < 0 || sh > 63)
				return -1;
			v |= (uint64_t)(c & 0x7f) << sh;
			if (!(c & 0x80))
				break;
		}
		prev += (v >> 1) ^ (0 - (v & 1)); /* un-zigzag; wraps mod 2^64 */
		if (trace_add(t, prev))
			return -1;
	}
	return rd_byte(r) == -1 ? 0 : -1;
}

/* One text line: blank or '#' is nothing; else one number as strtoull
 * base 0 reads it (decimal, 0x hex; 0-led is octal, as in pagersim),
 * with only blanks around it. 0, or -1. */
static int parse_line(char *s, int too_long, struct trace *t)
{
	char *q = s + strspn(s, " \t\r"), *end;
	if (!*q || *q == '#')
		return 0;
	errno = 0;
	unsigned long long v = strtoull(q, &end, 0);
	if (too_long || errno || end == q || *q == '-' || end[strspn(end, " \t\r")])
		return -1;
	return trace_add(t, v);
}

static int parse_text(struct rd *r, struct trace *t)
{
	char line[RP_LINE];
	size_t len = 0;
	int too_long = 0;
	for (;;) {
		int c = rd_byte(r);
		if (c == -2)
			return -1;
		if (c == -1 || c == '\n') {
			line[len] = 0;
			if (parse_line(line, too_long, t))
				return -1;
			if (c == -1)
				return 0;
			len = 0, too_long = 0;
		} else if (len < sizeof line - 1) {
			line[len++] = (char)c;
		} else {
			too_long = 1;
		}
	}
}

/* Load path into t: 0, or 1 after a message. */
static int trace_load(const char *path, struct trace *t)
{
	static struct rd r;
	r.fd = open(path, O_RDONLY);
	if (r.fd < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return 1;
	}
	int bad = rd_fill(&r);
	if (!bad && r.len >= 16 && !memcmp(r.buf, RP_MAGIC, 8))
		bad = parse_binary(&r, t);
	else if (!bad)
		bad = parse_text(&r, t);
	close(r.fd);
	if (bad)
		fprintf(stderr, "replay: %s: not a valid trace (or out of memory)\n", path);
	return bad ? 1 : 0;
}

/* ---- the replay -------------------------------------------------------- */

extern char _start[], __data_start[], _end[]; /* libsys/user.ld */

/* Make everything the replay loop touches besides its region resident
 * before the limit, so its faults are the region's alone: every page of
 * the image (text and rodata read, data and bss rewritten in place) and
 * 32 KiB of stack below this frame. The trace arrays were just written. */
static void __attribute__((noinline)) touch_self(void)
{
	volatile char stack[32 * 1024];
	for (size_t i = 0; i < sizeof stack; i += RP_PAGE)
		stack[i] = 0;
	for (volatile char *p = _start; p < __data_start; p += RP_PAGE)
		(void)*p;
	for (volatile char *p = __data_start; p < _end; p += RP_PAGE)
		*p = *p;
}

/* self_faults now, or -1 if PCTL_STAT fails. */
static long long self_faults(void)
{
	struct pg_pagerstat s;
	return pager_ctl(PCTL_STAT, (uint64_t)&s, 0) ? -1 : (long long)s.self_faults;
}

struct opts {
	uint64_t rlimit, seed;
	const char *policy, *trace, *rlimit_arg;
	int quiet, has_seed;
};

static int usage(void)
{
	fprintf(stderr, "usage: replay [-n RLIMIT] [-p POLICY] [-s SEED] [-q] TRACE\n");
	return 2;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return *s >= '0' && *s <= '9' && !*end && !errno ? 0 : -1;
}

static int parse_options(int argc, char **argv, struct opts *o)
{
	int c;
	opterr = 0; /* the usage line says it all */
	while ((c = getopt(argc, argv, "n:p:s:q")) != -1) {
		switch (c) {
		case 'n':
			if (parse_u64(optarg, &o->rlimit) || !o->rlimit)
				return -1;
			o->rlimit_arg = optarg;
			break;
		case 's':
			if (parse_u64(optarg, &o->seed))
				return -1;
			o->has_seed = 1;
			break;
		case 'p':
			o->policy = optarg;
			break;
		case 'q':
			o->quiet = 1;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc - 1 || (o->has_seed && !o->policy))
		return -1; /* -s is the policy's seed: without -p it means nothing */
	o->trace = argv[optind];
	return 0;
}

/* A set-up call that fails: one line (pager.h's meaning of a refused
 * policy), and the status of the program. */
static int ctl_failed(const char *what, const char *arg, long r)
{
	const char *why = strerror((int)-r);
	if (!strcmp(what, "policy") && r == -ENOENT)
		why = "no such policy";
	else if (!strcmp(what, "policy") && r == -EINVAL)
		why = "only the simulator has it";
	fprintf(stderr, "replay: %s %s: %s\n", what, arg, why);
	return 1;
}

/* One counter per page at its first word: their sum must be the number
 * of requests, or a store was lost on the way out or back in. */
static int check_region(const volatile uint64_t *region, const struct trace *t)
{
	uint64_t sum = 0;
	for (uint64_t p = 0; p < t->npages; p++)
		sum += region[p * (RP_PAGE / 8)];
	if (sum == t->n)
		return 0;
	fprintf(stderr, "replay: the pages count %llu stores, want %llu\n", (unsigned long long)sum,
		(unsigned long long)t->n);
	return 1;
}

/* The replay proper, with the limit set: nothing new but the region. */
static long long replay_loop(volatile uint64_t *region, const struct trace *t)
{
	long long f0 = self_faults();
	for (uint64_t i = 0; i < t->n; i++)
		region[(uint64_t)t->id[i] * (RP_PAGE / 8)] += 1;
	long long f1 = self_faults();
	return f0 < 0 || f1 < 0 ? -1 : f1 - f0;
}

int main(int argc, char **argv)
{
	struct opts o = { .seed = 1 };
	struct trace t = { 0 };
	long r;
	if (parse_options(argc, argv, &o))
		return usage();
	if (trace_load(o.trace, &t))
		return 1;
	free(t.tab); /* the loop needs only id[] */
	free(t.page);
	uint64_t len = (t.npages ? t.npages : 1) * RP_PAGE;
	volatile uint64_t *region =
		mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED) {
		fprintf(stderr, "replay: mmap of %u pages: %s\n", t.npages, strerror(errno));
		return 1;
	}
	if (!o.quiet)
		printf("replay: %s: %llu requests, %u pages, policy %s, rlimit %llu\n", o.trace,
		       (unsigned long long)t.n, t.npages, o.policy ? o.policy : "unchanged",
		       (unsigned long long)o.rlimit);
	fflush(stdout);
	touch_self();
	if (o.policy && (r = pager_ctl(PCTL_POLICY, (uint64_t)o.policy, o.seed)) < 0)
		return ctl_failed("policy", o.policy, r);
	if (o.rlimit && (r = pager_ctl(PCTL_RLIMIT, 0, o.rlimit)) < 0)
		return ctl_failed("rlimit", o.rlimit_arg, r);
	long long faults = replay_loop(region, &t);
	if (o.rlimit && (r = pager_ctl(PCTL_RLIMIT, 0, 0)) < 0)
		return ctl_failed("rlimit", "0", r);
	if (check_region(region, &t))
		return 1;
	printf("replay: requests=%llu pages=%u faults=%lld\n", (unsigned long long)t.n, t.npages,
	       faults);
	return 0;
}
