/* The backward pass on one thread, in one call: the reference that the gradient checks and the
 * unit tests compare the training step's partitioned passes with. The training step itself uses
 * nn_model_backward_rows() and nn_model_update_chunk() (model.h). */
#include <string.h>

#include "nnctl/reference.h"

void nn_model_backward(struct nn_model *m, const nn_real *x, nn_real *dout, int B)
{
    if (dout != m->dout)
        memcpy(m->dout, dout, (size_t)B * (size_t)m->out_size * sizeof(nn_real));
    nn_model_backward_rows(m, x, 0, B, NULL, NULL, NULL, NULL);
    nn_model_update_part(m, x, B, 0, 1, NULL, NULL, 0);
}

void nn_model_backward_sgd(struct nn_model *m, const nn_real *x, nn_real *dout, int B, nn_real lr)
{
    if (dout != m->dout)
        memcpy(m->dout, dout, (size_t)B * (size_t)m->out_size * sizeof(nn_real));
    struct nn_optim_spec o = nn_optim_sgd(lr, 0, 0);
    nn_model_backward_rows(m, x, 0, B, NULL, NULL, NULL, NULL);
    nn_model_update_part(m, x, B, 0, 1, NULL, &o, 1);
}
