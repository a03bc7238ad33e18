import { Type } from '@sinclair/typebox';
import type { AppInstance } from './app-instance.js';
import { AppError } from './errors.js';

export async function healthRoutes(app: AppInstance) {
  app.get('/healthz', {
    config: { public: true },
    schema: {
      tags: ['Operations'],
      summary: 'Liveness and database health',
      security: [],
      response: { 200: Type.Object({ data: Type.Object({ status: Type.Literal('ok'), database: Type.String() }) }) },
    },
    handler: async () => {
      try {
        await app.db.ping();
      } catch {
        throw new AppError('service_unavailable', 'The database is not reachable.');
      }
      return { data: { status: 'ok' as const, database: app.db.kind } };
    },
  });
}
