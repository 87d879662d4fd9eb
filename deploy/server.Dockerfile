# The server image (docs/operations.md): the web app built, the server
# bundled, run as `npm start` runs it, on the embedded store unless
# MONGO_URL is set. Built by docker-compose.yml from the repository root.
FROM node:20.20.2-bookworm
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund \
  && npm run build -w @dungeon-lab/web \
  && npm run bundle -w @dungeon-lab/server-app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    MALLOC_MMAP_THRESHOLD_=131072
EXPOSE 3000
# SIGTERM reaches node itself (no npm in between): the replica drains and hands over ([OPS3]).
CMD ["node", "apps/server/dist/main.mjs"]
