/* nnctl — common types: the real type, status codes and error reports.
 *
 * Every function of the library returns 0 on success or a negative NN_ERR_* code, and on failure
 * fills a struct nn_error with a message that carries its context (file, field, line:column).
 * Only the command-line dispatcher (src/cli/cli.c) prints errors and chooses the exit code. */
#ifndef NNCTL_COMMON_H
#define NNCTL_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define NN_VERSION "0.1.0"

/* The engine's real type. Release builds use float32; `-DNN_DOUBLE` builds the same code in double
 * precision, which the gradient checks use. */
#ifdef NN_DOUBLE
typedef double nn_real;
#define NN_REAL_NAME "float64"
#else
typedef float nn_real;
#define NN_REAL_NAME "float32"
#endif

/* What a backend's GEMMs take as inputs (training.precision): the model's arithmetic elsewhere is
 * nn_real either way. */
enum nn_precision { NN_PRECISION_FLOAT32, NN_PRECISION_BFLOAT16 };

enum nn_status {
    NN_OK = 0,
    NN_ERR_USAGE = -1,       /* bad command line: exit code 2 */
    NN_ERR_CONFIG = -2,      /* bad configuration: exit code 2 */
    NN_ERR_IO = -3,          /* a file could not be read or written: exit code 1 */
    NN_ERR_FORMAT = -4,      /* a data or checkpoint file is malformed: exit code 1 */
    NN_ERR_NOMEM = -5,       /* allocation failed: exit code 1 */
    NN_ERR_NUMERIC = -6,     /* loss or gradient became NaN/Inf: exit code 1 */
    NN_ERR_RUNTIME = -7,     /* anything else that fails at run time: exit code 1 */
    NN_ERR_INTERRUPTED = -8, /* stopped by SIGINT after writing a checkpoint: exit code 130 */
    NN_ERR_TERMINATED = -9   /* stopped by SIGTERM after writing a checkpoint: exit code 143 */
};

#define NN_MSG_MAX 1024

/* The largest files nnctl reads, in one place: text (configs, history.csv, sidecars), data
 * (IDX images and labels, encoded features) and models (checkpoints, libsvm models, .npy). A
 * larger file is refused with a message, never read into memory. */
#define NN_MAX_TEXT_BYTES  ((size_t)64 << 20)
#define NN_MAX_DATA_BYTES  ((size_t)2 << 30)
#define NN_MAX_MODEL_BYTES ((size_t)4 << 30)

/* One error report. `msg` is complete and printable as is, e.g.
 * "data/train.idx: field 'magic': expected 0x00000803, found 0x00000801". */
struct nn_error {
    int code;
    char msg[NN_MSG_MAX];
};

/* Fill `err` (if not NULL) with code and a printf-style message; returns `code` so that callers can
 * write `return nn_error_set(err, NN_ERR_IO, "%s: %s", path, strerror(errno));`. */
int nn_error_set(struct nn_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The process exit code for a status: 0 success, 2 usage/config, 1 everything else. */
int nn_exit_code(int status);

#endif
