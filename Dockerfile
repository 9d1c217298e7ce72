# Multi-stage build for amd64 and arm64 (docker buildx build --platform linux/amd64,linux/arm64 .).
# The builder compiles the native modules (better-sqlite3) for the target platform.
FROM node:22-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts skips `prepare` (the build) until the sources are here; native modules are built next.
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY drivers ./drivers
COPY simulators ./simulators
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production PLEXUS_DATA_DIR=/var/lib/plexus
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
RUN mkdir -p /var/lib/plexus && chown node:node /var/lib/plexus
USER node
VOLUME /var/lib/plexus
EXPOSE 8080 1883
# The API must listen on 0.0.0.0 inside a container (api.host in the configuration).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:8080/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/src/main.js"]
CMD ["start"]
