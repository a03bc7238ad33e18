import { Type } from '@sinclair/typebox';
import { Timestamp } from '../../platform/http/schemas.js';
import type { ApiKeyRecord } from './api-keys.repository.js';

export const ApiKeySchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    environment: Type.Union([Type.Literal('sandbox'), Type.Literal('production')]),
    prefix: Type.String({ description: 'The first characters of the key, shown to tell keys apart.' }),
    last4: Type.String(),
    createdBy: Type.String(),
    createdAt: Timestamp,
    lastUsedAt: Type.Union([Timestamp, Type.Null()]),
    revokedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { $id: 'ApiKey' },
);

export const renderApiKey = (key: ApiKeyRecord) => ({
  id: key.id,
  name: key.name,
  environment: key.environment,
  prefix: key.prefix,
  last4: key.last4,
  createdBy: key.createdBy,
  createdAt: key.createdAt.toISOString(),
  lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
  revokedAt: key.revokedAt?.toISOString() ?? null,
});
