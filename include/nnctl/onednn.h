/* nnctl — the bf16 backend (src/backend/onednn.c): oneDNN matmul on AMX or AVX512-BF16. */
#ifndef NNCTL_ONEDNN_H
#define NNCTL_ONEDNN_H

#include <stddef.h>
#include <stdint.h>

#include "nnctl/backend.h"
#include "nnctl/bf16.h"

extern const struct nn_backend nn_backend_onednn_bf16;

/* 0 when this CPU and OS can run bf16 matmuls (AMX-BF16 granted to the process, or
 * AVX512-BF16); otherwise -1 with a message naming what is missing. Asks Linux for AMX once. */
int nn_onednn_check(char *why, size_t len);
/* Asks Linux to grant AMX tiles to this process; 0, or -1 with the reason. */
int nn_onednn_request_amx(char *why, size_t len);

#endif
