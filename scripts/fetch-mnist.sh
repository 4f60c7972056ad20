#!/bin/sh
# Download the four MNIST files into a directory, verifying each against the published SHA-256 of
# its decompressed bytes.
#
#   scripts/fetch-mnist.sh [DIR]      DIR defaults to $MNIST_DIR, then ./data/mnist
#
# Files already present (as NAME or NAME.gz) and valid are left alone. Downloads go to a temporary
# file in DIR and are renamed into place only after they verify, so an interrupted or corrupt
# download never leaves a file that looks complete. Without network access it fails within a few
# seconds and says where to put the files by hand.
#
# Environment: MNIST_MIRRORS (space-separated base URLs, each ending in /),
# MNIST_CONNECT_TIMEOUT (seconds, default 5), MNIST_MAX_TIME (seconds per file, default 300).
set -eu

prog=fetch-mnist

usage() {
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
}

case "${1:-}" in
-h | --help)
    usage
    exit 0
    ;;
-*)
    echo "$prog: unknown option '$1'" >&2
    usage >&2
    exit 2
    ;;
esac
[ $# -le 1 ] || {
    echo "$prog: expected at most one argument (the directory), got $#" >&2
    exit 2
}

dir=${1:-${MNIST_DIR:-./data/mnist}}
mirrors=${MNIST_MIRRORS:-"https://ossci-datasets.s3.amazonaws.com/mnist/ https://storage.googleapis.com/cvdf-datasets/mnist/"}
connect_timeout=${MNIST_CONNECT_TIMEOUT:-5}
max_time=${MNIST_MAX_TIME:-300}
# The largest canonical download (train-images .gz) is 9,912,422 bytes; a response far larger than
# that is not MNIST, so stop reading it.
max_bytes=33554432

# name, decompressed bytes, SHA-256 of the decompressed bytes
known="train-images-idx3-ubyte 47040016 ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
train-labels-idx1-ubyte 60008 65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
t10k-images-idx3-ubyte 7840016 0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
t10k-labels-idx1-ubyte 10008 ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"

die() {
    echo "$prog: $*" >&2
    exit 1
}

where_to_put() {
    cat >&2 <<EOF
$prog: to install the files by hand, copy these four (gzip-compressed or not) into $dir:
    train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz
    t10k-images-idx3-ubyte.gz   t10k-labels-idx1-ubyte.gz
  or set MNIST_DIR (or data.dir in the config) to a directory that already has them,
  then run: nnctl data check
EOF
}

# SHA-256 of standard input, as bare lower-case hex.
if command -v sha256sum >/dev/null 2>&1; then
    sha256_stdin() { sha256sum | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then
    sha256_stdin() { shasum -a 256 | cut -d' ' -f1; }
elif command -v openssl >/dev/null 2>&1; then
    sha256_stdin() { openssl dgst -sha256 -r | cut -d' ' -f1; }
else
    die "need sha256sum, shasum or openssl to verify the downloads"
fi
command -v gzip >/dev/null 2>&1 || die "need gzip to verify the downloads"

# content_sha256 FILE gz|raw: prints the SHA-256 of FILE's decompressed content (of FILE itself
# for raw), or "corrupt" when gzip cannot read it. The kind is an argument, not guessed from the
# name, because the temporary download files do not end in .gz. gzip -t runs first because a
# plain sh pipeline would hide gzip's failure.
content_sha256() {
    case "$2" in
    gz)
        if gzip -t "$1" 2>/dev/null; then
            gzip -dc "$1" | sha256_stdin
        else
            echo corrupt
        fi
        ;;
    *) sha256_stdin <"$1" ;;
    esac
}

if command -v curl >/dev/null 2>&1; then
    fetch() { # url out
        # https only, also across redirects (file: is for local mirrors given in MNIST_MIRRORS).
        curl -fsSL --proto '=https,file' --proto-redir '=https' \
            --connect-timeout "$connect_timeout" --max-time "$max_time" \
            --max-filesize "$max_bytes" -o "$2" "$1"
    }
