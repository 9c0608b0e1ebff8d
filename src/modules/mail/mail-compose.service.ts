import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { ImapFlow } from 'imapflow';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppConfigService } from 'src/config/app-config.service';
import { MailAccount } from './mail-account.entity';
import { FolderRole, MailFolder } from './mail-folder.entity';
import { MailInteractiveService } from './mail-interactive.service';
import { MailAddress, MailMessage } from './mail-message.entity';
import { ComposeMailDto, RecipientDto } from './mail-send.dto';
import { ReferenceMode, SubmissionContent } from './mail-submission.entity';
import { MailUpload } from './mail-upload.entity';
import { MailError, MailErrorCode } from './mail.errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** References kept on a reply: the thread's first id and the latest ones (RFC 5322 §3.6.4 allows trimming). */
const MAX_REFERENCES = 30;

const bare = (id: string): string => id.trim().replace(/^<|>$/g, '');
const bracketed = (id: string): string => `<${id}>`;
const lower = (a: MailAddress): string => (a.address ?? '').toLowerCase();

function addresses(list: RecipientDto[] | undefined): MailAddress[] {
  return (list ?? []).map((r) => ({ name: r.name ?? null, address: r.address }));
}

/** Addresses without duplicates (case-insensitive) and without those in `exclude`. */
function unique(list: MailAddress[], exclude: Set<string> = new Set()): MailAddress[] {
  const seen = new Set(exclude);
  return list.filter((a) => {
    const key = lower(a);
    if (!key || seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}

function prefixed(prefix: 'Re' | 'Fwd', subject: string | undefined): string {
  const original = subject ?? '';
  const already = prefix === 'Re' ? /^\s*re\s*:/i : /^\s*(fwd?|fw)\s*:/i;
  return already.test(original) ? original : `${prefix}: ${original}`.trimEnd();
}

const toNodemailer = (a: MailAddress): Mail.Address => ({ name: a.name ?? '', address: a.address ?? '' });

/**
 * Turns a compose request into the stored `SubmissionContent` (recipients and headers of a reply filled from the
 * original, attachments checked), and a stored submission into its raw RFC 822 bytes (nodemailer's MailComposer),
 * composed once and then reused for SMTP and the Sent copy.
 */
@Injectable()
export class MailComposeService {
  constructor(
    private readonly em: EntityManager,
    private readonly config: AppConfigService,
    private readonly interactive: MailInteractiveService,
  ) {}

  /** `STORAGE_DIR/mail-uploads/<account>/<upload>`. */
  uploadPath(accountId: string, uploadId: string): string {
    return join(this.config.storage.dir, 'mail-uploads', accountId, uploadId);
  }

  /**
   * The path of the account's Sent or Drafts folder: the synced folder with that role, else what the server's LIST
   * says (RFC 6154 special-use), for an account whose folders are not synced yet. Undefined when there is none.
   */
  async specialFolder(
    client: ImapFlow,
    account: MailAccount,
    role: FolderRole.Sent | FolderRole.Drafts,
  ): Promise<string | undefined> {
    const synced = await this.em.findOne(MailFolder, { account: account.id, role });
    if (synced) {
      return synced.path;
    }
    const specialUse = role === FolderRole.Sent ? '\\Sent' : '\\Drafts';
    const names = role === FolderRole.Sent ? /^(sent|sent items|sent messages|sent mail)$/i : /^drafts?$/i;
    const folders = await client.list();
    return (folders.find((f) => f.specialUse === specialUse) ?? folders.find((f) => names.test(f.name)))?.path;
  }

  newMessageId(account: MailAccount): string {
    const domain = account.email.slice(account.email.lastIndexOf('@') + 1) || 'switchboard.localhost';
    return `${randomUUID()}@${domain}`;
  }

  async resolve(account: MailAccount, dto: ComposeMailDto): Promise<SubmissionContent> {
    const content: SubmissionContent = {
      to: addresses(dto.to),
      cc: addresses(dto.cc),
      bcc: addresses(dto.bcc),
      replyTo: addresses(dto.replyTo),
      subject: dto.subject ?? '',
      text: dto.text ?? null,
      html: dto.html ?? null,
      attachments: await this.attachments(account, dto),
      inReplyTo: null,
      references: [],
      forward: null,
    };
    if (dto.inReplyTo !== undefined) {
      await this.applyReference(account, content, dto, dto.mode ?? ReferenceMode.Reply);
    }
    const self = new Set([account.email.toLowerCase()]);
    content.to = unique(content.to);
    content.cc = unique(content.cc, new Set(content.to.map(lower)));
    content.bcc = unique(content.bcc, new Set([...content.to, ...content.cc].map(lower)));
    // A reply-all never goes back to the sender's own address (unless they named it themselves).
    if (dto.mode === ReferenceMode.ReplyAll) {
      const named = new Set([...addresses(dto.to), ...addresses(dto.cc)].map(lower));
      const keep = (a: MailAddress): boolean => !self.has(lower(a)) || named.has(lower(a));
      content.to = content.to.filter(keep);
      content.cc = content.cc.filter(keep);
    }
    return content;
  }

  private async attachments(account: MailAccount, dto: ComposeMailDto): Promise<SubmissionContent['attachments']> {
    const refs = dto.attachments ?? [];
    const limits = this.config.mailSend;
    if (refs.length > limits.attachmentMaxFiles) {
      throw new MailError(MailErrorCode.UploadInvalid, `At most ${limits.attachmentMaxFiles} attachments`, {
        field: 'attachments',
      });
    }
    if (refs.length === 0) {
      return [];
    }
    const uploads = await this.em.find(MailUpload, { id: { $in: refs.map((r) => r.uploadId) }, account: account.id });
    const byId = new Map(uploads.map((u) => [u.id, u]));
    const resolved = refs.map((ref, i) => {
      const upload = byId.get(ref.uploadId);
      if (!upload) {
        throw new MailError(MailErrorCode.UploadNotFound, `Upload ${ref.uploadId} not found in this account`, {
          field: `attachments.${i}.uploadId`,
        });
      }
      return {
        uploadId: upload.id,
        filename: ref.filename ?? upload.filename,
        contentType: upload.contentType,
        size: upload.size,
      };
    });
    const total = resolved.reduce((sum, a) => sum + a.size, 0);
    if (total > limits.attachmentMaxBytes) {
      throw new MailError(
        MailErrorCode.AttachmentTooLarge,
        `Attachments total ${total} bytes, over the limit of ${limits.attachmentMaxBytes}`,
        { field: 'attachments', limit: limits.attachmentMaxBytes },
      );
    }
    return resolved;
  }

  private async applyReference(
    account: MailAccount,
    content: SubmissionContent,
    dto: ComposeMailDto,
    mode: ReferenceMode,
  ): Promise<void> {
    const ref = dto.inReplyTo!;
    const original = await this.em.findOne(
      MailMessage,
      UUID.test(ref) ? { id: ref, account: account.id } : { messageId: bare(ref), account: account.id },
      { populate: ['folder'], orderBy: { internalDate: 'desc' } },
    );
    if (!original) {
      throw new MailError(MailErrorCode.MessageNotFound, `Message ${ref} not found in this account`, {
        field: 'inReplyTo',
      });
    }
    const references = [...original.references, ...(original.messageId ? [original.messageId] : [])];
    content.references =
      references.length > MAX_REFERENCES ? [references[0], ...references.slice(-(MAX_REFERENCES - 1))] : references;
    if (mode === ReferenceMode.Forward) {
      content.subject = dto.subject ?? prefixed('Fwd', original.subject);
      content.forward = {
        messageId: original.messageId ?? original.id,
        folderPath: original.folder.path,
        uidValidity: original.uidValidity,
        uid: original.uid,
        subject: original.subject ?? 'message',
      };
      return;
    }
    content.inReplyTo = original.messageId ?? null;
    content.subject = dto.subject ?? prefixed('Re', original.subject);
    const self = account.email.toLowerCase();
    const sender = original.replyTo.length > 0 ? original.replyTo : original.from ? [original.from] : [];
    // Answering one's own sent message goes to its recipients, as mail clients do.
    const fromSelf = sender.every((a) => lower(a) === self);
    const primary = fromSelf ? original.to : sender;
    content.to = [...primary, ...content.to];
    if (mode === ReferenceMode.ReplyAll) {
      content.cc = [...(fromSelf ? [] : original.to), ...original.cc, ...content.cc];
    }
  }

  /** The raw message of a submission: the same bytes go to SMTP and into the Sent folder. */
  async compose(account: MailAccount, content: SubmissionContent, messageId: string, date: Date): Promise<Buffer> {
    const attachments: Mail.Attachment[] = [];
    for (const a of content.attachments) {
      attachments.push({
        filename: a.filename,
        contentType: a.contentType,
        content: await readFile(this.uploadPath(account.id, a.uploadId)),
      });
    }
    if (content.forward) {
      const forward = content.forward;
      const source = await this.interactive.run(account, async (client) => {
        const lock = await client.getMailboxLock(forward.folderPath, { readOnly: true });
        try {
          const fetched = await client.fetchOne(forward.uid, { source: true }, { uid: true });
          return fetched ? fetched.source : undefined;
        } finally {
          lock.release();
        }
      });
      if (!source) {
        throw new MailError(MailErrorCode.MessageNotFound, 'The forwarded message is no longer on the server', {
          field: 'inReplyTo',
        });
      }
      attachments.push({
        filename: `${forward.subject.replace(/[\\/:*?"<>|\r\n]+/g, '_').slice(0, 200)}.eml`,
        contentType: 'message/rfc822',
        contentDisposition: 'attachment',
        content: source,
      });
    }
    const composer = new MailComposer({
      from: { name: account.name ?? '', address: account.email },
      to: content.to.map(toNodemailer),
      cc: content.cc.map(toNodemailer),
      bcc: content.bcc.map(toNodemailer),
      replyTo: content.replyTo.length > 0 ? content.replyTo.map(toNodemailer) : undefined,
      subject: content.subject,
      text: content.text ?? undefined,
      html: content.html ?? undefined,
      messageId: bracketed(messageId),
      date,
      inReplyTo: content.inReplyTo ? bracketed(content.inReplyTo) : undefined,
      references: content.references.length > 0 ? content.references.map(bracketed) : undefined,
      attachments,
    });
    // keepBcc stays off: Bcc recipients are in the SMTP envelope only, never in the headers anyone receives.
    return new Promise<Buffer>((resolve, reject) =>
      composer.compile().build((error, message) => (error ? reject(error) : resolve(message))),
    );
  }
}
