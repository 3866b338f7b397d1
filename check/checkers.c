// SPDX-License-Identifier: MIT
/* Per-run set-up of the ledger and the oracle: see checkers.h. */
#include <labyrinth/mm.h>
#include "check/checkers.h"
#include "check/ledger.h"
#include "check/oracle.h"

int checkers_attach(bool serial)
{
	int err, err2;

	mm_listen_reset();
	ledger_set_serial(serial);
	oracle_set_serial(serial);
	ledger_reset();
	oracle_reset();
	err = ledger_attach();
	err2 = oracle_attach();
	return err ? err : err2;
}

void checkers_mm_ready(void)
{
	ledger_mm_ready();
	oracle_mm_ready();
}
