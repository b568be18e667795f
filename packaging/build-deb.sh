#!/bin/sh
# Builds the Debian package of certconnector with dotnet publish and dpkg-deb (nothing downloaded but NuGet packages).
#   packaging/build-deb.sh [--version V] [--no-build] [--configuration C] [--out DIR]
# --version        the package version (default: <Version> in Directory.Build.props)
# --no-build       publish what the last `dotnet build -c C` built (fast; the build must be current)
# --configuration  Release (default) or Debug
# --out            where the .deb goes (default: ./artifacts); its path is printed last
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
version=
no_build=
configuration=Release
out="$PWD/artifacts"
while [ $# -gt 0 ]; do
    case "$1" in
        --version) version=${2:?--version needs a value}; shift 2 ;;
        --version=*) version=${1#*=}; shift ;;
        --no-build) no_build=--no-build; shift ;;
        --configuration|-c) configuration=${2:?--configuration needs a value}; shift 2 ;;
        --out) out=${2:?--out needs a directory}; shift 2 ;;
        --out=*) out=${1#*=}; shift ;;
        -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "build-deb.sh: unknown option '$1' (--version V, --no-build, --configuration C, --out DIR)" >&2; exit 2 ;;
    esac
done
[ -n "$version" ] || version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo/Directory.Build.props" | head -n 1)
# Debian versions start with a digit and hold only these characters (Debian Policy 5.6.12).
if ! printf '%s' "$version" | grep -Eq '^[0-9][A-Za-z0-9.+~-]*$'; then
    echo "build-deb.sh: '$version' is not a Debian package version (e.g. 1.2.0 or 1.3.0~rc1)" >&2
    exit 2
fi

arch=$(dpkg --print-architecture)
case "$arch" in
    amd64) rid=linux-x64 ;;
    arm64) rid=linux-arm64 ;;
    *) echo "build-deb.sh: no .NET runtime identifier known for $arch" >&2; exit 2 ;;
esac

stage=$(mktemp -d)
chmod 0755 "$stage" # the archive's ./ entry
trap 'rm -rf "$stage"' EXIT
app="$stage/usr/lib/certconnector"

# Framework-dependent: the ASP.NET Core runtime comes from the system and gets its security updates there.
dotnet publish "$repo/src/Host/CertConnector.Host.csproj" -c "$configuration" -o "$app" $no_build -nologo -v quiet -p:UseAppHost=true >&2
# Native libraries for other systems (Windows, macOS, Android, other CPUs) are never loaded here.
for dir in "$app"/runtimes/*; do
    case "${dir##*/}" in "$rid"|unix|linux) ;; *) rm -rf "$dir" ;; esac
done

install -d -m 0755 "$stage/usr/bin" "$stage/lib/systemd/system" "$stage/usr/share/doc/certconnector" "$stage/DEBIAN"
install -d -m 0750 "$stage/etc/certconnector"
install -m 0755 "$repo/packaging/certconnector.sh" "$stage/usr/bin/certconnector"
install -m 0644 "$repo/packaging/certconnector.service" "$stage/lib/systemd/system/certconnector.service"
install -m 0644 "$repo/packaging/certconnector-update.service" "$stage/lib/systemd/system/certconnector-update.service"
install -m 0644 "$repo/packaging/certconnector-update.timer" "$stage/lib/systemd/system/certconnector-update.timer"
install -m 0640 "$repo/packaging/certconnector.json" "$stage/etc/certconnector/certconnector.json"
install -m 0600 "$repo/packaging/secrets.env" "$stage/etc/certconnector/secrets.env"
install -m 0644 "$repo/README.md" "$stage/usr/share/doc/certconnector/README.md"
find "$app" -type d -exec chmod 0755 {} +
find "$app" -type f -exec chmod 0644 {} +
chmod 0755 "$app/certconnector"

size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" "$repo/packaging/debian/control.in" > "$stage/DEBIAN/control"
install -m 0644 "$repo/packaging/debian/conffiles" "$stage/DEBIAN/conffiles"
for script in postinst prerm postrm; do install -m 0755 "$repo/packaging/debian/$script" "$stage/DEBIAN/$script"; done

mkdir -p "$out"
deb="$out/certconnector_${version}_$arch.deb"
# Every file root:root in the archive; postinst gives the settings and the data to the service user's group.
dpkg-deb --root-owner-group -Zgzip --build "$stage" "$deb" >&2
echo "$deb"
