/* hee_learn.h -- local plasticity of a hee: block, the training loop, checkpoints and the model
 *
 * The rules of model.md section 2, applied at every step after an item has settled, on the same
 * statistics the dynamics use (rho of the membranes in the rate realisation, the synaptic
 * traces in the spike realisation):
 *
 *   dW_l/dt = lr (T(x_{l-1}) - T(eps_{l-1})) T(x_l)^T
 *   db_l/dt = lr (T(x_l) - T(eps_l))
 *   dJ_l/dt = lr (T(x_l) T(x_l)^T - T(eps_l) T(eps_l)^T), diagonal kept at zero
 *
 * A synapse W_l[k][i] uses only its presynaptic trace T(x_l,i), its postsynaptic unit's trace
 * T(x_{l-1},k) and that unit's interneuron's trace T(eps_{l-1},k): local in space and time.
 */
#ifndef HS_HEE_HEE_LEARN_H
#define HS_HEE_HEE_LEARN_H

#include <stdint.h>

#include "config/config.h"
#include "proc/hee_rt.h"

/* The learning rate (per ms) at model time t (ms). */
double hs_hee_learning_rate(const hs_learncfg *L, double t);

/* One step of plasticity with increment g = learning rate x dt, on the statistics rt->rx and
 * rt->reps of the step just taken. */
void hs_hee_rt_learn(hs_hee_rt *rt, double g);

/* hs_train_to_dir of the public API. */
int hs_hee_train(const hs_config *cfg, int resume, hs_control *ctl, hs_train_result *res,
                 hs_error *err);

#endif
