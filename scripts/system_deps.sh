#!/bin/sh
# Installs the Debian packages listed in scripts/system-packages.txt that this machine lacks.
#
#   nothing missing        -> silent, exit 0
#   missing, root          -> apt-get update once, apt-get install -y <missing>; exit 0 when all
#                             are there afterwards, otherwise one line naming what failed, exit 1
#   missing, not root      -> one line naming the exact command to run as root, exit 1
#
# apt is told not to retry and to give up on a silent mirror after a few seconds, and each apt
# call runs under `timeout`, so an unreachable source fails in well under a minute.
#
# Variables (for tests and unusual machines):
#   SYSDEPS_LIST    the package list (default: scripts/system-packages.txt beside this script)
#   SYSDEPS_ROOT    prefix for the path checks (default: empty, i.e. /)
#   SYSDEPS_PATH    PATH for the command checks (default: $PATH)
#   SYSDEPS_UID     the user id to act as (default: id -u)
#   APT_OPTIONS     extra options for every apt-get call (e.g. -o Dir::Etc::sourcelist=...)
#   APT_TIMEOUT     seconds allowed for `apt-get update` (default 45)
#   APT_INSTALL_TIMEOUT  seconds allowed for `apt-get install` (default 900: Chromium is large)
set -u

here=$(cd "$(dirname "$0")" && pwd)
list=${SYSDEPS_LIST:-$here/system-packages.txt}
root=${SYSDEPS_ROOT:-}
check_path=${SYSDEPS_PATH:-$PATH}
uid=${SYSDEPS_UID:-$(id -u)}
apt_options=${APT_OPTIONS:-}
update_timeout=${APT_TIMEOUT:-45}
install_timeout=${APT_INSTALL_TIMEOUT:-900}

if [ ! -r "$list" ]; then
    echo "system_deps: cannot read the package list $list" >&2
    exit 1
fi

# Prints the packages whose check fails, space-separated, each once.
missing_packages() {
    out=""
    while read -r check package rest; do
        case "$check" in ''|'#'*) continue ;; esac
        found=""
        case "$check" in
            /*)
                for candidate in $root$check; do
                    if [ -e "$candidate" ]; then found=1; break; fi
                done ;;
            *)
                if PATH=$check_path command -v "$check" >/dev/null 2>&1; then found=1; fi ;;
        esac
        if [ -z "$found" ]; then
            case " $out " in *" $package "*) ;; *) out="$out $package" ;; esac
        fi
    done < "$list"
    echo "${out# }"
}

missing=$(missing_packages)
[ -z "$missing" ] && exit 0

command="apt-get update && apt-get install -y $missing"
if [ "$uid" != 0 ]; then
    echo "system_deps: missing Debian packages; run as root: $command" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Fail fast rather than hang on an unreachable mirror; a reachable one answers in seconds.
fast="-o Acquire::Retries=0 -o Acquire::http::Timeout=15 -o Acquire::https::Timeout=15 -o Acquire::ftp::Timeout=15 -o DPkg::Lock::Timeout=30"
log=$(mktemp "${TMPDIR:-/tmp}/system_deps.XXXXXX")
trap 'rm -f "$log"' EXIT

echo "system_deps: installing $missing" >&2
# shellcheck disable=SC2086  # the option strings are meant to split into words
timeout "$update_timeout" apt-get -q $fast $apt_options update >"$log" 2>&1
status=$?
if [ "$status" = 124 ]; then
    echo "system_deps: apt-get update took more than ${update_timeout}s (are the apt sources reachable?); could not install: $missing" >&2
    exit 1
fi
# shellcheck disable=SC2086
timeout "$install_timeout" apt-get -q -y $fast $apt_options install --no-install-recommends $missing >>"$log" 2>&1
status=$?

still=$(missing_packages)
if [ -n "$still" ]; then
    reason=$(grep '^E: ' "$log" | head -n 1)
    [ -z "$reason" ] && reason=$(grep '^W: ' "$log" | head -n 1)
    [ "$status" = 124 ] && reason="apt-get install took more than ${install_timeout}s"
    echo "system_deps: could not install: $still (${reason:-apt-get exited with $status}); try: $command" >&2
    exit 1
fi
exit 0
