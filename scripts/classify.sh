#!/usr/bin/env bash
# The study's last step in one command: encode MNIST with a trained autoencoder's latent layer,
# train an RBF SVM (C=10, gamma=scale) on the 60,000 training vectors, evaluate on the 10,000 test
# vectors, and write the report (accuracy, per-class table, confusion matrix text/CSV/PNG).
# Usage: scripts/classify.sh CKPT OUT_DIR [LAYER]     (MNIST found through $MNIST_DIR)
set -euo pipefail
NNCTL=${NNCTL:-build/rel/nnctl}
ckpt=${1:?usage: classify.sh CKPT OUT_DIR [LAYER]}
out=${2:?usage: classify.sh CKPT OUT_DIR [LAYER]}
layer=${3:-latent}
: "${MNIST_DIR:?set MNIST_DIR to the folder holding the four MNIST files}"
find_file() { if [ -e "$MNIST_DIR/$1" ]; then echo "$MNIST_DIR/$1"; else echo "$MNIST_DIR/$1.gz"; fi; }
mkdir -p "$out"
"$NNCTL" encode "$ckpt" --layer "$layer" --input "$(find_file train-images-idx3-ubyte)" --output "$out/train_latent.idx"
"$NNCTL" encode "$ckpt" --layer "$layer" --input "$(find_file t10k-images-idx3-ubyte)" --output "$out/test_latent.idx"
"$NNCTL" svm train --features "$out/train_latent.idx" --labels "$(find_file train-labels-idx1-ubyte)" \
    --C 10 --gamma scale --model "$out/svm.model"
"$NNCTL" svm eval --model "$out/svm.model" --features "$out/test_latent.idx" \
    --labels "$(find_file t10k-labels-idx1-ubyte)" --out "$out"
