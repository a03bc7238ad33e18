/** What a delivery is about, as far as its body goes. */
export interface EnvelopeSource {
  id: string;
  eventType: string;
  eventCreatedAt: Date;
  subscriptionId: string;
  data: unknown;
}

/**
 * The body the receiver gets: Karat's shape, with our delivery id as the webhook id. The sender
 * and the deliveries log both build it here, so the log shows exactly what was (or will be) sent.
 */
export function webhookEnvelope(d: EnvelopeSource) {
  return { id: d.id, event: d.eventType, created_at: d.eventCreatedAt.toISOString(), subscription_id: d.subscriptionId, data: d.data };
}
