#!/usr/bin/env bash
# Installs everything the test suite needs on a Debian machine (run as root): the Debian packages
# for the browser, lab machines, Redfish clients and a separate PostgreSQL server, then npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(chromium fonts-dejavu-core qemu-system-x86 qemu-utils ipxe-qemu busybox-static dropbear-bin linux-image-cloud-amd64 cpio redfishtool python3-sushy postgresql openssh-client)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
