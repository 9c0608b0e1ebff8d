import { simpleParser, type AddressObject, type EmailAddress } from 'mailparser';
import sanitizeHtml from 'sanitize-html';
import type { AttachmentMeta, MailAddress } from './mail-message.entity';

export interface ParsedBody {
  messageId?: string;
  inReplyTo?: string;
  references: string[];
  subject?: string;
  from?: MailAddress;
  to: MailAddress[];
  cc: MailAddress[];
  replyTo: MailAddress[];
  sentAt?: Date;
  textBody?: string;
  htmlBody?: string;
  preview: string;
  attachments: AttachmentMeta[];
}

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: sanitizeHtml.defaults.allowedTags.concat(['img', 'span', 'font', 'center', 'u', 's']),
  allowedAttributes: {
    ...sanitizeHtml.defaults.allowedAttributes,
    '*': ['style', 'align', 'dir', 'title', 'width', 'height', 'bgcolor', 'color'],
    img: ['src', 'alt', 'width', 'height'],
    a: ['href', 'name', 'target', 'rel'],
  },
  allowedSchemes: ['http', 'https', 'mailto', 'cid', 'data'],
  allowedSchemesByTag: { img: ['http', 'https', 'cid', 'data'] },
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer', target: '_blank' }) },
};

/** PostgreSQL text cannot hold NUL characters. */
const NUL = String.fromCharCode(0);

const stripBrackets = (id: string): string => id.trim().replace(/^<|>$/g, '');

function addresses(value: AddressObject | AddressObject[] | undefined): MailAddress[] {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  const flat: EmailAddress[] = [];
  const walk = (entries: EmailAddress[]): void => {
    for (const entry of entries) {
      if (entry.group) {
        walk(entry.group);
      } else {
        flat.push(entry);
      }
    }
  };
  list.forEach((obj) => walk(obj.value));
  return flat.map((a) => ({ name: a.name || null, address: a.address?.toLowerCase() ?? null }));
}

/** Parses a raw RFC 822 message into what Switchboard stores: headers, text, sanitized HTML, attachment metadata. */
export async function parseMessage(source: Buffer): Promise<ParsedBody> {
  // No textAsHtml (the HTML rendering of text/plain bodies): Switchboard stores the text and the sanitized HTML only.
  const mail = await simpleParser(source, { skipImageLinks: true, skipTextLinks: true, skipTextToHtml: true });
  const references = (Array.isArray(mail.references) ? mail.references : mail.references ? [mail.references] : [])
    .flatMap((r) => r.split(/\s+/))
    .filter(Boolean)
    .map(stripBrackets);
  const text = mail.text?.split(NUL).join('') ?? undefined;
  const html = typeof mail.html === 'string' ? sanitizeHtml(mail.html, SANITIZE) : undefined;
  const previewSource = text ?? (html ? sanitizeHtml(html, { allowedTags: [], allowedAttributes: {} }) : '');
  return {
    messageId: mail.messageId ? stripBrackets(mail.messageId) : undefined,
    inReplyTo: mail.inReplyTo ? stripBrackets(mail.inReplyTo.split(/\s+/)[0]) : undefined,
    references,
    subject: mail.subject?.split(NUL).join(''),
    from: addresses(mail.from)[0],
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    replyTo: addresses(mail.replyTo),
    sentAt: mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date : undefined,
    textBody: text,
    htmlBody: html,
    preview: previewSource.replace(/\s+/g, ' ').trim().slice(0, 200),
    attachments: mail.attachments.map((a, index) => ({
      index,
      filename: a.filename ?? null,
      contentType: a.contentType,
      size: a.size,
      contentId: a.contentId ? stripBrackets(a.contentId) : null,
      inline: a.contentDisposition === 'inline',
    })),
  };
}
