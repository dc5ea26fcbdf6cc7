# One image for every service of the hub: the command picks the gateway, a subgraph or the seeder.
# Node 24, the active LTS (Node 20 reached its end of life in April 2026; the code still runs on 20).
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY tsconfig.json ./
COPY shared ./shared
COPY subgraphs ./subgraphs
COPY hub ./hub
COPY gateway ./gateway
COPY explorer ./explorer
COPY dashboard ./dashboard
COPY tools ./tools
COPY cli ./cli
USER node
# node --import tsx: one process (npx tsx would run npx, the tsx CLI and then node).
CMD ["node", "--import", "tsx", "gateway/index.ts"]
