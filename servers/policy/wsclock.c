/*
 * wsclock.c - WSClock (Carr & Hennessy 1981): Clock over the working set.
 * Layer: servers/policy (guest, simulator). Virtual time is the tick count.
 * Rules: a page just brought in has R = 1 and last-use = now and joins the
 * ring just behind the hand; a hit sets R. The hand sweeps at most one
 * revolution: R = 1 -> R = 0, last-use = now; R = 0 and age (now - last-use)
 * > tau (pol->param, default 4 ticks) -> out of the working set: evict it
 * (with the hint a dirty one is only remembered, the first of them taken
 * if the revolution finds no old clean page: the guest's flusher cleans
 * it meanwhile). With no old page the unreferenced page of oldest last-use
 * goes (first met on ties; with the hint, clean before dirty), and if every
 * page was referenced, the page at the hand (clean first with the hint).
 */
#include "pol_list.h"
#include "policy.h"

struct wsc {
	struct pol_links l; /* ring, sentinel = frames */
	uint32_t hand;
	uint64_t now;
	uint64_t *last;
	uint8_t *r;
};

static size_t wsc_size(uint32_t frames)
{
	return sizeof(struct wsc) + 2 * pol_round8(((size_t)frames + 1) * 4) +
	       pol_round8((size_t)frames * 8) + pol_round8(frames);
}

static void wsc_init(struct pol *p)
{
	struct wsc *w = p->st;
	uint8_t *cur = (uint8_t *)(w + 1);
	w->l.n = pol_carve(&cur, ((size_t)p->frames + 1) * 8);
	w->last = pol_carve(&cur, (size_t)p->frames * 8);
	w->r = pol_carve(&cur, p->frames);
	pol_list_init(&w->l, p->frames);
	w->hand = p->frames;
}

static uint32_t wsc_next(struct pol *p, struct wsc *w, uint32_t s)
{
	uint32_t n = w->l.n[s].next;
	return n == p->frames ? w->l.n[n].next : n;
}

static void wsc_add(struct pol *p, uint32_t s)
{
	struct wsc *w = p->st;
	w->r[s] = 1;
	w->last[s] = w->now;
	pol_list_insert_before(&w->l, w->hand, s);
	if (w->hand == p->frames)
		w->hand = s;
}

static void wsc_ref(struct pol *p, uint32_t s)
{
	((struct wsc *)p->st)->r[s] = 1;
}

static void wsc_tick(struct pol *p)
{
	((struct wsc *)p->st)->now++;
}

static void wsc_remove(struct pol *p, uint32_t s)
{
	struct wsc *w = p->st;
	if (w->hand == s) {
		uint32_t n = wsc_next(p, w, s);
		w->hand = n == s ? p->frames : n;
	}
	pol_list_unlink(&w->l, s);
}

static uint32_t wsc_take(struct pol *p, struct wsc *w, uint32_t s)
{
	w->hand = s;
	wsc_remove(p, s);
	return s;
}

static uint32_t wsc_victim(struct pol *p, unsigned hint, uint64_t incoming)
{
	struct wsc *w = p->st;
	uint64_t tau = p->param ? p->param : 4;
	uint32_t old_dirty = POL_NONE, young = POL_NONE, n = p->nres;
	(void)incoming;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t h = w->hand;
		if (w->r[h]) {
			w->r[h] = 0;
			w->last[h] = w->now;
		} else if (w->now - w->last[h] > tau) {
			if (!hint || !p->slot[h].dirty)
				return wsc_take(p, w, h);
			if (old_dirty == POL_NONE)
				old_dirty = h;
		} else if (young == POL_NONE || w->last[h] < w->last[young] ||
			   (hint && w->last[h] == w->last[young] && p->slot[young].dirty &&
			    !p->slot[h].dirty)) {
			young = h;
		}
		w->hand = wsc_next(p, w, h);
	}
	if (old_dirty != POL_NONE)
		return wsc_take(p, w, old_dirty);
	if (young != POL_NONE)
		return wsc_take(p, w, young);
	uint32_t h = w->hand;
	for (uint32_t i = 0; hint && i < n && p->slot[h].dirty; i++)
		h = wsc_next(p, w, h);
	return wsc_take(p, w, hint && p->slot[h].dirty ? w->hand : h);
}

const struct pol_ops pol_wsclock = {
	.name = "wsclock", .summary = "working-set clock, tau = param ticks (default 4)",
	.state_size = wsc_size, .init = wsc_init, .add = wsc_add, .ref = wsc_ref,
	.remove = wsc_remove, .victim = wsc_victim, .tick = wsc_tick,
};
