#!/usr/bin/env bash
# The built-in CA with its keys in SoftHSM (Connector:Ca:KeyStore=pkcs11) against file keys (prints figures; not a test):
# the SCEP enrollment benchmark (our connector only) and the PKCS goals benchmark, each run twice on this machine,
# first with file keys, then with the CA, RA and OCSP keys in a fresh SoftHSM token (the connector the benchmarks start
# inherits the environment that selects the token). Compare the enrollments/s and p50/p99 lines of the two runs.
#   bench/run-hsm.sh [--requests 300] [--concurrency 4,16]   (SCEP arguments)
#   PKCS_ARGS="--requests 100 --small 10" bench/run-hsm.sh     (arguments of the PKCS goals benchmark, default its own)
set -euo pipefail
cd "$(dirname "$0")/.."

for package in softhsm2 scep; do
  dpkg -s "$package" >/dev/null 2>&1 || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package"; }
done

scep_args=("$@")
read -r -a pkcs_args <<< "${PKCS_ARGS:-}"
if [ ${#scep_args[@]} -eq 0 ]; then scep_args=(--requests 300 --concurrency 4,16); fi

dotnet build bench -c Release -nologo -v quiet >/dev/null

hsm=$(mktemp -d)
trap 'rm -rf "$hsm"' EXIT
mkdir -p "$hsm/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$hsm" > "$hsm/softhsm2.conf"
openssl rand -hex 8 > "$hsm/pin"
chmod 600 "$hsm/pin"
SOFTHSM2_CONF="$hsm/softhsm2.conf" softhsm2-util --init-token --free --label bench-ca --so-pin "so-$(cat "$hsm/pin")" --pin "$(cat "$hsm/pin")" >/dev/null

bench() { timeout 1800 dotnet bench/bin/Release/net10.0/CertConnector.Bench.dll "$@"; }

echo "=== file keys: SCEP ==="
bench scep --target ours "${scep_args[@]}"
echo "=== file keys: PKCS ==="
bench pkcs-goals "${pkcs_args[@]}"

export SOFTHSM2_CONF="$hsm/softhsm2.conf"
export CERTCONNECTOR_Connector__Ca__KeyStore=pkcs11
export CERTCONNECTOR_Connector__Ca__Pkcs11__Module=/usr/lib/softhsm/libsofthsm2.so
export CERTCONNECTOR_Connector__Ca__Pkcs11__TokenLabel=bench-ca
export CERTCONNECTOR_Connector__Ca__Pkcs11__PinFile="$hsm/pin"
echo "=== SoftHSM keys: SCEP ==="
bench scep --target ours "${scep_args[@]}"
echo "=== SoftHSM keys: PKCS ==="
bench pkcs-goals "${pkcs_args[@]}"
