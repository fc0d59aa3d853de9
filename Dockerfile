# Monolith container image: a Swift builder stage, then a `scratch` runtime that holds the
# static binary, exactly the glibc objects it links, a nonroot user (65532) and the example
# registry. No shell, no package manager.
#
#   docker build --network host -t monolith .
#   docker run --rm -p 8000:8000 monolith          # serves the example model at once
#
# Layer order is the rebuild cache: toolchain + apt, the manifest, then one layer per module
# (slowest first), then the runtime tree. The example registry, the runtime stage and the
# labels come last and never trigger a compile.

ARG SWIFT_IMAGE=swift:6.3-bookworm

# The example registry alone, as an OCI artifact: Kubernetes mounts it read-only as an
# image volume (deploy/kubernetes). First in the file so that
# `docker build --target registry -t monolith-registry .` never starts the Swift build.
FROM scratch AS registry
LABEL org.opencontainers.image.title="monolith-registry" \
      org.opencontainers.image.description="Monolith model registry folder (seed layout), for read-only mounts at /registry."
COPY examples/registry/ /

FROM ${SWIFT_IMAGE} AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# libsqlite3-dev and zlib1g-dev provide libsqlite3.a and libz.a, linked statically
# (Package.swift: -l:libsqlite3.a, -l:libz.a);
# binutils provides strip. Versions follow the base image's Debian release.
# hadolint ignore=DL3008
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends libsqlite3-dev zlib1g-dev binutils \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# The manifest first. SwiftPM reads all of it before building any target, and wants a
# folder with a source for every target it names: the tests are not sent to the engine
# (.dockerignore), so each test target gets an empty folder, made from the manifest's own
# target list; each module built after the first layer gets a stand-in source until its
# real folder arrives.
COPY Package.swift ./
RUN swift package dump-package | perl -MJSON::PP -MFile::Path=make_path -0777 -ne ' \
      for my $t (@{decode_json($_)->{targets}}) { \
        next unless $t->{type} eq "test"; \
        my $d = $t->{path} // "Tests/$t->{name}"; \
        make_path($d, map { "$d/$_->{path}" } @{$t->{resources} // []}); \
        open(my $f, ">", "$d/_NotBuilt.swift") or die "$d: $!"; print $f "// not built in the image\n"; \
      }' \
 && for m in StoreKitLite HTTPKit Monolith; do \
      mkdir -p "Sources/$m" && echo '// stand-in (Dockerfile)' > "Sources/$m/_StandIn.swift"; \
    done

# One layer per module, in dependency order, the slowest and least edited first: an edit
# under Sources/Monolith recompiles that module alone and relinks. A new target
# in Package.swift needs its COPY here (tools/container/test.sh checks that).
# With BuildKit (Docker >= 23's default) each layer reuses the previous one's .build as is.
# The classic builder stores file times in whole seconds between layers, so SwiftPM sees
# every earlier output as changed and recompiles it: correct, only slower.
COPY Sources/CSQLite Sources/CSQLite
COPY Sources/CLinux Sources/CLinux
COPY Sources/CZlib Sources/CZlib
COPY Sources/ModelKitKernels Sources/ModelKitKernels
COPY Sources/ModelKit Sources/ModelKit
RUN swift build -c release --static-swift-stdlib --target ModelKit
COPY Sources/StoreKitLite Sources/StoreKitLite
RUN rm Sources/StoreKitLite/_StandIn.swift \
 && swift build -c release --static-swift-stdlib --target StoreKitLite
COPY Sources/HTTPKit Sources/HTTPKit
RUN rm Sources/HTTPKit/_StandIn.swift \
 && swift build -c release --static-swift-stdlib --target HTTPKit
# The linker scripts that make the release link take libstdc++ and the unwinder statically.
COPY tools/link tools/link
COPY Sources/Monolith Sources/Monolith
RUN rm Sources/Monolith/_StandIn.swift \
 && swift build -c release --static-swift-stdlib --product monolith \
 && install -D -m 0755 .build/release/monolith /rootfs/monolith \
 && strip --strip-all /rootfs/monolith

# The runtime tree. The Swift runtime, Dispatch, SQLite, libstdc++ and the unwinder are inside
# the binary; what it still links dynamically (glibc's libc and libm, and the loader) is copied at the
# paths `ldd` reports, so the loader finds them in its default directories. The last line
# runs the binary inside the finished tree: a missing library fails the build, not the run.
RUN ldd /rootfs/monolith | grep -o '/[^ ]*' | while read -r lib; do \
      install -D -m 0755 "$(readlink -f "$lib")" "/rootfs$lib"; \
    done \
 && mkdir -p /rootfs/etc /rootfs/data /rootfs/tmp \
 && printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/data:/sbin/nologin\n' > /rootfs/etc/passwd \
 && printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' > /rootfs/etc/group \
 && chown 65532:65532 /rootfs/data \
 && chmod 0755 /rootfs/data \
 && chmod 1777 /rootfs/tmp \
 && chroot /rootfs /monolith version

FROM scratch

ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="monolith" \
      org.opencontainers.image.description="One static Swift binary that is a whole model-serving stack: HTTP gateway, ONNX inference, model registry (SQLite), tracking, health checks." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="scratch" \
      org.opencontainers.image.documentation="README.md#running-with-docker"

COPY --from=build /rootfs/ /
# The bundled example registry (seed layout): `docker run` serves a model with no mounts.
# Mount another folder read-only over /registry, or set MONOLITH_REGISTRY, to serve yours.
COPY --from=registry / /registry/

# 12-factor settings (see DESIGN.md); every one can be overridden with -e / env_file.
ENV PORT=8000 \
    MONOLITH_HOST=0.0.0.0 \
    MONOLITH_DATA=/data \
    MONOLITH_REGISTRY=/registry \
    MONOLITH_LOG_FORMAT=json \
    MONOLITH_SHUTDOWN_GRACE=10

USER 65532:65532
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000

# No shell or curl in the image: the binary is its own probe (GET /health on 127.0.0.1:$PORT).
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/monolith", "healthcheck"]

ENTRYPOINT ["/monolith"]
CMD ["serve"]
