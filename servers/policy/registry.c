/*
 * registry.c - the one table of eviction policies, by name. Layer:
 * servers/policy. Adding a policy: write servers/policy/NAME.c defining
 * `const struct pol_ops pol_NAME`, add it below and to the source list in
 * tools/pagersim/meson.build (docs/experiments.md has a worked example).
 */
#include "policy.h"

extern const struct pol_ops pol_fifo, pol_clock, pol_lru_aging, pol_random, pol_wsclock,
	pol_car, pol_lru, pol_arc, pol_opt;

const struct pol_ops *const pol_registry[] = {
	&pol_fifo, &pol_clock, &pol_lru_aging, &pol_random, &pol_wsclock, &pol_car,
	&pol_lru, &pol_arc, &pol_opt,
};
const uint32_t pol_registry_count = sizeof pol_registry / sizeof pol_registry[0];

const struct pol_ops *pol_find(const char *name)
{
	for (uint32_t i = 0; i < pol_registry_count; i++) {
		const char *a = pol_registry[i]->name, *b = name;
		while (*a && *a == *b)
			a++, b++;
		if (*a == 0 && *b == 0)
			return pol_registry[i];
	}
	return NULL;
}
