import { Type } from '@sinclair/typebox';
import { PageQuery, Timestamp } from '../../platform/http/schemas.js';
import type { TaxForm } from './tax-form.js';

// The API's view of a signed tax form: masked. Never a TIN (only its last 4), a date of birth or
// an address; those are in the sealed details, shown only on the PDFs (masked) and the filing copy.

const NullableText = Type.Union([Type.String(), Type.Null()]);

export const FORM_TYPE_NAMES = { w9: 'W-9', w8ben: 'W-8BEN' } as const;

export const TaxFormSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    recipientId: Type.String({ format: 'uuid' }),
    formType: Type.Union([Type.Literal('W-9'), Type.Literal('W-8BEN')]),
    legalName: Type.String({ description: 'Line 1: the name on the tax return (W-9) or of the beneficial owner (W-8BEN).' }),
    businessName: Type.Union([Type.String(), Type.Null()], { description: 'W-9 line 2, when given.' }),
    taxClassification: Type.Union([Type.String(), Type.Null()], {
      description: 'W-9 line 3a: individual, c_corporation, s_corporation, partnership, trust_estate, llc_c, llc_s, llc_p or other; null on a W-8BEN.',
    }),
    tinType: Type.Union([Type.Literal('ssn'), Type.Literal('ein'), Type.Null()], {
      description: '`ssn` (an ITIN is entered as an SSN) or `ein`; null on a W-8BEN without a US TIN.',
    }),
    tinLast4: Type.Union([Type.String(), Type.Null()], { description: 'The last 4 digits of the TIN; the full TIN is never answered.' }),
    backupWithholding: Type.Boolean({
      description: "W-9 certification item 2 struck: the recipient's payouts are held (backup withholding is not supported).",
    }),
    signedAt: Timestamp,
    expiresAt: Type.Union([Timestamp, Type.Null()], {
      description: 'A W-8BEN stops being valid at the first instant (UTC) of the fourth calendar year after signing; null on a W-9.',
    }),
    supersededAt: Type.Union([Timestamp, Type.Null()], { description: "When a newer form replaced this one; null for the recipient's current form." }),
    createdAt: Timestamp,
    signature: Type.Object(
      {
        name: Type.String({ description: 'The typed signature.' }),
        signedAt: Timestamp,
        ipAddress: NullableText,
        userAgent: NullableText,
      },
      { description: 'Who signed: the typed name, when, and from where (the portal session is kept but not shown).' },
    ),
  },
  { $id: 'TaxForm' },
);

export const ListTaxFormsQuery = Type.Object(
  { ...PageQuery, recipientId: Type.Optional(Type.String({ format: 'uuid', description: "Only this recipient's forms (current and superseded)." })) },
  { additionalProperties: false },
);

export const renderTaxForm = (f: TaxForm) => ({
  id: f.id,
  recipientId: f.recipientId,
  formType: FORM_TYPE_NAMES[f.formType],
  legalName: f.legalName,
  businessName: f.businessName,
  taxClassification: f.taxClassification,
  tinType: f.tinType,
  tinLast4: f.tinLast4,
  backupWithholding: f.backupWithholding,
  signedAt: f.signer.signedAt.toISOString(),
  expiresAt: f.expiresAt?.toISOString() ?? null,
  supersededAt: f.supersededAt?.toISOString() ?? null,
  createdAt: f.createdAt.toISOString(),
  signature: { name: f.signer.signature, signedAt: f.signer.signedAt.toISOString(), ipAddress: f.signer.ip, userAgent: f.signer.userAgent },
});
