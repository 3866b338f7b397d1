// SPDX-License-Identifier: MIT
/*
 * alloc_table.c: every adapter of fuzz/allocs.def, chosen by name at run
 * time. The choice is the only input besides the program or scenario
 * input, so a run stays deterministic for a given name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz/alloc_ops.h"

#define ALLOC(n, ...)	extern const struct lab_alloc_ops lab_alloc_##n;
#include "fuzz/allocs.def"
#undef ALLOC

const struct lab_alloc_ops *const lab_alloc_table[] = {
#define ALLOC(n, ...)	&lab_alloc_##n,
#include "fuzz/allocs.def"
#undef ALLOC
	NULL
};

const struct lab_alloc_ops *lab_alloc_find(const char *name)
{
	int i;

	for (i = 0; lab_alloc_table[i]; i++)
		if (!strcmp(lab_alloc_table[i]->name, name))
			return lab_alloc_table[i];
	return NULL;
}

size_t lab_alloc_names(char *buf, size_t cap)
{
	size_t n = 0;
	int i;

	if (cap)
		buf[0] = '\0';
	for (i = 0; lab_alloc_table[i]; i++)
		n += snprintf(buf + (n < cap ? n : cap), n < cap ? cap - n : 0, "%s%s",
			      i ? ", " : "", lab_alloc_table[i]->name);
	return n;
}

const struct lab_alloc_ops *lab_alloc_select(const char *prog, const char *name)
{
	const struct lab_alloc_ops *ops;
	char known[256];

	if (!name || !*name)
		name = getenv("LABYRINTH_ALLOC");
	if (!name || !*name)
		return lab_alloc_table[0];
	ops = lab_alloc_find(name);
	if (!ops) {
		lab_alloc_names(known, sizeof(known));
		fprintf(stderr, "%s: unknown allocator '%s' (known: %s)\n", prog, name, known);
	}
	return ops;
}
