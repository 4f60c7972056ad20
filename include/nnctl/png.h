/* nnctl — PNG output (through libpng) and a tiny built-in bitmap font for labelling plots.
 *
 * The font is compiled in so that figures render identically on every machine, with no font files
 * or font libraries to find at run time. Link with -lpng. */
#ifndef NNCTL_PNG_H
#define NNCTL_PNG_H

#include <stdint.h>

#include "nnctl/common.h"

/* Largest width or height accepted; far beyond any plot nnctl draws, small enough that w*h*3
 * cannot overflow. */
#define NN_PNG_MAX_DIM 16384

/* Glyph cell of the built-in font, in unscaled pixels: 5x7 glyphs plus one column of spacing. */
#define NN_FONT_W       5
#define NN_FONT_H       7
#define NN_FONT_ADVANCE 6

/* Writes an 8-bit grayscale image (`pix` holds w*h bytes, row-major). The file is written to
 * "<path>.tmp.<pid>", fsynced and renamed over `path`, so a failure never leaves a partial PNG.
 * NN_ERR_IO on file errors, NN_ERR_RUNTIME on bad arguments or a libpng failure. */
int nn_png_write_gray(const char *path, int w, int h, const uint8_t *pix, struct nn_error *err);

/* As nn_png_write_gray() for 8-bit RGB (`rgb` holds w*h*3 bytes, R G B per pixel). */
int nn_png_write_rgb(const char *path, int w, int h, const uint8_t *rgb, struct nn_error *err);

/* Draws `text` into an RGB image with its top-left corner at (x, y); each font pixel becomes a
 * scale x scale block. Lower-case letters use the upper-case glyphs; characters outside the font
 * (digits, letters, space and . , % = ( ) / : - _ + are covered) draw as '?'. Pixels outside
 * the image are clipped, so any position is safe. '\n' starts a new line. */
void nn_draw_text(uint8_t *rgb, int w, int h, int x, int y, const char *text, int scale,
                  const uint8_t color[3]);

/* Width in pixels of the longest line of `text` drawn at `scale` (0 for an empty string). */
int nn_text_width(const char *text, int scale);

#endif
