#!/bin/sh
# Writes the example datasets of configs/examples/ into data/examples/ (git-ignored): made here,
# deterministically, not downloaded. The same bytes on every machine: the numbers come from a
# 32-bit linear congruential generator in awk's exact integer range, and the Gaussians from the
# Irwin-Hall sum of 12 uniforms (no libm calls whose last bits could differ).
#
#   flowers_{train,test}.csv  three kinds of flower from four measurements (classification;
#                             labels are words; a header row; one quoted name with a comma)
#   houses_{train,test}.csv   a price from five features, linear plus an interaction and noise
#                             (regression; the target is the column named 'price')
set -eu
out=${1:-data/examples}
mkdir -p "$out"
awk -v out="$out" '
function uni() { s = (1664525 * s + 1013904223) % 4294967296; return s / 4294967296 }
function gauss(   i, t) { t = 0; for (i = 0; i < 12; i++) t += uni(); return t - 6 }
function flowers(file, n,   i, k) {
    print "sepal_length,sepal_width,petal_length,\"petal width, mm\",kind" > file
    for (i = 0; i < n; i++) {
        k = int(uni() * 3)
        printf "%.2f,%.2f,%.2f,%.1f,%s\n", ml[k] + 0.40 * gauss(), mw[k] + 0.35 * gauss(),
               pl[k] + 0.45 * gauss(), 10 * (pw[k] + 0.20 * gauss()), name[k] > file
    }
    close(file)
}
function houses(file, n,   i, a, r, g, d, q, p) {
    print "area_m2,rooms,garden,distance_km,quality,price" > file
    for (i = 0; i < n; i++) {
        a = 40 + 160 * uni(); r = 1 + int(a / 35 + uni() * 2); g = uni() < 0.4 ? 1 : 0
        d = 30 * uni() * uni(); q = 1 + int(uni() * 5)
        p = 0.9 * a + 8 * r + 25 * g - 3.0 * d + 12 * q + 0.004 * a * q * 5 + 6 * gauss()
        printf "%.1f,%d,%d,%.2f,%d,%.1f\n", a, r, g, d, q, p > file
    }
    close(file)
}
BEGIN {
    s = 20261201
    split("5.0 5.9 6.6", t, " "); ml[0] = t[1]; ml[1] = t[2]; ml[2] = t[3]
    split("3.4 2.8 3.0", t, " "); mw[0] = t[1]; mw[1] = t[2]; mw[2] = t[3]
    split("1.5 4.3 5.6", t, " "); pl[0] = t[1]; pl[1] = t[2]; pl[2] = t[3]
    split("0.25 1.3 2.0", t, " "); pw[0] = t[1]; pw[1] = t[2]; pw[2] = t[3]
    name[0] = "setosa"; name[1] = "versicolor"; name[2] = "\"virginica, tall\""
    flowers(out "/flowers_train.csv", 600); flowers(out "/flowers_test.csv", 300)
    houses(out "/houses_train.csv", 2000); houses(out "/houses_test.csv", 500)
}'
echo "wrote $out/flowers_train.csv, flowers_test.csv, houses_train.csv, houses_test.csv"
