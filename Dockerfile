# Production images of Sidestep, built from one dependency install by docker-compose.yml:
#   docker build --target api .      the GraphQL API on Node 20
#   docker build --target client .   the PWA build served by nginx, which proxies /graphql to the API

ARG NODE_IMAGE=node:20-bookworm-slim

# npm as on the development machines, so `npm ci` reads the lockfile the same way.
FROM ${NODE_IMAGE} AS npm
RUN npm install -g npm@11.19.1
WORKDIR /app
COPY package.json package-lock.json ./

FROM npm AS build
RUN npm ci
COPY tsconfig.json angular.json ./
COPY api ./api
COPY client ./client
COPY schema ./schema
RUN npm run build

FROM npm AS production-dependencies
RUN npm ci --omit=dev && npm cache clean --force

FROM ${NODE_IMAGE} AS api
ENV NODE_ENV=production
WORKDIR /app
COPY --from=production-dependencies /app/package.json ./
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist/api ./dist/api
# The API keeps no files: PostgreSQL and the object store hold all state.
USER node
# Inside a container the API must listen beyond loopback; publish the port only where needed.
ENV HOST=0.0.0.0 PORT=4000
EXPOSE 4000
CMD ["node", "dist/api/main.js"]

FROM nginx:1.27-alpine AS client
COPY client/nginx.conf /etc/nginx/conf.d/default.conf
COPY --from=build /app/dist/client/browser /usr/share/nginx/html
