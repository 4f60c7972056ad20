#!/usr/bin/env bash
# Curves of a training run from nnctl's history.csv: train, test and validation loss against
# epoch, and (when the run had validation data) a second panel with the validation accuracy and
# the learning rate of each epoch.
# Usage: scripts/plot-loss.sh RUN_DIR/history.csv OUT.png [TITLE]
set -euo pipefail
hist=${1:?usage: plot-loss.sh HISTORY.csv OUT.png [TITLE]}
out=${2:?usage: plot-loss.sh HISTORY.csv OUT.png [TITLE]}
title=${3:-$(basename "$(dirname "$hist")")}
command -v gnuplot >/dev/null || { echo "plot-loss: gnuplot is missing (scripts/install-deps.sh installs gnuplot-nox)" >&2; exit 1; }
[ -s "$hist" ] || { echo "plot-loss: $hist: no such file or empty" >&2; exit 1; }
tmp="$out.tmp.$$.png"
# history.csv: epoch,train_loss,test_loss,seconds,samples_per_second,lr,val_loss,val_accuracy,
# grad_norm_mean,grad_norm_max,test_accuracy (empty fields: no test split, no validation, no clipping; files of
# earlier versions end after samples_per_second)
col() { awk -F, -v c="$1" 'NR > 1 && $c != "" { print 1; exit }' "$hist"; }
has_test=$(col 3) has_val=$(col 7) has_acc=$(col 8)
# whole epochs on the x axis when there are few of them
xtics=""
[ "$(($(wc -l <"$hist") - 1))" -le 20 ] && xtics="set xtics 1"
plot="plot '$hist' using 1:2 with linespoints lw 2 pt 7 ps 0.6 title 'train loss'"
[ -n "$has_test" ] && plot="$plot, '' using 1:3 with linespoints lw 2 pt 5 ps 0.6 title 'test loss'"
[ -n "$has_val" ] && plot="$plot, '' using 1:7 with linespoints lw 2 pt 9 ps 0.7 title 'validation loss'"
height=560 panel2=""
if [ -n "$has_acc" ]; then
    height=860
    panel2="
set origin 0, 0
set size 1, 0.36
set title ''
unset logscale y
set ylabel 'validation accuracy'
set key right center
set y2label 'learning rate'
set y2tics
set ytics nomirror
set format y2 '%.0e'
plot '$hist' using 1:8 with linespoints lw 2 pt 7 ps 0.6 title 'validation accuracy', '' using 1:6 axes x1y2 with steps lw 1.5 dt 2 title 'learning rate'
"
fi
gnuplot <<GP
set terminal pngcairo size 900,$height font "sans,11"
set output "$tmp"
set datafile separator ","
set key top right
set grid
$xtics
set multiplot
set origin 0, $([ -n "$panel2" ] && echo 0.36 || echo 0)
set size 1, $([ -n "$panel2" ] && echo 0.64 || echo 1)
set title "$title" noenhanced
set xlabel "epoch"
set ylabel "loss"
set logscale y
$plot
$panel2
unset multiplot
GP
mv "$tmp" "$out"
echo "wrote $out"
