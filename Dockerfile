# Quayside in a container: a scratch image holding the binary and the C libraries it links
# (about 17 MB in all), the data directory a volume, a HEALTHCHECK that passes once every
# listener is bound and every init hook has run.
#
#   docker build -t quayside .
#   docker run --rm -p 4566:4566 -p 61613:61613 -p 1883:1883 -p 61614:61614 -v quayside:/data quayside
#
# Init hooks: mount a directory and name it, `-v ./init:/init:ro -e QUAYSIDE_INIT_DIR=/init`
# (the image has no shell and no AWS CLI: hooks are executables of their own; for shell
# scripts or `.aws` files, run Quayside from an image that has them, or from the host).
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release -p quayside \
 && strip target/release/quayside \
 && mkdir -p /rootfs/data /rootfs/tmp \
 && cp target/release/quayside /rootfs/quayside \
 && for lib in $(ldd target/release/quayside | grep -o '/[^ ]*'); do cp --parents -L "$lib" /rootfs; done

FROM scratch
COPY --from=build /rootfs /
# Every interface (the Host check is off then: the container's port mapping decides who
# reaches it); state in the volume.
ENV QUAYSIDE_HOST=0.0.0.0 QUAYSIDE_DATA_DIR=/data
VOLUME /data
EXPOSE 4566 61613 1883 61614
HEALTHCHECK --interval=2s --timeout=3s --start-period=1s --retries=30 CMD ["/quayside", "healthcheck"]
ENTRYPOINT ["/quayside"]
CMD ["serve"]
