#!/bin/sh
# Signs a release manifest (JSON, see the README's "Updates" section) into the release feed: CMS SignedData, ECDSA P-256 with
# SHA-256, the manifest enveloped, the release certificate included. Then checks the result as the connector will.
#   packaging/sign-feed.sh manifest.json release-key.p8 release-key.crt feed.cms
# The key's passphrase is asked on the terminal (or give -passin through SIGN_FEED_PASSIN, e.g. SIGN_FEED_PASSIN=env:RELEASE_KEY_PASS).
set -eu
manifest=${1:?usage: $0 MANIFEST.json KEY CERT OUT}
key=${2:?usage: $0 MANIFEST.json KEY CERT OUT}
cert=${3:?usage: $0 MANIFEST.json KEY CERT OUT}
out=${4:?usage: $0 MANIFEST.json KEY CERT OUT}
for field in sequence expiresUtc releases; do
  grep -q "\"$field\"" "$manifest" || { echo "$manifest has no \"$field\"" >&2; exit 2; }
done
passin=${SIGN_FEED_PASSIN:-}
openssl cms -sign -binary -nodetach -md sha256 -outform DER -in "$manifest" -signer "$cert" -inkey "$key" \
  ${passin:+-passin "$passin"} -out "$out.tmp"
# What the connector does: the signature against the release certificate, and the content unchanged.
openssl cms -verify -binary -inform DER -in "$out.tmp" -CAfile "$cert" -purpose any -out "$out.check" 2>/dev/null
cmp -s "$out.check" "$manifest" || { echo "the signed feed does not verify" >&2; rm -f "$out.tmp" "$out.check"; exit 1; }
rm -f "$out.check"
mv "$out.tmp" "$out"
echo "signed: $out" >&2
