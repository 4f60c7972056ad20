/* nnctl — the libsvm model-file validator (private to src/svm/).
 *
 * libsvm's svm_load_model() trusts its input: a missing support-vector line, a header keyword in
 * the wrong order or a short coefficient list makes it read freed or unallocated memory (found
 * with AddressSanitizer). nn_svm_load() therefore runs every file through this check first, and
 * libsvm only ever sees files it parses safely. */
#ifndef NNCTL_SVM_SVM_MODEL_H
#define NNCTL_SVM_SVM_MODEL_H

#include <stddef.h>

#include "nnctl/common.h"

/* Largest model file accepted (1 GiB). */
#define NN_SVM_MODEL_MAX_BYTES NN_MAX_MODEL_BYTES

/* Checks `len` bytes of model text (NUL-terminated at text[len]) against the grammar
 * svm_save_model() writes for a C-SVC RBF model with 2..256 classes labelled 0..255. The text is
 * modified during the check and restored before returning. Any deviation is NN_ERR_FORMAT with
 * "<path>: line N: field 'F': ..." in err. */
int nn_svm_model_check_text(const char *path, char *text, size_t len, struct nn_error *err);

/* Reads the file (at most NN_SVM_MODEL_MAX_BYTES) and checks it as nn_svm_model_check_text()
 * does; read errors come from nn_read_file(). */
int nn_svm_model_check_file(const char *path, struct nn_error *err);

#endif
