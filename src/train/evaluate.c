/* Evaluation of a model on a dataset (mean loss and accuracy), and where a non-finite loss came
 * from (see run.h). */
#include <math.h>
#include <stdio.h>

#include "nnctl/train.h"
#include "train/run.h"

void nn_evaluate(struct nn_model *m, const struct nn_dataset *ds, uint32_t *idx, nn_real *x,
                 nn_real *y, double *loss, double *accuracy)
{
    const int D = m->out_size;
    const int classifier = nn_is_classifier(m->loss, ds->target);
    const int binary = !classifier && m->last_act == NN_ACT_SIGMOID;
    /* With a fused sigmoid head the outputs are logits: p ≥ 0.5 exactly when z ≥ 0. */
    const nn_real threshold = m->head_layer >= 0 ? 0 : (nn_real)0.5;
    double lsum = 0;
    long long correct = 0, total = 0;
    int non_binary_target = 0;
    for (int start = 0; start < ds->n; start += m->max_batch) {
        int B = ds->n - start < m->max_batch ? ds->n - start : m->max_batch;
        for (int r = 0; r < B; r++)
            idx[r] = (uint32_t)(start + r);
        const nn_real *t = nn_dataset_gather(ds, idx, B, x, y);
        const nn_real *out = nn_model_forward(m, x, B, -1);
        lsum += nn_loss(m->loss, out, t, B, D, NULL) * B;
        for (int r = 0; r < B && (classifier || binary); r++) {
            const nn_real *o = out + (size_t)r * (size_t)D, *tr = t + (size_t)r * (size_t)D;
            if (classifier) {
                int po = 0, pt = 0;
                for (int j = 1; j < D; j++) {
                    po = o[j] > o[po] ? j : po;
                    pt = tr[j] > tr[pt] ? j : pt;
                }
                correct += po == pt;
                total++;
            } else {
                for (int j = 0; j < D; j++) {
                    non_binary_target |= tr[j] != 0 && tr[j] != 1;
                    correct += (o[j] >= threshold) == (tr[j] == 1);
                    total++;
                }
            }
        }
    }
    *loss = ds->n ? lsum / ds->n : NAN;
    *accuracy = total && !non_binary_target ? (double)correct / (double)total : NAN;
}

static int all_finite(const nn_real *v, size_t n)
{
    nn_real acc = 0;
    for (size_t i = 0; i < n; i++)
        acc += v[i] * 0; /* NaN·0 and Inf·0 are NaN; finite·0 is 0 */
    return acc == 0;
}

/* Names the first place where non-finite numbers appear after a forward pass whose loss was not
 * finite: the batch's input, a layer's parameters (a gradient step made them NaN or Inf), or a
 * layer's output (overflow in the forward pass). Runs only after a failure. */
void nn_locate_non_finite(const struct nn_model *m, const nn_real *x, int B, char *buf, size_t len)
{
    if (!all_finite(x, (size_t)B * (size_t)m->in_size)) {
        snprintf(buf, len, "the input batch holds NaN or Inf");
        return;
    }
    for (int i = 0; i < m->n_layers; i++) {
        const struct nn_layer *l = &m->layers[i];
        int bad = 0;
        for (int k = 0; k < l->n_tensors; k++) {
            const struct nn_tensor *t = &m->tensors[l->wt + k];
            bad |= !all_finite(m->params + t->offset, t->count);
        }
        if (bad) {
            snprintf(buf, len, "layer '%s': its weights hold NaN or Inf after the last update",
                     l->spec.name);
            return;
        }
        if (l->out && !all_finite(l->out, (size_t)B * (size_t)l->out_size)) {
            snprintf(buf, len, "layer '%s': its output holds NaN or Inf", l->spec.name);
            return;
        }
    }
    snprintf(buf, len, "in the loss");
}
