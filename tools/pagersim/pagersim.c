/*
 * pagersim.c - the host page-replacement simulator: runs the eviction
 * policies of servers/policy (the guest pager's own files) over a trace at
 * chosen sizes, Mattson's LRU curve and OPT; converts and generates
 * traces. Layer: tools (native host program). Usage: pagersim --help.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, mkstemp, strdup, strtok_r */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

struct cli {
	const char *trace, *policies;
	uint32_t *frames;
	size_t nframes;
	int csv, mrc, timing;
	struct sim_opts o;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pagersim [options] TRACE\n"
		"       pagersim convert IN OUT.bin      text (or binary) trace -> binary\n"
		"       pagersim gen KIND N PAGES SEED OUT.bin   KIND: uniform seq loop hot\n"
		"options:\n"
		"  -p LIST   policies, comma separated (default: all); 'lru-mrc' = Mattson\n"
		"  -f LIST   frame counts: 3,4,100 or LO:HI[:STEP] (default 8)\n"
		"  --mrc     add the Mattson LRU curve (every size when -f is not given)\n"
		"  --csv     CSV instead of a table\n"
		"  --tick N  pol_tick every N requests (default 1000; 0 never)\n"
		"  --seed S  seed (Random)    --param N  the policy's knob (WSClock tau)\n"
		"  --time    print the request rate of each run on stderr\n"
		"policies:\n");
	for (uint32_t i = 0; i < pol_registry_count; i++)
		fprintf(f, "  %-10s %s\n", pol_registry[i]->name, pol_registry[i]->summary);
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *e;
	errno = 0;
	unsigned long long x = strtoull(s, &e, 0);
	if (errno || e == s || *e || *s == '-')
		return -1;
	*v = x;
	return 0;
}

/* "3,4,100" or "lo:hi[:step]" into c->frames. */
static int parse_frames(struct cli *c, const char *arg)
{
	char *s = strdup(arg), *save = NULL;
	for (char *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint64_t lo, hi, step = 1;
		char *a = strchr(tok, ':'), *b = a ? strchr(a + 1, ':') : NULL;
		if (a)
			*a = 0;
		if (b)
			*b = 0;
		if (parse_u64(tok, &lo) || (a && parse_u64(a + 1, &hi)) ||
		    (b && parse_u64(b + 1, &step)))
			return free(s), -1;
		if (!a)
			hi = lo;
		if (lo == 0 || hi < lo || step == 0 || hi > (1u << 28) || hi - lo > 10000000 * step)
			return free(s), -1;
		for (uint64_t f = lo; f <= hi; f += step) {
			c->frames = realloc(c->frames, (c->nframes + 1) * sizeof *c->frames);
			c->frames[c->nframes++] = (uint32_t)f;
		}
	}
	free(s);
	return c->nframes ? 0 : -1;
}

static int parse_args(struct cli *c, int argc, char **argv)
{
	c->o.tick = 1000;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int ok = 1;
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return usage(stdout), exit(0), 0;
		else if (!strcmp(a, "--csv"))
			c->csv = 1;
		else if (!strcmp(a, "--mrc"))
			c->mrc = 1;
		else if (!strcmp(a, "--time"))
			c->timing = 1;
		else if (!strcmp(a, "-p") && v)
			c->policies = v, i++;
		else if (!strcmp(a, "-f") && v)
			ok = !parse_frames(c, v), i++;
		else if (!strcmp(a, "--tick") && v)
			ok = !parse_u64(v, &c->o.tick), i++;
		else if (!strcmp(a, "--seed") && v)
			ok = !parse_u64(v, &c->o.seed), i++;
		else if (!strcmp(a, "--param") && v)
			ok = !parse_u64(v, &c->o.param), i++;
		else if (a[0] != '-' && !c->trace)
			c->trace = a;
		else
			ok = 0;
		if (!ok) {
			fprintf(stderr, "pagersim: bad argument '%s'\n", a);
			return -1;
		}
	}
	if (!c->trace) {
		usage(stderr);
		return -1;
	}
	return 0;
}

static void print_row(const struct cli *c, const char *pol, uint32_t frames, uint64_t n,
		      uint64_t misses)
{
	double ratio = n ? (double)misses / (double)n : 0.0;
	if (c->csv)
		printf("%s,%u,%llu,%llu,%llu,%.6f\n", pol, frames, (unsigned long long)n,
		       (unsigned long long)(n - misses), (unsigned long long)misses, ratio);
	else
		printf("%-10s %9u %12llu %12llu %9.4f\n", pol, frames, (unsigned long long)n,
		       (unsigned long long)misses, ratio);
}

