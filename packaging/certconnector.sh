#!/bin/sh
# /usr/bin/certconnector: the CLI (and the server) installed by the Debian package. The CLI finds the admin URL and
# token in the package's data directory unless told otherwise (--data-dir, CERTCONNECTOR_DATA_DIR, --url).
: "${CERTCONNECTOR_DATA_DIR:=/var/lib/certconnector}"
export CERTCONNECTOR_DATA_DIR
exec /usr/lib/certconnector/certconnector "$@"
