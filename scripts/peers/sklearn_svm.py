#!/usr/bin/env python3
"""scikit-learn peer of `nnctl svm train` / `svm eval`: SVC(C, gamma='scale') on the same encoded
features (float32 IDX, as `nnctl encode` writes them) and labels.

scikit-learn's SVC runs its own copy of libsvm, built for dense vectors; fit solves the
one-vs-one pairs one after the other on one core, as libsvm does. The JSON records fit and predict
seconds, the accuracy, the support-vector count and the versions.

Usage: sklearn_svm.py --train-features F --train-labels L --test-features F --test-labels L
                      [--C 10] [--threads N] --out FILE.json
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--train-features", required=True)
p.add_argument("--train-labels", required=True)
p.add_argument("--test-features", required=True)
p.add_argument("--test-labels", required=True)
p.add_argument("--C", type=float, default=10.0)
p.add_argument("--threads", type=int, default=0)
p.add_argument("--out", required=True)
a = p.parse_args()
common.set_thread_env(a.threads)

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

xtr = np.ascontiguousarray(common.read_idx(a.train_features), dtype=np.float64)
ytr = common.read_idx(a.train_labels).astype(np.int64)
xte = np.ascontiguousarray(common.read_idx(a.test_features), dtype=np.float64)
yte = common.read_idx(a.test_labels).astype(np.int64)
clf = SVC(C=a.C, kernel="rbf", gamma="scale", cache_size=200, tol=1e-3, shrinking=True)
t0 = time.perf_counter()
clf.fit(xtr, ytr)
fit_s = time.perf_counter() - t0
t0 = time.perf_counter()
pred = clf.predict(xte)
predict_s = time.perf_counter() - t0
acc = float((pred == yte).mean())
res = {"framework": "scikit-learn", "version": sklearn.__version__, "numpy": np.__version__,
       "C": a.C, "gamma": float(clf._gamma), "fit_seconds": fit_s, "predict_seconds": predict_s,
       "accuracy": acc, "support_vectors": int(clf.support_.shape[0]),
       "train": list(xtr.shape), "test": list(xte.shape)}
with open(a.out, "w") as f:
    json.dump(res, f, indent=1)
print(f"scikit-learn {sklearn.__version__}: fit {fit_s:.2f} s, predict {predict_s:.2f} s, "
      f"accuracy {acc * 100:.2f}%, {res['support_vectors']} support vectors")
