#!/bin/sh
# Runs a command the way systemd runs certconnector.service's ExecStart, on a machine whose PID 1 is not systemd.
# Started by the test inside `unshare --mount --pid --fork --mount-proc` (so the command is PID 1 of its namespace, as
# .NET's systemd detection expects with NOTIFY_SOCKET), as root; it emulates, in that private mount namespace:
#   ProtectSystem=strict + ReadWritePaths  every mount read-only but the API file systems and the writable path
#   PrivateTmp=yes                         an empty /tmp and /var/tmp
#   ProtectHome=yes                        /home, /root and /run/user empty and read-only
#   User= Group= NoNewPrivileges=yes CapabilityBoundingSet= UMask=0077 WorkingDirectory=
# Usage: run-as-unit.sh USER WRITABLE_PATH WORKING_DIRECTORY -- COMMAND [ARGS...]
set -eu
user=$1 writable=$2 workdir=$3
shift 3
[ "$1" = "--" ] && shift

mount --make-rprivate /
mount --bind "$writable" "$writable"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /var/tmp
awk '{ print $5 }' /proc/self/mountinfo | sort -u | while read -r point; do
    case "$point" in
        /proc|/proc/*|/sys|/sys/*|/dev|/dev/*|/tmp|/var/tmp) continue ;;
    esac
    [ "$point" = "$writable" ] && continue
    mount -o remount,bind,ro "$point"
done
for home in /home /root /run/user; do
    if [ -d "$home" ]; then mount -t tmpfs -o ro,mode=0755 tmpfs "$home"; fi
done

umask 0077
cd "$workdir"
exec setpriv --reuid="$user" --regid="$user" --init-groups --no-new-privs --bounding-set=-all --inh-caps=-all -- "$@"
