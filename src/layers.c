/* Activation functions, forward and backward, over (rows, cols) batches.
 *
 * Each backward pass is written through the forward output y, which the graph keeps anyway:
 *   relu:    y = max(x, 0)         dy/dx = [y > 0]
 *   tanh:    y = tanh(x)           dy/dx = 1 − y²
 *   sigmoid: y = 1 / (1 + e^−x)    dy/dx = y (1 − y)
 *   softmax: y_j = e^x_j / Σ e^x_k dL/dx_j = y_j (dL/dy_j − Σ_k dL/dy_k y_k)
 */
#include <math.h>
#include <stddef.h>

#include "nnctl/model.h"

#ifdef NN_DOUBLE
#define EXP exp
#define TANH tanh
#else
#define EXP expf
#define TANH tanhf
#endif

void nn_act_forward(int act, nn_real *y, int rows, int cols)
{
    size_t n = (size_t)rows * (size_t)cols;
    switch (act) {
    case NN_ACT_RELU:
        for (size_t i = 0; i < n; i++)
            y[i] = y[i] > 0 ? y[i] : 0;
        break;
    case NN_ACT_TANH:
        for (size_t i = 0; i < n; i++)
            y[i] = TANH(y[i]);
        break;
    case NN_ACT_SIGMOID:
        /* Stable for any x: exp is only ever taken of −|x| ≤ 0, so it cannot overflow. */
        for (size_t i = 0; i < n; i++) {
            nn_real e = EXP(-(y[i] >= 0 ? y[i] : -y[i]));
            nn_real s = 1 / (1 + e);
            y[i] = y[i] >= 0 ? s : e * s;
        }
        break;
    case NN_ACT_SOFTMAX:
        /* Subtracting the row maximum keeps every exponent ≤ 0. */
        for (int r = 0; r < rows; r++) {
            nn_real *row = y + (size_t)r * (size_t)cols;
            nn_real mx = row[0], sum = 0;
            for (int j = 1; j < cols; j++)
                mx = row[j] > mx ? row[j] : mx;
            for (int j = 0; j < cols; j++) {
                row[j] = EXP(row[j] - mx);
                sum += row[j];
            }
            nn_real inv = 1 / sum;
            for (int j = 0; j < cols; j++)
                row[j] *= inv;
        }
        break;
    default: /* identity */
        break;
    }
}

void nn_act_backward(int act, const nn_real *y, nn_real *dy, int rows, int cols)
{
    size_t n = (size_t)rows * (size_t)cols;
    switch (act) {
    case NN_ACT_RELU:
        for (size_t i = 0; i < n; i++)
            dy[i] = y[i] > 0 ? dy[i] : 0;
        break;
    case NN_ACT_TANH:
        for (size_t i = 0; i < n; i++)
            dy[i] *= 1 - y[i] * y[i];
        break;
    case NN_ACT_SIGMOID:
        for (size_t i = 0; i < n; i++)
            dy[i] *= y[i] * (1 - y[i]);
        break;
    case NN_ACT_SOFTMAX:
        for (int r = 0; r < rows; r++) {
            const nn_real *yr = y + (size_t)r * (size_t)cols;
            nn_real *dr = dy + (size_t)r * (size_t)cols;
            nn_real dot = 0;
            for (int j = 0; j < cols; j++)
                dot += dr[j] * yr[j];
            for (int j = 0; j < cols; j++)
                dr[j] = yr[j] * (dr[j] - dot);
        }
        break;
    default:
        break;
    }
}
