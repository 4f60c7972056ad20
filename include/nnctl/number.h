/* nnctl — the one strict number parser: a token is exactly one finite number, or it is refused.
 *
 * Every reader of numbers written by people or other programs (config values and --set,
 * command-line options, CSV cells, libsvm text, libsvm model files) takes its numbers through here,
 * so "1e3" or "0x1p-3" mean the same everywhere and "1.5x", " 2", "nan" or "1e999" are refused
 * everywhere. */
#ifndef NNCTL_NUMBER_H
#define NNCTL_NUMBER_H

#include <stddef.h>

/* The `len` bytes at s (NUL-terminated or not) as a double: one number as strtod reads it, with
 * nothing before it (no space) or after it, finite (an overflow is refused; a value too small for a
 * double is the number it rounds to, as strtod gives it). Returns 0 and *v, or -1 (v untouched). At
 * most 511 bytes. */
int nn_number_parse(const char *s, size_t len, double *v);

/* The same for a NUL-terminated string. */
int nn_number(const char *s, double *v);

/* The shortest decimal that reads back to the same double ("0.001", "1e-08"): how numbers are
 * written back (resolved configs, label values as names). */
void nn_format_double(double v, char *buf, size_t len);

#endif
