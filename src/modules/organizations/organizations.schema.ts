import { Type } from '@sinclair/typebox';
import { MAX_FUNDING_INSTRUCTIONS_LENGTH, MAX_REPLY_TO_LENGTH, MAX_SENDER_NAME_LENGTH } from './sender-settings.js';

function FundingInstructions() {
  return Type.Union([Type.String(), Type.Null()], {
    description: 'Where to wire money to fund production, shown as plain text on the Balance page; null for none.',
  });
}

export const SenderSettingsSchema = Type.Object({
  organizationName: Type.String(),
  senderName: Type.Union([Type.String(), Type.Null()], {
    description: "The display name in the From of this organization's emails; null shows the organization's name.",
  }),
  replyTo: Type.Union([Type.String(), Type.Null()], { description: 'The Reply-To address of its emails; null for none.' }),
  fundingInstructions: FundingInstructions(),
  timeZone: Type.String({ description: "IANA time zone in which the 1099-NEC report counts a payment's calendar year (default `UTC`)." }),
});

export const FundingInstructionsSchema = Type.Object({
  organizationId: Type.String({ description: 'The id to quote as the transfer reference.' }),
  fundingInstructions: FundingInstructions(),
});

// Lengths are checked by the service after trimming, with a message naming the field; the schema
// only keeps absurd bodies out.
export const UpdateSenderSettingsBody = Type.Object(
  {
    senderName: Type.Optional(
      Type.Union([Type.String({ maxLength: MAX_SENDER_NAME_LENGTH * 4 }), Type.Null()], {
        description: `One line, at most ${MAX_SENDER_NAME_LENGTH} characters, no < > @ ". null or "" goes back to the organization's name.`,
      }),
    ),
    replyTo: Type.Optional(
      Type.Union([Type.String({ maxLength: MAX_REPLY_TO_LENGTH * 2 }), Type.Null()], {
        description: 'A plain address (support@example.com). null or "" removes it.',
      }),
    ),
    fundingInstructions: Type.Optional(
      Type.Union([Type.String({ maxLength: MAX_FUNDING_INSTRUCTIONS_LENGTH * 2 }), Type.Null()], {
        description: `Plain text, at most ${MAX_FUNDING_INSTRUCTIONS_LENGTH} characters. null or "" removes them.`,
      }),
    ),
    timeZone: Type.Optional(
      Type.String({ maxLength: 64, description: 'An IANA time zone name such as `America/New_York` or `UTC`; checked against the zones the runtime knows.' }),
    ),
  },
  { additionalProperties: false },
);
