# One image for every service of the hub: the command picks the gateway, a subgraph or the seeder.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY tsconfig.json ./
COPY shared ./shared
COPY subgraphs ./subgraphs
COPY gateway ./gateway
COPY cli ./cli
USER node
CMD ["npx", "tsx", "gateway/index.ts"]
