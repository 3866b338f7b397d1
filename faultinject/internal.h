/* SPDX-License-Identifier: MIT */
/* Shared between the files of faultinject/ only. */
#ifndef LABYRINTH_FAULTINJECT_INTERNAL_H
#define LABYRINTH_FAULTINJECT_INTERNAL_H

#include "faultinject/fault.h"

/* fi->lock; callers have IRQs off (lab_irq_save()) around it. */
void fault_lock(struct fault_injector *fi);
void fault_unlock(struct fault_injector *fi);
/* IRQs off and fi->lock, unless fi->serial; the flags go to fault_exit(). */
unsigned long fault_enter(struct fault_injector *fi);
void fault_exit(struct fault_injector *fi, unsigned long flags);
void fault_set_installed(struct fault_injector *fi);

#endif
