# tap.sh -- the TAP helpers of the end-to-end scripts (sourced, not run): a scratch directory
# $T removed on exit, and ok / not_ok / check / status_is that number and report each check.
: "${HEE_SNN:=./src/hee-snn}"
: "${HS_SRCDIR:=.}"
T=$(mktemp -d "${TMPDIR:-/tmp}/hee-e2e.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
fails=0
n=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() { # check DESCRIPTION COMMAND...: the command must succeed
    d=$1; shift
    if "$@"; then ok "$d"; else not_ok "$d"; fi
}
status_is() { # status_is WANT DESCRIPTION COMMAND...: the command must exit with WANT
    want=$1 d=$2; shift 2
    "$@" >"$T/out" 2>"$T/err"; got=$?
    if [ "$got" = "$want" ]; then ok "$d"; else
        not_ok "$d (exit $got, want $want)"; sed 's/^/#   /' "$T/err" | head -5; fi
}
# catching PID: wait (up to 60 s) until process PID catches SIGINT.  A background job of a
# script starts with SIGINT ignored, so a SIGINT sent before the program installs its handler
# (later under a sanitizer) is lost and the run goes on to its end.  Linux's /proc tells; where
# there is none, a second's wait stands in.
catching() {
    [ -r "/proc/$1/status" ] || { sleep 1; return; }
    i=0
    while [ $i -lt 300 ] && kill -0 "$1" 2>/dev/null; do
        m=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null)
        case "$m" in *[2367abefABEF]) return ;; esac
        sleep 0.2; i=$((i + 1))
    done
}

# numpy_python: the first of python3, /usr/bin/python3 that imports numpy (set in $py), or "".
numpy_python() {
    py=
    for p in python3 /usr/bin/python3; do
        if "$p" -c 'import numpy' 2>/dev/null; then py=$p; return; fi
    done
}
# readback_tables: every .tsv under $T loads with numpy by the rule of doc/formats.md.
readback_tables() {
    numpy_python
    if [ -n "$py" ]; then
        check "every .tsv written here loads with numpy by the documented rule" \
            sh -c "'$py' '$HS_SRCDIR/tests/tsv-readback.py' '$T' >'$T/readback' 2>&1 || { sed 's/^/#   /' '$T/readback' | grep -v '#   ok '; exit 1; }"
    else
        ok "# SKIP numpy is not installed: the tables are not read back"
    fi
}