elif command -v wget >/dev/null 2>&1; then
    fetch() { # url out
        # wget has no size cap of its own: head stops reading past it and the size check below
        # rejects the result. --https-only keeps redirects on https.
        wget -q --https-only --tries=1 --connect-timeout="$connect_timeout" \
            --read-timeout="$connect_timeout" -O - "$1" | head -c "$((max_bytes + 1))" >"$2"
        [ -s "$2" ] && [ "$(wc -c <"$2")" -le "$max_bytes" ]
    }
else
    die "need curl or wget to download; $(where_to_put 2>&1)"
fi

mkdir -p "$dir" || die "cannot create directory $dir"

tmp=""
cleanup() {
    [ -z "$tmp" ] || rm -f "$tmp"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

fetched=0
present=0
# A here-document, not a pipe, so that the loop runs in this shell: its `exit` ends the script
# and the traps above still clean up.
while read -r name bytes sha; do
    # Already here and valid? Check the raw file first, as nnctl reads it first.
    bad_raw=0
    bad_gz=0
    for f in "$dir/$name" "$dir/$name.gz"; do
        [ -f "$f" ] || continue
        case "$f" in
        *.gz) got=$(content_sha256 "$f" gz) ;;
        *) got=$(content_sha256 "$f" raw) ;;
        esac
        if [ "$got" = "$sha" ]; then
            echo "$prog: ok      $f (already present, SHA-256 verified)"
            if [ "$bad_raw" -eq 1 ]; then
                # nnctl reads NAME before NAME.gz: the bad raw file must not shadow the good one.
                mv -f "$dir/$name" "$dir/$name.bad"
                echo "$prog: moved   $dir/$name to $dir/$name.bad"
            fi
            present=$((present + 1))
            continue 2
        fi
        echo "$prog: warning: $f does not verify (SHA-256 of its content: $got, expected $sha)" >&2
        case "$f" in
        *.gz) bad_gz=1 ;;
        *) bad_raw=1 ;;
        esac
    done

    # Checked only now: a read-only directory that already holds valid files is fine.
    [ -w "$dir" ] || die "directory $dir is not writable, cannot download $name.gz into it"
    tmp=$(mktemp "$dir/.$name.gz.XXXXXX" 2>/dev/null) || tmp="$dir/.$name.gz.part.$$"
    ok=0
    for m in $mirrors; do
        url="$m$name.gz"
        echo "$prog: fetch   $url"
        if ! fetch "$url" "$tmp"; then
            echo "$prog: warning: download failed: $url" >&2
            continue
        fi
        got=$(content_sha256 "$tmp" gz)
        if [ "$got" = "$sha" ]; then
            ok=1
            break
        fi
        echo "$prog: warning: $url does not verify (SHA-256 of its content: $got, expected $sha, $bytes bytes); discarded" >&2
    done
    if [ "$ok" -ne 1 ]; then
        rm -f "$tmp"
        tmp=""
        echo "$prog: error: could not get a valid $name.gz from any mirror (see the warnings above; no network access?)" >&2
        where_to_put
        exit 1
    fi
    # Files that failed verification are kept as *.bad rather than deleted (we did not create
    # them); a bad raw file must not keep its name, since nnctl would read it before the .gz.
    if [ "$bad_raw" -eq 1 ]; then
        mv -f "$dir/$name" "$dir/$name.bad"
        echo "$prog: moved   $dir/$name to $dir/$name.bad"
    fi
    if [ "$bad_gz" -eq 1 ]; then
        mv -f "$dir/$name.gz" "$dir/$name.gz.bad"
        echo "$prog: moved   $dir/$name.gz to $dir/$name.gz.bad"
    fi
    mv -f "$tmp" "$dir/$name.gz"
    tmp=""
    echo "$prog: ok      $dir/$name.gz (downloaded, SHA-256 verified)"
    fetched=$((fetched + 1))
done <<EOF
$known
EOF
echo "$prog: done: $present already present, $fetched downloaded, in $dir"
