import { Type } from '@sinclair/typebox';
import { Timestamp } from '../../platform/http/schemas.js';
import { linkFor, type LinkConfig } from '../../platform/links.js';
import type { Recipient } from './recipients.repository.js';

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Email = Type.String({ format: 'email', maxLength: 320 });
const NullableText = Type.Union([Type.String(), Type.Null()]);

export const RecipientSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    firstName: NullableText,
    lastName: NullableText,
    email: Type.String(),
    nickname: NullableText,
    createdAt: Timestamp,
    onboardingUrl: Type.String({ description: 'Where the recipient sets up how to be paid.' }),
    autoAcceptPayouts: Type.Boolean(),
    shouldCollectTaxInfo: Type.Boolean(),
    emailUndeliverable: Type.Boolean({ description: "Extension: true after the recipient's mail server permanently refused an email." }),
  },
  { $id: 'Recipient' },
);

export const CreateRecipientsBody = Type.Object(
  {
    recipients: Type.Array(
      Type.Object(
        {
          firstName: Name,
          lastName: Name,
          email: Email,
          nickname: Type.Optional(Type.String({ maxLength: 200 })),
          shouldCollectTaxInfo: Type.Optional(Type.Boolean()),
          autoAcceptPayouts: Type.Optional(Type.Boolean({ description: 'Extension: pay without waiting for acceptance.' })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 10_000 },
    ),
  },
  { additionalProperties: false },
);

export const UpdateRecipientBody = Type.Object(
  {
    firstName: Type.Optional(Name),
    lastName: Type.Optional(Name),
    nickname: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
    shouldCollectTaxInfo: Type.Optional(Type.Boolean()),
    autoAcceptPayouts: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ListRecipientsQuery = Type.Object(
  {
    email: Type.Optional(Type.String({ maxLength: 320 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
    cursor: Type.Optional(
      Type.String({
        maxLength: 200,
        description: 'Opaque paging cursor: pass the `nextCursor` of the previous page unchanged. Its content is not part of the API.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const renderRecipient = (links: LinkConfig) => (r: Recipient) => ({
  id: r.id,
  firstName: r.firstName,
  lastName: r.lastName,
  email: r.email,
  nickname: r.nickname,
  createdAt: r.createdAt.toISOString(),
  onboardingUrl: linkFor(links, 'recipient', r.id),
  autoAcceptPayouts: r.autoAcceptPayouts,
  shouldCollectTaxInfo: r.shouldCollectTaxInfo,
  emailUndeliverable: r.emailUndeliverable,
});
