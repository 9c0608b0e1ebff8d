import { isoTimestamp } from 'src/database/select-rows';
import type { ContactStatus } from './contact.entity';
import type { ContactDto } from './campaigns.dto';

/** The columns a `ContactDto` is made of, for reads that answer with plain rows (`c` is `campaign_contacts`). */
export const CONTACT_COLUMNS =
  'c.id, c.email, c.name, c.attributes, c.tags, c.status, c.consent_source, c.consent_at, c.created_at, c.updated_at';

export interface ContactRow {
  id: string;
  email: string;
  name: string | null;
  attributes: Record<string, unknown>;
  tags: string[];
  status: ContactStatus;
  consent_source: string | null;
  consent_at: string | Date | null;
  created_at: string | Date;
  updated_at: string | Date;
}

export function contactRowToDto(row: ContactRow): ContactDto {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    attributes: row.attributes,
    tags: row.tags,
    status: row.status,
    consentSource: row.consent_source,
    consentAt: row.consent_at === null ? null : isoTimestamp(row.consent_at),
    createdAt: isoTimestamp(row.created_at),
    updatedAt: isoTimestamp(row.updated_at),
  };
}

/** The columns of a contacts export, in order (attributes as one JSON object, tags separated by `;`). */
export const CSV_COLUMNS = [
  'email',
  'name',
  'status',
  'tags',
  'attributes',
  'consent_source',
  'consent_at',
  'created_at',
];

export function contactCsvFields(row: ContactRow): string[] {
  const dto = contactRowToDto(row);
  return [
    dto.email,
    dto.name ?? '',
    dto.status,
    dto.tags.join(';'),
    Object.keys(dto.attributes).length > 0 ? JSON.stringify(dto.attributes) : '',
    dto.consentSource ?? '',
    dto.consentAt ?? '',
    dto.createdAt,
  ];
}

/**
 * One CSV record (RFC 4180): fields with a quote, comma or line break are quoted. A text field that a spreadsheet
 * would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a leading `'` (OWASP's CSV injection advice).
 */
export function csvLine(fields: readonly string[]): string {
  return fields
    .map((field) => {
      const safe = /^[=+\-@\t\r]/.test(field) ? `'${field}` : field;
      return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
    })
    .join(',');
}
