// The dashboard's home page: read-only aggregates over the other modules' data.
export { default as overviewRoutes } from './overview.routes.js';
