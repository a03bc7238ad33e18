import type { Executor } from '../../platform/db/database.js';

export interface Organization {
  id: string;
  name: string;
  isDefault: boolean;
  /** The display name of its emails' From; null means the organization's name. */
  senderName: string | null;
  /** The Reply-To of its emails; null means none. */
  replyTo: string | null;
  /** Where to wire money, shown on the Balance page in production; plain text. */
  fundingInstructions: string | null;
  /** IANA time zone the 1099-NEC report counts payment dates in (default 'UTC'). */
  timeZone: string;
  createdAt: Date;
}

interface OrganizationRow {
  id: string;
  name: string;
  is_default: boolean;
  sender_name: string | null;
  reply_to: string | null;
  funding_instructions: string | null;
  time_zone: string;
  created_at: Date;
}

const toOrganization = (row: OrganizationRow): Organization => ({
  id: row.id,
  name: row.name,
  isDefault: row.is_default,
  senderName: row.sender_name,
  replyTo: row.reply_to,
  fundingInstructions: row.funding_instructions,
  timeZone: row.time_zone,
  createdAt: row.created_at,
});

export async function insertOrganization(ex: Executor, id: string, name: string): Promise<Organization> {
  const rows = await ex.query<OrganizationRow>('insert into organizations (id, name) values ($1, $2) returning *', [id, name]);
  return toOrganization(rows[0]!);
}

export async function listOrganizations(ex: Executor): Promise<Organization[]> {
  const rows = await ex.query<OrganizationRow>('select * from organizations order by is_default desc, created_at, id');
  return rows.map(toOrganization);
}

export async function findOrganizationById(ex: Executor, id: string): Promise<Organization | undefined> {
  const rows = await ex.query<OrganizationRow>('select * from organizations where id = $1', [id]);
  return rows[0] && toOrganization(rows[0]);
}

export async function findDefaultOrganization(ex: Executor): Promise<Organization | undefined> {
  const rows = await ex.query<OrganizationRow>('select * from organizations where is_default');
  return rows[0] && toOrganization(rows[0]);
}

/** Sets the settings a patch names (`set*` true), leaving the others as they are, in one statement. */
export async function updateSenderSettings(
  ex: Executor,
  id: string,
  patch: {
    setSenderName: boolean;
    senderName: string | null;
    setReplyTo: boolean;
    replyTo: string | null;
    setFundingInstructions: boolean;
    fundingInstructions: string | null;
    /** null: leave it as it is. */
    timeZone: string | null;
  },
): Promise<Organization | undefined> {
  const rows = await ex.query<OrganizationRow>(
    `update organizations set sender_name = case when $2::boolean then $3::text else sender_name end,
       reply_to = case when $4::boolean then $5::text else reply_to end,
       funding_instructions = case when $6::boolean then $7::text else funding_instructions end,
       time_zone = coalesce($8::text, time_zone)
     where id = $1 returning *`,
    [id, patch.setSenderName, patch.senderName, patch.setReplyTo, patch.replyTo, patch.setFundingInstructions, patch.fundingInstructions, patch.timeZone],
  );
  return rows[0] && toOrganization(rows[0]);
}
