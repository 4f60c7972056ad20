/* nnctl — batched RBF C-SVC prediction: the kernel between a block of test vectors and every
 * support vector by BLAS, then libsvm's one-vs-one votes. Private to the svm folder and tests. */
#ifndef NNCTL_SVM_PREDICT_H
#define NNCTL_SVM_PREDICT_H

#include <libsvm/svm.h>
#include <stddef.h>

/* nn_svm_predict_blas() returns this when the model is outside what it handles (a kernel other
 * than RBF, no support vectors, a feature index above d, too much memory): the caller then
 * predicts each vector with nn_svm_predict_exact(). */
#define NN_SVM_PREDICT_UNSUPPORTED 1

struct nn_svm_predict_stats {
    size_t n_exact; /* vectors whose votes were too close to call and went to svm_predict */
    int block;      /* test vectors per block */
    int threads;    /* threads of the exp and vote loops */
};

/* Predicts n finite rows of d features (d >= every feature index of the model's SVs); pred[i]
 * equals libsvm's svm_predict() on row i, always: a vector whose decision value for some class
 * pair lies within the rounding bound of the batched kernel is predicted by svm_predict().
 * Returns NN_OK, NN_SVM_PREDICT_UNSUPPORTED (nothing written), or NN_ERR_NOMEM when a block
 * could not be set up (nothing is reported; the caller falls back). stats may be NULL. */
int nn_svm_predict_blas(const struct svm_model *model, const float *x, size_t n, int d, int *pred,
                        struct nn_svm_predict_stats *stats);

/* Threads for the kernel's exp loop (the dgemms use OpenBLAS's own): 0 = automatic (2 when the
 * machine has 2 cores or more); for measurements and tests. */
void nn_svm_predict_set_threads(int threads);

/* The vectorised e^a of the kernel loop, for a <= 0 (for tests). */
double nn_svm_predict_exp(double a);

/* libsvm's own prediction of one row of d features; row holds d + 1 nodes of scratch. */
int nn_svm_predict_exact(const struct svm_model *model, const float *x, int d,
                         struct svm_node *row);

#endif
