#!/usr/bin/env bash
# Installs what MiniRTC needs to run or test, and says clearly what is missing when it cannot.
# Usage: ensure-deps.sh [node] [ffmpeg] [redis] [postgres] [chromium] [nginx] [openssl] [rtmpdump] [gstreamer] [nginx-rtmp] [bench] [ss]
set -euo pipefail
cd "$(dirname "$0")/.."

want_node=0; pkgs=()
for w in "$@"; do
  case "$w" in
    node) want_node=1 ;;
    ffmpeg) command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || pkgs+=(ffmpeg) ;;
    redis) command -v redis-server >/dev/null || pkgs+=(redis-server) ;;
    postgres) compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || pkgs+=(postgresql) ;;
    chromium) command -v chromium >/dev/null || pkgs+=(chromium) ;;
    nginx) command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || pkgs+=(nginx) ;;
    openssl) command -v openssl >/dev/null || pkgs+=(openssl) ;;
    rtmpdump) command -v rtmpdump >/dev/null || pkgs+=(rtmpdump) ;;
    ss) command -v ss >/dev/null || pkgs+=(iproute2) ;;
    gstreamer)
      command -v gst-launch-1.0 >/dev/null || pkgs+=(gstreamer1.0-tools)
      gst-inspect-1.0 flvdemux >/dev/null 2>&1 || pkgs+=(gstreamer1.0-plugins-good)
      gst-inspect-1.0 rtmp2src >/dev/null 2>&1 || pkgs+=(gstreamer1.0-plugins-bad)
      gst-inspect-1.0 avdec_h264 >/dev/null 2>&1 || pkgs+=(gstreamer1.0-libav) ;;
    nginx-rtmp)
      command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || pkgs+=(nginx)
      [ -e /usr/lib/nginx/modules/ngx_rtmp_module.so ] || pkgs+=(libnginx-mod-rtmp) ;;
    bench)
      command -v rtmpdump >/dev/null || pkgs+=(rtmpdump)
      command -v nginx >/dev/null || pkgs+=(nginx)
      [ -e /usr/lib/nginx/modules/ngx_rtmp_module.so ] || pkgs+=(libnginx-mod-rtmp) ;;
  esac
done

if [ "$want_node" = 1 ] && [ ! -d node_modules ]; then
  echo "[minirtc] node_modules missing: running npm ci" >&2
  npm ci --no-audit --no-fund >&2
fi

if [ ${#pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[minirtc] installing Debian packages: ${pkgs[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || true
    apt-get install -y -qq "${pkgs[@]}" >&2
  else
    echo "[minirtc] missing Debian packages: ${pkgs[*]} — install them with: sudo apt-get install ${pkgs[*]}" >&2
    exit 1
  fi
fi
