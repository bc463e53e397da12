#!/usr/bin/env bash
# Installs what the test suite and local mode need on a fresh Debian/Ubuntu machine:
# a JDK 17 (only if java is missing), etcd 3.4 (etcd-server, etcd-client) and kubectl (kubernetes-client,
# only if kubectl is missing) from Debian's packages.
# Idempotent: does nothing when everything is already there.
set -euo pipefail

need=()
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
if [[ -z "${ETCD_BIN:-}" ]] && ! command -v etcd >/dev/null 2>&1; then need+=(etcd-server); fi
if [[ -z "${ETCDCTL_BIN:-}" ]] && ! command -v etcdctl >/dev/null 2>&1; then need+=(etcd-client); fi
# kubectl drives local mode's API server in the tests (get, apply, scale, kustomize). Machines of this
# kind ship a recent one; Debian's own package is the fallback (older, but it speaks the same API).
command -v kubectl >/dev/null 2>&1 || need+=(kubernetes-client)

if ((${#need[@]} == 0)); then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-prereqs: missing ${need[*]} and no apt-get here; install them with your package manager" >&2
  echo "  (or set ETCD_BIN / ETCDCTL_BIN to etcd 3.4+ binaries)" >&2
  exit 1
fi
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-prereqs: need root or sudo to install ${need[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "install-prereqs: installing ${need[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Debian's etcd-server package enables a system etcd on 127.0.0.1:2379; tests use their own ports,
# but a stray system service is not wanted on a build machine.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet etcd 2>/dev/null; then
  "${sudo[@]}" systemctl stop etcd || true
fi
etcd --version | head -1 >&2
