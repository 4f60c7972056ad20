/* The one strict number parser (number.h). */
#include "nnctl/number.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int nn_number_parse(const char *s, size_t len, double *v)
{
    char buf[512];
    if (!s || len == 0 || len >= sizeof buf || isspace((unsigned char)s[0]) || memchr(s, 0, len))
        return -1;
    memcpy(buf, s, len);
    buf[len] = 0;
    char *end;
    const double x = strtod(buf, &end); /* an overflow is ±HUGE_VAL: not finite */
    if (*end || !isfinite(x))
        return -1;
    *v = x;
    return 0;
}

int nn_number(const char *s, double *v)
{
    return s ? nn_number_parse(s, strlen(s), v) : -1;
}

void nn_format_double(double v, char *buf, size_t len)
{
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, len, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            break;
    }
}