static int run_mrc(const struct cli *c, const struct trace *t)
{
	uint64_t *hist = malloc(((size_t)t->npages + 1) * sizeof *hist), cold;
	if (!hist || sim_mattson(t, hist, &cold))
		return free(hist), -1;
	if (c->nframes) {
		for (size_t i = 0; i < c->nframes; i++)
			print_row(c, "lru-mrc", c->frames[i], t->n,
				  sim_mattson_misses(hist, t->npages, cold, c->frames[i]));
	} else {
		/* every size, from the largest down, one running sum */
		uint64_t m = cold, *row = malloc(((size_t)t->npages + 1) * sizeof *row);
		if (!row)
			return free(hist), -1;
		for (uint32_t f = t->npages; f >= 1; f--) {
			row[f] = m;
			m += hist[f];
		}
		for (uint32_t f = 1; f <= t->npages; f++)
			print_row(c, "lru-mrc", f, t->n, row[f]);
		free(row);
	}
	free(hist);
	return 0;
}

static int run_policy(const struct cli *c, const struct trace *t, const struct pol_ops *ops)
{
	for (size_t i = 0; i < c->nframes; i++) {
		struct sim_result r;
		if (sim_run(ops, c->frames[i], t, &c->o, &r)) {
			fprintf(stderr, "pagersim: %s at %u frames failed\n", ops->name,
				c->frames[i]);
			return -1;
		}
		print_row(c, ops->name, c->frames[i], t->n, r.misses);
		if (c->timing)
			fprintf(stderr, "%s %u: %.3f s, %.1f M requests/s\n", ops->name,
				c->frames[i], r.seconds,
				r.seconds > 0 ? (double)t->n / r.seconds / 1e6 : 0.0);
	}
	return 0;
}

static int run_all(struct cli *c, const struct trace *t)
{
	static uint32_t def_frames = 8;
	if (!c->nframes && !(c->mrc && !c->policies))
		c->frames = &def_frames, c->nframes = 1;
	char *list = strdup(c->policies ? c->policies : "");
	if (!c->policies) /* all of them */
		for (uint32_t i = 0; i < pol_registry_count; i++)
			if (c->nframes && run_policy(c, t, pol_registry[i]))
				return free(list), -1;
	char *save = NULL;
	for (char *n = strtok_r(list, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
		const struct pol_ops *ops = pol_find(n);
		if (!strcmp(n, "lru-mrc")) {
			c->mrc = 1;
			continue;
		}
		if (!ops) {
			fprintf(stderr, "pagersim: no policy '%s' (pagersim --help)\n", n);
			return free(list), -1;
		}
		if (run_policy(c, t, ops))
			return free(list), -1;
	}
	free(list);
	return c->mrc ? run_mrc(c, t) : 0;
}

static int cmd_convert(int argc, char **argv)
{
	uint64_t *pg, n;
	if (argc != 4) {
		fprintf(stderr, "usage: pagersim convert IN OUT.bin\n");
		return 2;
	}
	if (trace_read_raw(argv[2], &pg, &n))
		return 1;
	int r = trace_write_bin(argv[3], pg, n);
	free(pg);
	return r ? 1 : 0;
}

/* Synthetic traces: uniform over PAGES; seq 0,1,2,...; loop 0..PAGES-1
 * cyclic; hot: 90% of requests on the first 10% of the pages. */
static int cmd_gen(int argc, char **argv)
{
	uint64_t n, pages, seed, x;
	if (argc != 7 || parse_u64(argv[3], &n) || parse_u64(argv[4], &pages) ||
	    parse_u64(argv[5], &seed) || pages == 0) {
		fprintf(stderr, "usage: pagersim gen uniform|seq|loop|hot N PAGES SEED OUT.bin\n");
		return 2;
	}
	const char *k = argv[2];
	if (strcmp(k, "uniform") && strcmp(k, "seq") && strcmp(k, "loop") && strcmp(k, "hot")) {
		fprintf(stderr, "pagersim: no trace kind '%s'\n", k);
		return 2;
	}
	uint64_t *pg = malloc((n ? n : 1) * sizeof *pg), hot = pages / 10 ? pages / 10 : 1;
	if (!pg)
		return 1;
	x = seed;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t z = (x += 0x9e3779b97f4a7c15ull); /* splitmix64 */
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		if (!strcmp(k, "seq"))
			pg[i] = i;
		else if (!strcmp(k, "loop"))
			pg[i] = i % pages;
		else if (!strcmp(k, "uniform"))
			pg[i] = z % pages;
		else
			pg[i] = (z >> 60) < 15 ? (z & 0xffffffffffff) % hot : (z & 0xffffffffffff) % pages;
	}
	int r = trace_write_bin(argv[6], pg, n);
	free(pg);
	return r ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "convert"))
		return cmd_convert(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "gen"))
		return cmd_gen(argc, argv);
	struct cli c = {0};
	struct trace t;
	if (parse_args(&c, argc, argv) || trace_load(c.trace, &t))
		return 2;
	if (trace_next_use(&t)) {
		fprintf(stderr, "pagersim: out of memory\n");
		return 1;
	}
	if (!c.csv)
		printf("%-10s %9s %12s %12s %9s\n", "policy", "frames", "requests", "misses",
		       "ratio");
	else
		printf("policy,frames,requests,hits,misses,miss_ratio\n");
	int r = run_all(&c, &t);
	trace_free(&t);
	return r ? 1 : 0;
}
