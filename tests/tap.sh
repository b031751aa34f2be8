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
