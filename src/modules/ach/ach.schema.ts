import { Type } from '@sinclair/typebox';
import { storedAmountToWire } from '../../platform/money.js';
import { Timestamp } from '../../platform/http/schemas.js';
import type { AchFileRecord, FileEntryView } from './files.repository.js';
import type { AchSettingsView } from './settings.service.js';

const NullableText = Type.Union([Type.String(), Type.Null()]);
const NullableTime = Type.Union([Timestamp, Type.Null()]);

export const AchFileSchema = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('created'), Type.Literal('sent'), Type.Literal('settled'), Type.Literal('voided')]),
  effectiveDate: Type.String({ description: 'The effective entry date, YYYY-MM-DD (the next banking day after the cut, or after the cut-off)' }),
  fileIdModifier: Type.String(),
  fileName: Type.String(),
  entryCount: Type.Integer({ description: 'Entry records in the file, offset entries included' }),
  payoutCount: Type.Integer(),
  creditTotal: Type.Integer(),
  debitTotal: Type.Integer({ description: 'The offset debits of a balanced file; 0 otherwise' }),
  byteLength: Type.Integer(),
  sha256: Type.String(),
  createdAt: Timestamp,
  createdBy: Type.String(),
  sentAt: NullableTime,
  settledAt: NullableTime,
  voidedAt: NullableTime,
  voidReason: NullableText,
});

export const fileName = (file: Pick<AchFileRecord, 'createdOn' | 'fileIdModifier'>) => `ach-${file.createdOn.replaceAll('-', '')}-${file.fileIdModifier}.txt`;

export const renderFile = (file: AchFileRecord) => ({
  id: file.id,
  status: file.status as 'created' | 'sent' | 'settled' | 'voided',
  effectiveDate: file.effectiveDate,
  fileIdModifier: file.fileIdModifier,
  fileName: fileName(file),
  entryCount: file.entryCount,
  payoutCount: file.payoutCount,
  creditTotal: storedAmountToWire(file.creditTotal),
  debitTotal: storedAmountToWire(file.debitTotal),
  byteLength: file.byteLength ?? 0,
  sha256: file.sha256 ?? '',
  createdAt: file.createdAt.toISOString(),
  createdBy: file.createdBy,
  sentAt: file.sentAt?.toISOString() ?? null,
  settledAt: file.settledAt?.toISOString() ?? null,
  voidedAt: file.voidedAt?.toISOString() ?? null,
  voidReason: file.voidReason,
});

export const FileEntrySchema = Type.Object({
  id: Type.String(),
  payoutId: Type.String(),
  recipientId: Type.String(),
  traceNumber: Type.String(),
  secCode: Type.String(),
  amount: Type.Integer(),
  accountLast4: Type.String(),
  accountType: Type.String(),
  holderName: Type.String(),
  payoutStatus: Type.String(),
  active: Type.Boolean({ description: 'False once its file was voided' }),
});

export const renderEntry = (e: FileEntryView) => ({ ...e, amount: storedAmountToWire(e.amount) });

const AccountType = Type.Union([Type.Literal('checking'), Type.Literal('savings')]);

export const AchSettingsBody = Type.Object(
  {
    odfiRouting: Type.String({ maxLength: 20 }),
    immediateDestination: Type.Optional(Type.String({ maxLength: 20, description: 'Default: the ODFI routing number' })),
    immediateDestinationName: Type.String({ maxLength: 100 }),
    immediateOrigin: Type.String({ maxLength: 20 }),
    immediateOriginName: Type.String({ maxLength: 100 }),
    companyId: Type.String({ maxLength: 20 }),
    companyName: Type.String({ maxLength: 100 }),
    companyEntryDescription: Type.String({ maxLength: 100 }),
    balanced: Type.Optional(Type.Boolean()),
    offsetRoutingNumber: Type.Optional(Type.Union([Type.String({ maxLength: 20 }), Type.Null()])),
    offsetAccountNumber: Type.Optional(Type.Union([Type.String({ maxLength: 40 }), Type.Null()], { description: 'Write-only; omit to keep the stored one' })),
    offsetAccountType: Type.Optional(Type.Union([AccountType, Type.Null()])),
    cutoffTime: Type.Optional(Type.String({ maxLength: 10, description: 'HH:MM in ACH_TIMEZONE; default 16:00' })),
  },
  { additionalProperties: false },
);

export const AchSettingsViewSchema = Type.Object({
  configured: Type.Boolean(),
  problems: Type.Array(Type.String()),
  settings: Type.Union([
    Type.Object({
      odfiRouting: Type.String(),
      immediateDestination: Type.String(),
      immediateDestinationName: Type.String(),
      immediateOrigin: Type.String(),
      immediateOriginName: Type.String(),
      companyId: Type.String(),
      companyName: Type.String(),
      companyEntryDescription: Type.String(),
      balanced: Type.Boolean(),
      offsetRoutingNumber: NullableText,
      offsetAccountLast4: NullableText,
      offsetAccountType: Type.Union([AccountType, Type.Null()]),
      cutoffTime: Type.String(),
      timeZone: Type.String(),
      updatedAt: Timestamp,
    }),
    Type.Null(),
  ]),
});

export const renderSettings = (v: AchSettingsView) => ({
  configured: v.configured,
  problems: v.problems,
  settings: v.settings && { ...v.settings, updatedAt: v.settings.updatedAt.toISOString() },
});
