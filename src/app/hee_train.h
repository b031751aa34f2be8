/* hee_train.h -- the training command of a hee: block (hs_train_to_dir) */
#ifndef HS_APP_HEE_TRAIN_H
#define HS_APP_HEE_TRAIN_H

#include "config/config.h"
#include "proc/hee_rt.h"

/* hs_train_to_dir of the public API. */
int hs_hee_train(const hs_config *cfg, int resume, hs_control *ctl, hs_train_result *res,
                 hs_error *err);

#endif
