import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { MailParser, type AttachmentStream, type MessageText } from 'mailparser';
import { PassThrough, type Readable } from 'node:stream';
import { AuthUser } from 'src/common/auth/auth-user';
import { OrgContext } from 'src/modules/organizations/organization.decorators';
import { MailInteractiveService, WITH_ACCOUNT_CREDENTIALS } from './mail-interactive.service';
import { AttachmentMeta, MailMessage } from './mail-message.entity';
import { MailError, MailErrorCode } from './mail.errors';

export interface AttachmentDownload {
  meta: AttachmentMeta;
  stream: Readable;
}

/**
 * Attachment content is not stored: it is fetched on demand from the IMAP server over the interactive lane and
 * streamed to the client as it is decoded. The message's source is piped through mailparser's streaming parser (the
 * same parser that numbered the attachments at sync time, so `index` means the same thing); the other attachments
 * are drained, the one asked for is piped out with backpressure, and nothing is held in memory whole.
 */
@Injectable()
export class MailAttachmentsService {
  private readonly logger = new Logger(MailAttachmentsService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly interactive: MailInteractiveService,
  ) {}

  async open(org: OrgContext, actor: AuthUser, id: string, index: number): Promise<AttachmentDownload> {
    const message = await this.em.findOne(
      MailMessage,
      { id, account: { organization: org.id, user: actor.id } },
      { populate: WITH_ACCOUNT_CREDENTIALS },
    );
    if (!message) {
      throw new MailError(MailErrorCode.MessageNotFound, `Message ${id} not found`);
    }
    const meta = message.attachments.find((a) => a.index === index);
    if (!meta) {
      throw new MailError(MailErrorCode.AttachmentNotFound, `Message ${id} has no attachment ${index}`, {
        field: 'index',
        attachments: message.attachments.length,
      });
    }

    const client = await this.interactive.open(message.account);
    let release: (() => void) | undefined;
    let finished = false;
    const finish = (): void => {
      if (finished) {
        return;
      }
      finished = true;
      release?.();
      client.logout().catch(() => client.close());
    };
    try {
      const lock = await client.getMailboxLock(message.folder.path);
      release = () => lock.release();
      if (String(client.mailbox ? client.mailbox.uidValidity : '') !== message.uidValidity) {
        throw new MailError(MailErrorCode.MessageGone, 'The folder changed on the server; it is being resynced');
      }
      const download = await client.download(message.uid, undefined, { uid: true });
      if (!download?.content) {
        throw new MailError(MailErrorCode.MessageGone, 'The message is no longer on the server');
      }
      const out = new PassThrough();
      const parser = new MailParser({ skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
      let seen = 0;
      let found = false;
      parser.on('data', (part: AttachmentStream | MessageText) => {
        if (part.type !== 'attachment') {
          return;
        }
        part.content.on('end', () => part.release?.());
        if (seen++ === index) {
          found = true;
          part.content.pipe(out);
        } else {
          part.content.resume();
        }
      });
      parser.on('end', () => {
        if (!found) {
          out.destroy(new Error(`attachment ${index} not found in the message source`));
        }
        finish();
      });
      const fail = (error: Error): void => {
        this.logger.warn({ messageId: id, index, err: error.message }, 'attachment download failed');
        out.destroy(error);
        finish();
      };
      parser.on('error', fail);
      download.content.on('error', fail);
      // A client that goes away stops the IMAP fetch too.
      out.on('close', () => {
        if (!finished) {
          download.content.destroy();
          finish();
        }
      });
      download.content.pipe(parser);
      return { meta, stream: out };
    } catch (error) {
      finish();
      throw error;
    }
  }
}
