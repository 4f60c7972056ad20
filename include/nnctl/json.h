/* nnctl — the one JSON writer: metrics.json, the SVM report, the export manifest, `info --json`.
 *
 * A streaming writer over a string builder. Containers are "block" (one member per line, indented
 * two spaces per level) or "inline" (members on one line, separated by ", "), so that a file reads
 * like this:
 *   {
 *     "epochs": 3,
 *     "tensors": [
 *       {"name": "latent.weight", "shape": [256, 64]}
 *     ]
 *   }
 * Strings are escaped (quote, backslash, control characters as \u00XX); NaN and ±Inf, which JSON
 * cannot express, are written as null. `key` is NULL for array elements and the top-level value.
 * Nesting deeper than NN_JSON_MAX_DEPTH marks the builder failed (a programming error). */
#ifndef NNCTL_JSON_H
#define NNCTL_JSON_H

#include "nnctl/strbuf.h"

#define NN_JSON_MAX_DEPTH 16

struct nn_json {
    struct nn_sb *sb;
    int depth;
    unsigned char inl[NN_JSON_MAX_DEPTH];   /* container at that depth is inline */
    unsigned char count[NN_JSON_MAX_DEPTH]; /* members written so far (saturating at 1) */
    unsigned char close[NN_JSON_MAX_DEPTH]; /* '}' or ']' */
};

void nn_json_init(struct nn_json *j, struct nn_sb *sb);
void nn_json_object(struct nn_json *j, const char *key, int inline_);
void nn_json_array(struct nn_json *j, const char *key, int inline_);
/* Closes the innermost container; closing the top-level one ends the document with "\n". */
void nn_json_end(struct nn_json *j);

void nn_json_str(struct nn_json *j, const char *key, const char *v);
void nn_json_int(struct nn_json *j, const char *key, long long v);
void nn_json_uint(struct nn_json *j, const char *key, unsigned long long v);
void nn_json_bool(struct nn_json *j, const char *key, int v);
void nn_json_null(struct nn_json *j, const char *key);
/* A number with "%.9g" (float32 round-trips), or with `fmt` (one double conversion, e.g. "%.6f").
 */
void nn_json_num(struct nn_json *j, const char *key, double v);
void nn_json_numf(struct nn_json *j, const char *key, const char *fmt, double v);

/* Appends the JSON string literal of `s`, quotes included. */
void nn_json_quote(struct nn_sb *b, const char *s);

#endif
