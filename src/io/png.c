/* nnctl — PNG writing through libpng, and the built-in 5x7 bitmap font. */
#include "nnctl/png.h"

#include "nnctl/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <png.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- PNG writing */

/* libpng reports errors through a callback that must not return; the message is kept here so
 * that the caller can put it into its nn_error after the longjmp. */
struct png_ctx {
    char msg[256];
};

static void on_png_error(png_structp png, png_const_charp msg)
{
    struct png_ctx *c = png_get_error_ptr(png);
    if (c)
        snprintf(c->msg, sizeof c->msg, "%s", msg ? msg : "unknown libpng error");
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp msg)
{
    /* Warnings are about ancillary details (e.g. chunk limits) and never affect the pixels; the
     * library must not print, so they are dropped. */
    (void)png;
    (void)msg;
}

/* Encodes the image into an open file. Kept in its own function so that nothing it declares is
 * modified between setjmp() and a possible longjmp(): `png` and `info` are set before setjmp and
 * only read afterwards, which is what C11 7.13.2.1 requires of non-volatile locals. */
static int png_encode(FILE *f, int w, int h, int color_type, int channels, const uint8_t *pix,
                      struct png_ctx *ctx)
{
    png_structp png =
        png_create_write_struct(PNG_LIBPNG_VER_STRING, ctx, on_png_error, on_png_warning);
    if (!png) {
        snprintf(ctx->msg, sizeof ctx->msg, "out of memory creating the PNG writer");
        return -1;
    }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        snprintf(ctx->msg, sizeof ctx->msg, "out of memory creating the PNG info");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return -1;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, color_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    size_t stride = (size_t)w * (size_t)channels;
    for (int y = 0; y < h; y++)
        png_write_row(png, pix + (size_t)y * stride);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return 0;
}

static int png_write_any(const char *path, int w, int h, const uint8_t *pix, int color_type,
                         int channels, struct nn_error *err)
{
    if (!path || !pix)
        return nn_error_set(err, NN_ERR_RUNTIME, "nn_png_write: missing path or pixels");
    if (w < 1 || h < 1 || w > NN_PNG_MAX_DIM || h > NN_PNG_MAX_DIM)
        return nn_error_set(err, NN_ERR_RUNTIME, "%s: image size %dx%d is outside 1..%d", path, w,
                            h, NN_PNG_MAX_DIM);
    struct nn_atomic a;
    int rc = nn_atomic_open(&a, path, err);
    if (rc)
        return rc;
    /* stdio gets its own descriptor, so that closing the FILE leaves ours for the commit */
    int dfd = dup(a.fd);
    FILE *f = dfd >= 0 ? fdopen(dfd, "wb") : NULL;
    if (!f) {
        if (dfd >= 0)
            close(dfd);
        nn_atomic_abort(&a);
        return nn_error_set(err, NN_ERR_IO, "%s: cannot open for writing: %s", path,
                            strerror(errno));
    }
    struct png_ctx ctx = {{0}};
    int bad = png_encode(f, w, h, color_type, channels, pix, &ctx) != 0;
    if (fclose(f) != 0 || bad) {
        nn_atomic_abort(&a);
        /* libpng's write errors are almost always the disk (short write); say which file. */
        return nn_error_set(err, NN_ERR_IO, "%s: PNG encoding failed: %s", path,
                            bad ? ctx.msg : strerror(errno));
    }
    return nn_atomic_commit(&a, err);
}

int nn_png_write_gray(const char *path, int w, int h, const uint8_t *pix, struct nn_error *err)
{
    return png_write_any(path, w, h, pix, PNG_COLOR_TYPE_GRAY, 1, err);
}

int nn_png_write_rgb(const char *path, int w, int h, const uint8_t *rgb, struct nn_error *err)
{
    return png_write_any(path, w, h, rgb, PNG_COLOR_TYPE_RGB, 3, err);
}

/* ---------------------------------------------------------------- bitmap font */

/* 5x7 glyphs, one byte per row, bit 4 = leftmost column (the classic HD44780 shapes). */
struct glyph {
    char c;
    uint8_t rows[NN_FONT_H];
};

