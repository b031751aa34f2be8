/* proc.h -- processes: clocked or continuous dynamics that the engine steps beside its neurons
 *
 * A process is whatever continuous dynamics remain in a network besides its neurons:
 * membranes stepped on a clock, their plasticity, the switching of data items.
 * The engine knows a process only through this table, as it knows neurons only through
 * hs_model: each process has one slot in the event queue, and at its time t the engine calls
 * step(), which does the process's work at t and returns the time of its next step (INFINITY:
 * none).  A process reaches neurons only through the model functions it is given and the
 * queue handle passed to step() (hs_sched through the models).
 */
#ifndef HS_PROC_PROC_H
#define HS_PROC_PROC_H

#include <stdio.h>

#include "hee-snn/hee-snn.h"

struct hs_net;

typedef struct hs_proc_ops {
    const char *name;
    /* The step at time t; writes the time of the next step to *next.  HS_OK or an error. */
    int (*step)(void *self, double t, struct hs_net *q, double *next, hs_error *err);
    /* Print what the process is (hee-snn validate --describe). */
    void (*describe)(const void *self, FILE *f);
    void (*free)(void *self);
} hs_proc_ops;

typedef struct hs_proc {
    const hs_proc_ops *ops;
    void *self;
} hs_proc;

#endif
