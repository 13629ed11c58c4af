# Registry Gateway for a hosted PostgreSQL (DATABASE_URL); see README.md, "A container".
# Build: docker build -t registry-gateway .
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin registry-gateway \
 && cp target/release/registry-gateway /registry-gateway

# glibc and libgcc only: TLS is rustls, the allocator is linked in.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /registry-gateway /usr/local/bin/registry-gateway
ENV REGISTRY_LISTEN=0.0.0.0:8080
EXPOSE 8080
USER nonroot
ENTRYPOINT ["/usr/local/bin/registry-gateway"]
CMD ["serve"]
