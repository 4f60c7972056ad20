/* nnctl — libsvm's multi-class C-SVC trained on threads (src/svm/ovo.c). */
#ifndef NNCTL_SVM_OVO_H
#define NNCTL_SVM_OVO_H

#include <libsvm/svm.h>

#include "nnctl/common.h"

/* The model svm_train(prob, param) builds for a C-SVC problem of two or more classes, with its
 * k(k−1)/2 one-vs-one binary problems solved on `threads` threads (each with cache_size /
 * threads MB of kernel cache, which changes no result). The model's SV pointers point into
 * prob->x, as svm_train's do (free_sv = 0): keep the problem alive while the model lives. On
 * error returns a negative code with err filled and *out NULL. */
int nn_svm_train_ovo(const struct svm_problem *prob, const struct svm_parameter *param, int threads,
                     struct svm_model **out, struct nn_error *err);

#endif
