/*
 * policy.c - the checked wrappers around a policy's operations: arena
 * layout, the per-slot common state (page id, class, residency), stats.
 * Layer: servers/policy, freestanding. Every call is checked first and
 * changes nothing when refused, so a policy only sees valid calls.
 */
#include "policy.h"

#define POL_MAX_FRAMES (1u << 28)

void pol_zero(void *dst, size_t n)
{
	/* No memset: the file must link freestanding without libc. Words
	 * where it can: the guest's arena is ~1 MiB for 30,000 frames. */
	uint8_t *d = dst;
	size_t i = 0;
	if (((uintptr_t)d & 7) == 0)
		for (; i + 8 <= n; i += 8)
			*(volatile uint64_t *)(d + i) = 0;
	for (; i < n; i++)
		((volatile uint8_t *)d)[i] = 0;
}

size_t pol_arena_size(const struct pol_ops *ops, uint32_t frames)
{
	if (!ops || frames == 0 || frames > POL_MAX_FRAMES)
		return 0;
	return pol_round8((size_t)frames * sizeof(struct pol_slot)) +
	       pol_round8(ops->state_size(frames));
}

int pol_create(struct pol *p, const struct pol_ops *ops, uint32_t frames, uint64_t seed,
	       void *arena, size_t arena_bytes)
{
	size_t need = pol_arena_size(ops, frames);
	if (!p || need == 0 || !arena || arena_bytes < need || ((uintptr_t)arena & 7))
		return POL_EINVAL;
	pol_zero(arena, need);
	uint8_t *cur = arena;
	p->ops = ops;
	p->frames = frames;
	p->nres = p->nclean = 0;
	p->seed = seed;
	p->next_use = POL_NEVER;
	p->param = 0;
	p->slot = pol_carve(&cur, (size_t)frames * sizeof(struct pol_slot));
	p->st = cur;
	pol_zero(&p->stats, sizeof p->stats);
	ops->init(p);
	return 0;
}

int pol_add(struct pol *p, uint32_t slot, uint64_t page, int dirty)
{
	if (slot >= p->frames || p->slot[slot].resident || (dirty != POL_CLEAN && dirty != POL_DIRTY))
		return POL_EINVAL;
	p->slot[slot].page = page;
	p->slot[slot].dirty = (uint8_t)dirty;
	p->slot[slot].resident = 1;
	p->nres++;
	p->nclean += dirty == POL_CLEAN;
	p->stats.adds++;
	p->ops->add(p, slot);
	return 0;
}

int pol_ref(struct pol *p, uint32_t slot)
{
	if (slot >= p->frames || !p->slot[slot].resident)
		return POL_EINVAL;
	p->stats.refs++;
	p->ops->ref(p, slot);
	return 0;
}

int pol_remove(struct pol *p, uint32_t slot)
{
	if (slot >= p->frames || !p->slot[slot].resident)
		return POL_EINVAL;
	p->ops->remove(p, slot);
	p->slot[slot].resident = 0;
	p->nres--;
	p->nclean -= p->slot[slot].dirty == POL_CLEAN;
	p->stats.removes++;
	return 0;
}

int pol_set_dirty(struct pol *p, uint32_t slot, int dirty)
{
	if (slot >= p->frames || !p->slot[slot].resident || (dirty != POL_CLEAN && dirty != POL_DIRTY))
		return POL_EINVAL;
	if (p->slot[slot].dirty == dirty)
		return 0;
	p->slot[slot].dirty = (uint8_t)dirty;
	if (dirty == POL_CLEAN)
		p->nclean++;
	else
		p->nclean--;
	if (p->ops->set_dirty)
		p->ops->set_dirty(p, slot);
	return 0;
}

void pol_tick(struct pol *p)
{
	p->stats.ticks++;
	if (p->ops->tick)
		p->ops->tick(p);
}

uint32_t pol_victim(struct pol *p, unsigned hint, uint64_t incoming)
{
	if (p->nres == 0)
		return POL_NONE;
	/* The hint only matters between classes: with one class resident it
	 * is dropped here, so no policy can let it change a same-class pick. */
	if (p->nclean == 0 || p->nclean == p->nres)
		hint = POL_HINT_NONE;
	uint32_t s = p->ops->victim(p, hint & POL_PREFER_CLEAN, incoming);
	if (s >= p->frames || !p->slot[s].resident)
		return POL_NONE; /* a policy bug: the tests catch it */
	p->slot[s].resident = 0;
	p->nres--;
	p->nclean -= p->slot[s].dirty == POL_CLEAN;
	p->stats.victims++;
	p->stats.victims_dirty += p->slot[s].dirty == POL_DIRTY;
	return s;
}
