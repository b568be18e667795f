#!/bin/sh
# /usr/bin/certconnector: the CLI (and the server) installed by the Debian package. The CLI finds the admin URL and
# token in the package's data directory unless told otherwise (--data-dir, CERTCONNECTOR_DATA_DIR, --url).
: "${CERTCONNECTOR_DATA_DIR:=/var/lib/certconnector}"
export CERTCONNECTOR_DATA_DIR
# `certconnector` alone (or `run`) is the server: as root it would be a second CA, owned by root, in the current
# directory. The service runs it as its own user.
if [ "$(id -u)" = 0 ] && { [ $# -eq 0 ] || [ "$1" = run ]; }; then
    echo "certconnector: not starting the connector as root. Start the service: systemctl start certconnector" >&2
    echo "  (or as its user: runuser -u certconnector -- /usr/lib/certconnector/certconnector run --data-dir /var/lib/certconnector --settings /etc/certconnector/certconnector.json);" >&2
    echo "  'certconnector --help' lists the commands." >&2
    exit 2
fi
exec /usr/lib/certconnector/certconnector "$@"
