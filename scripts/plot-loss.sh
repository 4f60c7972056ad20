#!/usr/bin/env bash
# Loss curve of a training run: train and test MSE against epoch, from nnctl's history.csv.
# Usage: scripts/plot-loss.sh RUN_DIR/history.csv OUT.png [TITLE]
set -euo pipefail
hist=${1:?usage: plot-loss.sh HISTORY.csv OUT.png [TITLE]}
out=${2:?usage: plot-loss.sh HISTORY.csv OUT.png [TITLE]}
title=${3:-$(basename "$(dirname "$hist")")}
command -v gnuplot >/dev/null || { echo "plot-loss: gnuplot is missing (scripts/install-deps.sh installs gnuplot-nox)" >&2; exit 1; }
[ -s "$hist" ] || { echo "plot-loss: $hist: no such file or empty" >&2; exit 1; }
tmp="$out.tmp.$$.png"
# history.csv: epoch,train_loss,test_loss,seconds,samples_per_second (test_loss may be empty)
has_test=$(awk -F, 'NR > 1 && $3 != "" { print 1; exit }' "$hist")
plot="plot '$hist' using 1:2 with linespoints lw 2 pt 7 ps 0.6 title 'train loss'"
[ -n "$has_test" ] && plot="$plot, '' using 1:3 with linespoints lw 2 pt 5 ps 0.6 title 'test loss'"
gnuplot <<GP
set terminal pngcairo size 900,560 font "sans,11"
set output "$tmp"
set datafile separator ","
set key autotitle columnhead top right
set title "$title"
set xlabel "epoch"
set ylabel "loss (mean squared error)"
set logscale y
set grid
$plot
GP
mv "$tmp" "$out"
echo "wrote $out"
