/* nnctl — the confusion-matrix heatmap: a grid of cells shaded from white to dark blue by count,
 * drawn into an RGB buffer with the built-in font and written through png.c. */
#include "nnctl/heatmap.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnctl/png.h"
#include "nnctl/report.h"

static int label_of(const int *labels, int i)
{
    return labels ? labels[i] : i;
}

struct cm_layout {
    int k, cell, tick_scale, title_scale;
    int left, top, w, h;
};

static void cm_layout(int k, const char *title, struct cm_layout *L)
{
    if (k < 1)
        k = 1;
    if (k > NN_REPORT_MAX_CLASSES)
        k = NN_REPORT_MAX_CLASSES;
    L->k = k;
    /* About 480 pixels of grid whatever k is: 48-pixel cells for the ten digits. */
    L->cell = 480 / k;
    if (L->cell > 64)
        L->cell = 64;
    if (L->cell < 4)
        L->cell = 4;
    L->tick_scale = L->cell >= 20 ? 2 : 1;
    L->title_scale = 2;
    int ts = L->tick_scale;
    L->left = 8 + nn_text_width("true", ts) + 8 + nn_text_width("255", ts) + 6;
    L->top = 8 + NN_FONT_H * L->title_scale + 12;
    int grid = k * L->cell;
    L->w = L->left + grid + 16;
    int tw = 16 + nn_text_width(title ? title : "", L->title_scale);
    if (tw > L->w)
        L->w = tw;
    if (L->w > NN_PNG_MAX_DIM)
        L->w = NN_PNG_MAX_DIM; /* an absurdly long title is clipped rather than refused */
    L->h = L->top + grid + 6 + NN_FONT_H * ts + 8 + NN_FONT_H * ts + 10;
}

void nn_confusion_png_size(int k, const char *title, int *w, int *h)
{
    struct cm_layout L;
    cm_layout(k, title, &L);
    if (w)
        *w = L.w;
    if (h)
        *h = L.h;
}

static void fill_rect(uint8_t *rgb, int w, int h, int x0, int y0, int rw, int rh,
                      const uint8_t c[3])
{
    for (int y = y0 < 0 ? 0 : y0; y < y0 + rh && y < h; y++)
        for (int x = x0 < 0 ? 0 : x0; x < x0 + rw && x < w; x++) {
            uint8_t *p = rgb + ((size_t)y * (size_t)w + (size_t)x) * 3;
            p[0] = c[0];
            p[1] = c[1];
            p[2] = c[2];
        }
}

