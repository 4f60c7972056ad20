#include "nnctl/common.h"

#include <stdarg.h>
#include <stdio.h>

int nn_error_set(struct nn_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

int nn_exit_code(int status)
{
    if (status == NN_OK)
        return 0;
    if (status == NN_ERR_USAGE || status == NN_ERR_CONFIG)
        return 2;
    if (status == NN_ERR_INTERRUPTED)
        return 130; /* 128 + SIGINT, as a shell reports it */
    if (status == NN_ERR_TERMINATED)
        return 143; /* 128 + SIGTERM */
    return 1;
}