static const struct glyph FONT[] = {
    {' ', {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}},
    {'0', {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}},
    {'1', {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'2', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}},
    {'3', {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E}},
    {'4', {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}},
    {'5', {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}},
    {'6', {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}},
    {'7', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
    {'8', {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}},
    {'9', {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}},
    {'A', {0x0E, 0x11, 0x11, 0x11, 0x1F, 0x11, 0x11}},
    {'B', {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E}},
    {'C', {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E}},
    {'D', {0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C}},
    {'E', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F}},
    {'F', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10}},
    {'G', {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F}},
    {'H', {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}},
    {'I', {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'J', {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C}},
    {'K', {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}},
    {'L', {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F}},
    {'M', {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11}},
    {'N', {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11}},
    {'O', {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}},
    {'P', {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10}},
    {'Q', {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D}},
    {'R', {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11}},
    {'S', {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E}},
    {'T', {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}},
    {'U', {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}},
    {'V', {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04}},
    {'W', {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A}},
    {'X', {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11}},
    {'Y', {0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04}},
    {'Z', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F}},
    {'.', {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C}},
    {',', {0x00, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x08}},
    {'%', {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03}},
    {'=', {0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00}},
    {'(', {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02}},
    {')', {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08}},
    {'/', {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00}},
    {':', {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00}},
    {'-', {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00}},
    {'_', {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F}},
    {'+', {0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00}},
    {'?', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04}},
};

static const uint8_t *glyph_rows(char c)
{
    if (c >= 'a' && c <= 'z')
        c = (char)(c - 'a' + 'A');
    const uint8_t *unknown = NULL;
    for (size_t i = 0; i < sizeof FONT / sizeof FONT[0]; i++) {
        if (FONT[i].c == c)
            return FONT[i].rows;
        if (FONT[i].c == '?')
            unknown = FONT[i].rows;
    }
    return unknown;
}

static void fill_block(uint8_t *rgb, int w, int h, int x0, int y0, int s, const uint8_t color[3])
{
    for (int y = y0; y < y0 + s; y++) {
        if (y < 0 || y >= h)
            continue;
        for (int x = x0; x < x0 + s; x++) {
            if (x < 0 || x >= w)
                continue;
            uint8_t *p = rgb + ((size_t)y * (size_t)w + (size_t)x) * 3;
            p[0] = color[0];
            p[1] = color[1];
            p[2] = color[2];
        }
    }
}

void nn_draw_text(uint8_t *rgb, int w, int h, int x, int y, const char *text, int scale,
                  const uint8_t color[3])
{
    if (!rgb || !text || !color || w < 1 || h < 1 || scale < 1)
        return;
    /* Positions are computed in long long so that absurd coordinates or scales clip rather than
     * overflow int. */
    long long cx = x, cy = y;
    for (const char *t = text; *t; t++) {
        if (*t == '\n') {
            cx = x;
            cy += (long long)(NN_FONT_H + 2) * scale;
            continue;
        }
        const uint8_t *rows = glyph_rows(*t);
        if (rows && cx < w && cy < h && cx + (long long)NN_FONT_W * scale > 0 &&
            cy + (long long)NN_FONT_H * scale > 0) {
            for (int r = 0; r < NN_FONT_H; r++)
                for (int c = 0; c < NN_FONT_W; c++)
                    if (rows[r] & (0x10 >> c))
                        fill_block(rgb, w, h, (int)(cx + (long long)c * scale),
                                   (int)(cy + (long long)r * scale), scale, color);
        }
        cx += (long long)NN_FONT_ADVANCE * scale;
        if (cx > w)
            cx = w; /* the rest of this line is off the image; keep cx bounded */
    }
}

int nn_text_width(const char *text, int scale)
{
    if (!text || scale < 1)
        return 0;
    long long best = 0, cur = 0;
    for (const char *t = text;; t++) {
        if (*t == '\n' || *t == 0) {
            /* The advance includes one spacing column that the last glyph does not need. */
            long long wpx = cur > 0 ? cur * NN_FONT_ADVANCE * scale - scale : 0;
            if (wpx > best)
                best = wpx;
            cur = 0;
            if (*t == 0)
                break;
        } else {
            cur++;
        }
    }
    return best > NN_PNG_MAX_DIM * 16 ? NN_PNG_MAX_DIM * 16 : (int)best;
}