int nn_confusion_write_png(const char *path, const long *cm, int k, const int *labels,
                           const char *title, struct nn_error *err)
{
    if (!path || !cm || k < 1 || k > NN_REPORT_MAX_CLASSES)
        return nn_error_set(err, NN_ERR_RUNTIME, "nn_confusion_write_png: bad arguments (k = %d)",
                            k);
    struct cm_layout L;
    cm_layout(k, title, &L);
    uint8_t *img = malloc((size_t)L.w * (size_t)L.h * 3);
    if (!img)
        return nn_error_set(err, NN_ERR_NOMEM, "%s: out of memory for a %dx%d image", path, L.w,
                            L.h);
    memset(img, 255, (size_t)L.w * (size_t)L.h * 3);
    static const uint8_t black[3] = {0, 0, 0}, white[3] = {255, 255, 255};
    static const uint8_t grid_gray[3] = {200, 200, 200}, frame[3] = {90, 90, 90};
    /* matplotlib's "Blues" end points, the colour map scikit-learn's ConfusionMatrixDisplay uses.
     */
    static const double lo[3] = {247, 251, 255}, hi[3] = {8, 48, 107};

    if (title) {
        int tw = nn_text_width(title, L.title_scale);
        nn_draw_text(img, L.w, L.h, (L.w - tw) / 2 > 0 ? (L.w - tw) / 2 : 0, 8, title,
                     L.title_scale, black);
    }
    long maxc = 0;
    for (size_t i = 0; i < (size_t)k * (size_t)k; i++)
        if (cm[i] > maxc)
            maxc = cm[i];
    /* One text scale for every count, chosen so that the longest one fits in a cell. */
    char s[32];
    int widest = 0;
    for (size_t i = 0; i < (size_t)k * (size_t)k; i++) {
        snprintf(s, sizeof s, "%ld", cm[i]);
        int tw = nn_text_width(s, 1);
        if (tw > widest)
            widest = tw;
    }
    int cs = 0;
    for (int sc = 2; sc >= 1 && !cs; sc--)
        if (widest * sc <= L.cell - 2 && NN_FONT_H * sc <= L.cell - 4)
            cs = sc;

    int ts = L.tick_scale, grid = k * L.cell;
    for (int r = 0; r < k; r++) {
        for (int c = 0; c < k; c++) {
            long v = cm[(size_t)r * k + c];
            double t = maxc > 0 && v > 0 ? (double)v / (double)maxc : 0.0;
            uint8_t col[3];
            for (int ch = 0; ch < 3; ch++)
                col[ch] = (uint8_t)lround(lo[ch] + (hi[ch] - lo[ch]) * t);
            int x0 = L.left + c * L.cell, y0 = L.top + r * L.cell;
            fill_rect(img, L.w, L.h, x0, y0, L.cell, L.cell, col);
            if (L.cell >= 8) { /* hairlines between cells, so that equal neighbours stay apart */
                fill_rect(img, L.w, L.h, x0, y0, L.cell, 1, grid_gray);
                fill_rect(img, L.w, L.h, x0, y0, 1, L.cell, grid_gray);
            }
            if (cs) {
                snprintf(s, sizeof s, "%ld", v);
                int tw = nn_text_width(s, cs);
                nn_draw_text(img, L.w, L.h, x0 + (L.cell - tw) / 2,
                             y0 + (L.cell - NN_FONT_H * cs) / 2, s, cs, t > 0.5 ? white : black);
            }
        }
    }
    /* Frame around the grid. */
    fill_rect(img, L.w, L.h, L.left - 1, L.top - 1, grid + 2, 1, frame);
    fill_rect(img, L.w, L.h, L.left - 1, L.top + grid, grid + 2, 1, frame);
    fill_rect(img, L.w, L.h, L.left - 1, L.top - 1, 1, grid + 2, frame);
    fill_rect(img, L.w, L.h, L.left + grid, L.top - 1, 1, grid + 2, frame);

    /* Tick labels; with many small cells only every step-th label fits. */
    int lab_w = nn_text_width("255", ts);
    int step_x = (lab_w + 4 + L.cell - 1) / L.cell;
    int step_y = (NN_FONT_H * ts + 2 + L.cell - 1) / L.cell;
    for (int i = 0; i < k; i++) {
        snprintf(s, sizeof s, "%d", label_of(labels, i));
        int tw = nn_text_width(s, ts);
        if (i % step_y == 0)
            nn_draw_text(img, L.w, L.h, L.left - 6 - tw,
                         L.top + i * L.cell + (L.cell - NN_FONT_H * ts) / 2, s, ts, black);
        if (i % step_x == 0)
            nn_draw_text(img, L.w, L.h, L.left + i * L.cell + (L.cell - tw) / 2, L.top + grid + 6,
                         s, ts, black);
    }
    /* Axis captions. */
    nn_draw_text(img, L.w, L.h, 8, L.top + (grid - NN_FONT_H * ts) / 2, "true", ts, black);
    int pw = nn_text_width("predicted", ts);
    nn_draw_text(img, L.w, L.h, L.left + (grid - pw) / 2, L.top + grid + 6 + NN_FONT_H * ts + 8,
                 "predicted", ts, black);

    int rc = nn_png_write_rgb(path, L.w, L.h, img, err);
    free(img);
    return rc;
}
