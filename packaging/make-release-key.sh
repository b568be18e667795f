#!/bin/sh
# Makes the release key (ECDSA P-256) and its self-signed certificate, the public half the connector has built in
# (src/Adapters/Updates/release-key.crt). Run it once, offline, on the machine (or token) that keeps the release key;
# the private key is written encrypted (PKCS#8, AES-256) under a passphrase read from the terminal. Never commit it.
#   packaging/make-release-key.sh DIR      -> DIR/release-key.p8 (private, 0600), DIR/release-key.crt (public)
set -eu
dir=${1:?usage: $0 DIR}
umask 077
mkdir -p "$dir"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes-256-cbc -out "$dir/release-key.p8"
openssl req -new -x509 -key "$dir/release-key.p8" -sha256 -days 7300 -subj "/CN=certconnector release key" \
  -addext "basicConstraints=critical,CA:FALSE" -addext "keyUsage=critical,digitalSignature" -out "$dir/release-key.crt"
chmod 0644 "$dir/release-key.crt"
echo "release key: $dir/release-key.p8 (keep it offline); certificate: $dir/release-key.crt -> copy to src/Adapters/Updates/release-key.crt" >&2
