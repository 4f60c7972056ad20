#!/usr/bin/env bash
# A generated table of malformed files, each fed to the command that reads it: every one must be
# refused with exit code 1 or 2, a message naming the file and the field, no crash, and no output
# file written. Covers IDX images (raw and gzip: every header truncation, data truncations, every
# header bit flip, gzip stream corruption, trailing bytes, huge dimensions, shapes that do not fit
# the model) and checkpoints (every truncation, a bit flip at every other byte, trailing bytes).
# Usage: NNCTL=build/rel/nnctl tests/malformed.sh
set -u
NNCTL=${NNCTL:-build/rel/nnctl}
NNCTL=$(cd "$(dirname "$NNCTL")" && pwd)/$(basename "$NNCTL")
cd "$(dirname "$0")/.."
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export OPENBLAS_NUM_THREADS=1
total=0 fail=0

# refuse FILE FIELD_PATTERN -- command...: the command must fail cleanly about FILE
refuse() {
    local file=$1 pat=$2; shift 3
    total=$((total + 1))
    rm -f "$T/out.idx" "$T/out.idx".tmp.*
    "$@" >"$T/stdout" 2>"$T/stderr"
    local rc=$?
    if [ "$rc" -ne 1 ] && [ "$rc" -ne 2 ]; then
        fail=$((fail + 1)); echo "FAIL ($rc): $file"; head -5 "$T/stderr"; return
    fi
    if ! grep -qF -- "$(basename "$file")" "$T/stderr" || ! grep -qE -- "$pat" "$T/stderr"; then
        fail=$((fail + 1)); echo "FAIL (message): $file: $(head -1 "$T/stderr")"; return
    fi
    if ls "$T"/out.idx* >/dev/null 2>&1; then
        fail=$((fail + 1)); echo "FAIL (wrote a file): $file"
    fi
}

# --- a tiny autoencoder checkpoint on 28×28 inputs, and good inputs for it ---
cat >"$T/ae.yaml" <<Y
model:
  input_shape: [28, 28]
  layers:
    - {type: flatten}
    - {type: dense, units: 8, activation: tanh, name: latent}
    - {type: dense, units: 784, activation: sigmoid}
    - {type: reshape, shape: [28, 28]}
loss: mse
training: {epochs: 1}
data:
  x: [[$(printf '0,%.0s' $(seq 1 783))0]]
  y: [[$(printf '0,%.0s' $(seq 1 783))0]]
Y
"$NNCTL" train "$T/ae.yaml" --out "$T/ae" --quiet || { echo "malformed: setup failed"; exit 1; }
CK="$T/ae/model.ckpt"
# a valid images file: 3 images of 28×28
{ printf '\x00\x00\x08\x03\x00\x00\x00\x03\x00\x00\x00\x1c\x00\x00\x00\x1c'; head -c 2352 /dev/urandom; } >"$T/good.idx"
"$NNCTL" encode "$CK" --input "$T/good.idx" --output "$T/ok.idx" >/dev/null || { echo "malformed: the good file is refused"; exit 1; }
gzip -n -c "$T/good.idx" >"$T/good.idx.gz"
size=$(stat -c %s "$T/good.idx")
enc() { refuse "$1" "$2" -- "$NNCTL" encode "$CK" --input "$1" --output "$T/out.idx"; }

# every truncation of the header and of the first 184 data bytes, then every 31st length
for ((n = 0; n < size; n++)); do
    if [ $n -le 200 ] || [ $((n % 31)) -eq 0 ]; then
        head -c $n "$T/good.idx" >"$T/trunc_$n.idx"
        enc "$T/trunc_$n.idx" "field '"
        rm -f "$T/trunc_$n.idx"
    fi
done
# every bit of the 16-byte header flipped
for ((i = 0; i < 16; i++)); do
    for ((b = 0; b < 8; b++)); do
        cp "$T/good.idx" "$T/flip_${i}_$b.idx"
        byte=$(od -An -tu1 -j$i -N1 "$T/good.idx" | tr -d ' ')
        printf "$(printf '\\%03o' $((byte ^ (1 << b))))" | dd of="$T/flip_${i}_$b.idx" bs=1 seek=$i conv=notrunc 2>/dev/null
        enc "$T/flip_${i}_$b.idx" "field '"
        rm -f "$T/flip_${i}_$b.idx"
    done
