# One image for every service of the hub: the command picks the gateway, a subgraph, the migration
# job or the seeder. Node 24, the active LTS (Node 20 reached its end of life in April 2026; the code
# still runs on 20).

# The hub built to plain JavaScript (`npm run build`: dist/ mirrors the repository), so the services
# start without a compiler and without tsx's source maps held for every package (tools/build.ts).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY shared ./shared
COPY subgraphs ./subgraphs
COPY hub ./hub
COPY gateway ./gateway
COPY explorer ./explorer
COPY dashboard ./dashboard
COPY tools ./tools
COPY cli ./cli
RUN npm run build

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
CMD ["node", "dist/gateway/index.js"]
