import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RouteOptions } from 'fastify';
import type { Config } from '../../config.js';
import type { Database } from '../db/database.js';

// The app's type lives here, below the modules, so route files import nothing from app.ts.
declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
    config: Readonly<Config>;
    /** Every route as registered, for the route-walking security and input suites. */
    registeredRoutes: RouteOptions[];
  }
}

/** The HTTP app every route plugin is registered on: Fastify with TypeBox types, the database and the configuration. */
export type AppInstance = FastifyInstance<Server, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;
