#!/bin/sh
# Checks the image the Dockerfile describes, without a registry: the runtime stage is assembled
# from a binary built here (the build stage's steps, run on this machine), built with podman
# (Debian's package), and run: it must become healthy (its HEALTHCHECK), answer the AWS CLI
# through a published port, keep its state in its volume across a restart, and stay small.
#
# Usage: tools/container/verify.sh   (needs podman and runc: `apt-get install podman runc`)
#
# The run flags suit a VM without systemd and with hybrid cgroups (this project's machines):
# runc and the cgroupfs manager (crun refuses hybrid cgroups), limits no higher than the host's,
# and the health check run by hand rather than by a systemd timer.
set -eu
cd "$(dirname "$0")/../.."
cargo build --release -p quayside
work=$(mktemp -d)
trap 'podman rm -f quayside-verify >/dev/null 2>&1 || true; podman volume rm -f quayside-verify >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root/data" "$root/tmp"
cp target/release/quayside "$root/quayside"
strip "$root/quayside"
for lib in $(ldd target/release/quayside | grep -o '/[^ ]*'); do cp --parents -L "$lib" "$root"; done
# The Dockerfile's runtime stage, reading the root file system from here.
sed -n '/^FROM scratch/,$p' Dockerfile | sed 's|^COPY --from=build /rootfs /|COPY rootfs /|' > "$work/Containerfile"
podman build -q --format docker -t quayside-verify -f "$work/Containerfile" "$work" >/dev/null
size=$(podman image inspect quayside-verify --format '{{.Size}}')
echo "image size: $size bytes"
[ "$size" -lt 31457280 ] || { echo "image over 30 MB"; exit 1; }
port=45660
podman volume create quayside-verify >/dev/null
start() {
  podman --runtime runc --cgroup-manager cgroupfs run -d --ulimit nofile=16384:16384 --ulimit nproc=4096:4096 --health-interval disable --name quayside-verify -p 127.0.0.1:$port:4566 -v quayside-verify:/data quayside-verify >/dev/null
  for _ in $(seq 100); do
    if podman healthcheck run quayside-verify >/dev/null 2>&1; then echo "healthy"; return 0; fi
    sleep 0.2
  done
  podman logs quayside-verify; echo "never healthy"; exit 1
}
start
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
aws() { PYTHONPATH=tools/py/site python3 -m awscli "$@" --endpoint-url "http://127.0.0.1:$port"; }
aws sqs create-queue --queue-name in-a-container >/dev/null
aws sqs send-message --queue-url "http://127.0.0.1:$port/queue/us-east-1/000000000000/in-a-container" --message-body kept >/dev/null
podman logs quayside-verify | grep -q '^Ready\.$' && echo "said Ready."
podman rm -f quayside-verify >/dev/null
start
aws sqs receive-message --queue-url "http://127.0.0.1:$port/queue/us-east-1/000000000000/in-a-container" | grep -q '"Body": "kept"'
echo "the message survived a new container on the same volume"