done
# gzip: every 5th byte of the compressed stream after the 10-byte header (mtime/OS are ignored by
# design) flipped, and every 23rd truncation
gsize=$(stat -c %s "$T/good.idx.gz")
for ((i = 10; i < gsize; i += 5)); do
    cp "$T/good.idx.gz" "$T/gz_$i.idx.gz"
    byte=$(od -An -tu1 -j$i -N1 "$T/good.idx.gz" | tr -d ' ')
    printf "$(printf '\\%03o' $((byte ^ 0x5a)))" | dd of="$T/gz_$i.idx.gz" bs=1 seek=$i conv=notrunc 2>/dev/null
    enc "$T/gz_$i.idx.gz" "field '|gzip"
    rm -f "$T/gz_$i.idx.gz"
done
for ((n = 11; n < gsize; n += 23)); do
    head -c $n "$T/good.idx.gz" >"$T/gzt_$n.idx.gz"
    enc "$T/gzt_$n.idx.gz" "field '|gzip"
    rm -f "$T/gzt_$n.idx.gz"
done
# trailing bytes, raw and compressed
for extra in 1 2 7 100; do
    { cat "$T/good.idx"; head -c $extra /dev/zero; } >"$T/extra_$extra.idx"
    enc "$T/extra_$extra.idx" "field '"
    gzip -n -c "$T/extra_$extra.idx" >"$T/extra_$extra.idx.gz"
    enc "$T/extra_$extra.idx.gz" "field '"
done
# huge dimensions whose products overflow or exceed the cap
for dims in '\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff' '\x7f\xff\xff\xff\x00\x01\x00\x00\x00\x01\x00\x00' \
            '\x00\x00\x00\x01\x40\x00\x00\x00\x40\x00\x00\x00' '\x00\x00\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x1c'; do
    total_before=$total
    printf "\x00\x00\x08\x03$dims" >"$T/huge_$total_before.idx"
    head -c 64 /dev/zero >>"$T/huge_$total_before.idx"
    enc "$T/huge_$total_before.idx" "field '"
done
# shapes that do not fit the model: 27×28 and 28×28×2 images, f32 with 783 values
printf '\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x1b\x00\x00\x00\x1c' >"$T/shape_27.idx"; head -c 1512 /dev/zero >>"$T/shape_27.idx"
enc "$T/shape_27.idx" "field 'dims'"
printf '\x00\x00\x08\x04\x00\x00\x00\x01\x00\x00\x00\x1c\x00\x00\x00\x1c\x00\x00\x00\x02' >"$T/shape_4d.idx"; head -c 1568 /dev/zero >>"$T/shape_4d.idx"
enc "$T/shape_4d.idx" "field 'dims'"
printf '\x00\x00\x0d\x02\x00\x00\x00\x01\x00\x00\x03\x0f' >"$T/shape_f32.idx"; head -c 3132 /dev/zero >>"$T/shape_f32.idx"
enc "$T/shape_f32.idx" "field 'dims'"
printf '\x00\x00\x0d\x02\x00\x00\x00\x01\x00\x00\x03\x10' >"$T/nan.idx"; head -c 3132 /dev/zero >>"$T/nan.idx"; printf '\x7f\xc0\x00\x00' >>"$T/nan.idx"  # big-endian NaN
enc "$T/nan.idx" "field 'data'"

# --- checkpoints: every truncation, a bit flip at every other byte, trailing bytes ---
"$NNCTL" train configs/xor.yaml --out "$T/xor" --quiet --set training.epochs=1 || exit 1
XC="$T/xor/model.ckpt"
csize=$(stat -c %s "$XC")
pred() { refuse "$1" "field '" -- "$NNCTL" predict "$1" --input "0 0"; }
for ((n = 0; n < csize; n++)); do
    head -c $n "$XC" >"$T/ck_t$n.ckpt"; pred "$T/ck_t$n.ckpt"; rm -f "$T/ck_t$n.ckpt"
done
for ((i = 0; i < csize; i += 2)); do
    cp "$XC" "$T/ck_f$i.ckpt"
    byte=$(od -An -tu1 -j$i -N1 "$XC" | tr -d ' ')
    printf "$(printf '\\%03o' $((byte ^ (1 << (i % 8)))))" | dd of="$T/ck_f$i.ckpt" bs=1 seek=$i conv=notrunc 2>/dev/null
    pred "$T/ck_f$i.ckpt"; rm -f "$T/ck_f$i.ckpt"
done
{ cat "$XC"; printf 'x'; } >"$T/ck_extra.ckpt"; pred "$T/ck_extra.ckpt"
# a valid checkpoint of another model given to encode with 28×28 images: the shape is refused
refuse "$T/good.idx" "field 'dims'" -- "$NNCTL" encode "$XC" --input "$T/good.idx" --output "$T/out.idx"

echo "malformed: $total files refused as expected: $((total - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
