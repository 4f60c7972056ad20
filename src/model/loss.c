/* Losses, each returning its value and writing dL/d(out) in the same pass.
 *
 *   mse:  L = 1/(B·D) Σ (p − t)²                         dL/dp = 2 (p − t) / (B·D)
 *   binary_crossentropy, fused with the sigmoid, from logits z (mean over every element, as Keras):
 *         L = 1/(B·D) Σ max(z,0) − z·t + log(1 + e^−|z|)  dL/dz = (σ(z) − t) / (B·D)
 *   categorical_crossentropy, fused with the softmax, from logits z (sum over classes, mean over
 * B): L = 1/B Σ_b [ Σ_j t_j · (lse(z) − z_j) ]          dL/dz_j = (softmax(z)_j · Σt − t_j) / B The
 * log-sum-exp and log1p forms never take exp of a positive number, so no input overflows. */
#include <math.h>

#include "nnctl/loss.h"

#ifdef NN_DOUBLE
#define EXP   exp
#define LOG   log
#define LOG1P log1p
#else
#define EXP   expf
#define LOG   logf
#define LOG1P log1pf
#endif

/* Σ of the loss terms of n rows (per element for MSE and BCE, per sample for CCE), with the
 * gradient rows scaled by `scale` = 1 / (the batch's divisor). */
static double loss_sum(enum nn_loss_kind loss, const nn_real *out, const nn_real *target, int B,
                       int D, nn_real *grad, nn_real scale)
{
    size_t n = (size_t)B * (size_t)D;
    double sum = 0; /* accumulate in double: a batch of 100k elements loses digits in float */
    if (loss == NN_LOSS_MSE) {
        const nn_real two = 2 * scale;
        /* Sixteen float partial sums per row, then the row's total in double: independent lanes
         * let the compiler vectorise without reassociating (no -ffast-math), and no lane adds
         * more than D/16 terms in float. */
        for (int r = 0; r < B; r++) {
            const nn_real *restrict o = out + (size_t)r * (size_t)D;
            const nn_real *restrict t = target + (size_t)r * (size_t)D;
            nn_real lane[16] = {0};
            int j = 0;
            for (; j + 16 <= D; j += 16)
                for (int k = 0; k < 16; k++) {
                    nn_real d = o[j + k] - t[j + k];
                    lane[k] += d * d;
                }
            double row = 0;
            for (; j < D; j++) {
                nn_real d = o[j] - t[j];
                row += (double)(d * d);
            }
            for (int k = 0; k < 16; k++)
                row += (double)lane[k];
            sum += row;
            if (grad) { /* a second pass over the row, still in L1 */
                nn_real *restrict g = grad + (size_t)r * (size_t)D;
                for (j = 0; j < D; j++)
                    g[j] = two * (o[j] - t[j]);
            }
        }
        return sum;
    }
    if (loss == NN_LOSS_BCE) {
        for (size_t i = 0; i < n; i++) {
            nn_real z = out[i], t = target[i];
            nn_real az = z >= 0 ? z : -z;
            nn_real e = EXP(-az);
            sum += (double)((z > 0 ? z : 0) - z * t + LOG1P(e));
            if (grad) {
                nn_real s = 1 / (1 + e);
                nn_real p = z >= 0 ? s : e * s;
                grad[i] = scale * (p - t);
            }
        }
        return sum;
    }
    /* NN_LOSS_CCE */
    for (int b = 0; b < B; b++) {
        const nn_real *z = out + (size_t)b * (size_t)D;
        const nn_real *t = target + (size_t)b * (size_t)D;
        nn_real mx = z[0], tsum = 0;
        for (int j = 1; j < D; j++)
            mx = z[j] > mx ? z[j] : mx;
        nn_real se = EXP(z[0] - mx); /* ≥ e^(z0 − max) > 0, and the max term adds 1 */
        for (int j = 1; j < D; j++)
            se += EXP(z[j] - mx);
        nn_real lse = mx + LOG(se);
        double l = 0;
        for (int j = 0; j < D; j++) {
            l += (double)(t[j] * (lse - z[j]));
            tsum += t[j];
        }
        sum += l;
        if (grad) {
            nn_real *g = grad + (size_t)b * (size_t)D;
            for (int j = 0; j < D; j++)
                g[j] = scale * (EXP(z[j] - lse) * tsum - t[j]);
        }
    }
    return sum;
}

/* The batch's divisor: every element for MSE and BCE, every sample for CCE. */
static double divisor(enum nn_loss_kind loss, int B, int D)
{
    return loss == NN_LOSS_CCE ? (double)B : (double)B * (double)D;
}

double nn_loss_rows(enum nn_loss_kind loss, const nn_real *out, const nn_real *target, int n, int D,
                    nn_real *grad, int B)
{
    double div = divisor(loss, B, D);
    return loss_sum(loss, out, target, n, D, grad, (nn_real)(1.0 / div)) / div;
}

double nn_loss(enum nn_loss_kind loss, const nn_real *out, const nn_real *target, int B, int D,
               nn_real *grad)
{
    return nn_loss_rows(loss, out, target, B, D, grad, B);
}

int nn_is_classifier(enum nn_loss_kind loss, enum nn_target target)
{
    return loss == NN_LOSS_CCE || target == NN_TARGET_ONEHOT;
}
