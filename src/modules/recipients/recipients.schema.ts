import { Type } from '@sinclair/typebox';
import type { CsvColumn } from '../../platform/http/csv.js';
import { IncludeTotalQuery, SearchQuery, Timestamp } from '../../platform/http/schemas.js';
import { linkFor, type LinkConfig } from '../../platform/links.js';
import type { PayoutMethodRecord } from './payout-methods.repository.js';
import { maskEmail, maskPayoutMethod, recipientStatus } from './payout-methods.service.js';
import type { Recipient } from './recipients.repository.js';

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Email = Type.String({ format: 'email', maxLength: 320 });
const NullableText = Type.Union([Type.String(), Type.Null()]);
const MaskedMethod = Type.Union([
  Type.Object({ type: Type.Literal('us_bank_account'), last4: Type.String(), holderType: Type.Union([Type.Literal('individual'), Type.Literal('business')]) }),
  Type.Object({ type: Type.Literal('paypal'), email: Type.String({ description: 'Masked: `j***@example.com`.' }) }),
]);

/** PUT /recipients/{id}/payout-method: the fields of either type; the service checks each field's rules. */
export const PayoutMethodBody = Type.Object(
  {
    type: Type.Union([Type.Literal('us_bank_account'), Type.Literal('paypal')]),
    accountHolderName: Type.Optional(Type.String({ maxLength: 200, description: '`us_bank_account`' })),
    accountHolderType: Type.Optional(Type.Union([Type.Literal('individual'), Type.Literal('business')], { description: '`us_bank_account`' })),
    routingNumber: Type.Optional(Type.String({ maxLength: 40, description: '`us_bank_account`: 9 digits, ABA check digit verified' })),
    accountNumber: Type.Optional(Type.String({ maxLength: 40, description: '`us_bank_account`: 4–17 digits; stored encrypted, shown as its last 4' })),
    accountType: Type.Optional(Type.Union([Type.Literal('checking'), Type.Literal('savings')], { description: '`us_bank_account`' })),
    email: Type.Optional(Type.String({ maxLength: 320, description: '`paypal`: the PayPal account email' })),
  },
  { additionalProperties: false },
);

const ActorSchema = Type.Object({
  kind: Type.Union([Type.Literal('recipient'), Type.Literal('user'), Type.Literal('api_key'), Type.Literal('bank')]),
  id: Type.Union([Type.String(), Type.Null()]),
});

export const PayoutMethodHistorySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  type: Type.Union([Type.Literal('us_bank_account'), Type.Literal('paypal')]),
  accountHolderName: NullableText,
  holderType: NullableText,
  accountType: NullableText,
  routingNumber: NullableText,
  last4: NullableText,
  email: Type.Union([Type.String({ description: 'Masked.' }), Type.Null()]),
  active: Type.Boolean(),
  setBy: ActorSchema,
  createdAt: Timestamp,
  removedAt: Type.Union([Timestamp, Type.Null()]),
  removal: Type.Union([Type.Literal('replaced'), Type.Literal('removed'), Type.Null()]),
  removedBy: Type.Union([ActorSchema, Type.Null()]),
});

export const renderPayoutMethodHistory = (m: PayoutMethodRecord) => ({
  id: m.id,
  type: m.type,
  accountHolderName: m.accountHolderName,
  holderType: m.accountHolderType,
  accountType: m.accountType,
  routingNumber: m.routingNumber,
  last4: m.accountNumberLast4,
  email: m.paypalEmail === null ? null : maskEmail(m.paypalEmail),
  active: m.removedAt === null,
  setBy: { kind: m.setByKind, id: m.setById },
  createdAt: m.createdAt.toISOString(),
  removedAt: m.removedAt?.toISOString() ?? null,
  removal: m.removal,
  removedBy: m.removedByKind === null ? null : { kind: m.removedByKind, id: m.removedById },
});

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
    status: Type.Union([Type.Literal('invited'), Type.Literal('action_needed'), Type.Literal('ready')], {
      description:
        'Extension: `ready` (a payout method on file and, when `shouldCollectTaxInfo`, a valid tax form), `action_needed` (something is needed from the recipient; see `actionNeededReason`), or `invited`.',
    }),
    payoutMethod: Type.Union([MaskedMethod, Type.Null()], { description: 'Extension: the active payout method, masked (last 4 digits only).' }),
    country: Type.Union([Type.String(), Type.Null()], { description: 'Extension: ISO 3166-1 alpha-2, as the recipient gave it.' }),
    actionNeededReason: Type.Union([Type.String(), Type.Null()], { description: 'Extension: why the recipient is not ready.' }),
    taxFormState: Type.Union([Type.Literal('valid'), Type.Literal('backup_withholding'), Type.Literal('expired'), Type.Null()], {
      description:
        'Extension: the current tax form (see `GET /tax-forms?recipientId=`): none (null), `valid`, `backup_withholding` (certification item 2 struck: payouts are held) or `expired` (a W-8BEN past its end).',
    }),
    payoutsHeldUntil: Type.Union([Timestamp, Type.Null()], {
      description: 'Extension: after a payout method was replaced, its payouts are not paid before this time.',
    }),
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
    status: Type.Optional(Type.Union([Type.Literal('invited'), Type.Literal('action_needed'), Type.Literal('ready')])),
    ...SearchQuery('the email, first name, last name or "first last"'),
    ...IncludeTotalQuery,
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

/** The recipients export: who they are and where they stand; of a payout method only its type. */
export const RECIPIENT_CSV_COLUMNS: CsvColumn<Recipient>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'email', value: (r) => r.email },
  { header: 'firstName', value: (r) => r.firstName },
  { header: 'lastName', value: (r) => r.lastName },
  { header: 'nickname', value: (r) => r.nickname },
  { header: 'status', value: (r) => recipientStatus(r) },
  { header: 'payoutMethod', value: (r) => r.payoutMethod?.type ?? null },
  { header: 'country', value: (r) => r.country },
  { header: 'autoAcceptPayouts', value: (r) => r.autoAcceptPayouts },
  { header: 'emailUndeliverable', value: (r) => r.emailUndeliverable },
  { header: 'createdAt', value: (r) => r.createdAt },
];

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
  status: recipientStatus(r),
  payoutMethod: maskPayoutMethod(r.payoutMethod),
  country: r.country,
  actionNeededReason: r.actionNeededReason,
  taxFormState: r.taxFormState,
  payoutsHeldUntil: r.payoutsHeldUntil && r.payoutsHeldUntil > new Date() ? r.payoutsHeldUntil.toISOString() : null,
});
