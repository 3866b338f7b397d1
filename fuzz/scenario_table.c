// SPDX-License-Identifier: MIT
/*
 * scenario_table.c: every scenario of fuzz/scenarios.def, for tools that
 * handle any scenario input (a `scenario NAME` text file names its own).
 * In $(B)/libscenarios.a with the scenarios themselves; a fuzz target
 * links only its own scenario and never this table.
 */
#include <string.h>
#include "fuzz/scenario.h"

#define SCENARIO(n)	extern const struct scenario scn_##n;
#include "fuzz/scenarios.def"
#undef SCENARIO

const struct scenario *const scenario_table[] = {
#define SCENARIO(n)	&scn_##n,
#include "fuzz/scenarios.def"
#undef SCENARIO
	NULL
};

const struct scenario *scenario_find(const char *name)
{
	int i;

	for (i = 0; scenario_table[i]; i++)
		if (!strcmp(scenario_table[i]->name, name))
			return scenario_table[i];
	return NULL;
}

const struct scenario *scenario_of_text(const char *text)
{
	char name[32];
	const char *p = text;
	size_t n;

	/* the first line that is not blank or a comment */
	while (p && *p) {
		p += strspn(p, " \t\r");
		if (*p == '#' || *p == '\n') {
			p = strchr(p, '\n');
			p = p ? p + 1 : NULL;
			continue;
		}
		if (strncmp(p, "scenario", 8) || (p[8] != ' ' && p[8] != '\t'))
			return NULL;
		p += 8;
		p += strspn(p, " \t");
		n = strcspn(p, " \t\r\n#");
		if (!n || n >= sizeof(name))
			return NULL;
		memcpy(name, p, n);
		name[n] = '\0';
		return scenario_find(name);
	}
	return NULL;
}
