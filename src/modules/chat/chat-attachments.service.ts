import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { createReadStream, type ReadStream } from 'node:fs';
import { join } from 'node:path';
import { AuthUser } from 'src/common/auth/auth-user';
import { discardStoredFiles, MultipartFileError, storeMultipartFiles } from 'src/common/http/multipart-files';
import { AppConfigService } from 'src/config/app-config.service';
import { OrgContext } from 'src/modules/organizations/organization.decorators';
import { ChatAttachment } from './chat-attachment.entity';
import { ChatAttachmentDto } from './chat.dto';
import { ChatError, ChatErrorCode } from './chat.errors';
import { toAttachmentDto } from './chat-attachments';
import { ChatMembersService } from './chat-members.service';
import { assertWritable } from './chat-messages.service';

/** Uploading files into a conversation and downloading them (members only). */
@Injectable()
export class ChatAttachmentsService {
  constructor(
    private readonly em: EntityManager,
    private readonly config: AppConfigService,
    private readonly chat: ChatMembersService,
  ) {}

  /** `STORAGE_DIR/chat-attachments/<conversation>/<attachment>`. */
  path(conversationId: string, attachmentId: string): string {
    return join(this.config.storage.dir, 'chat-attachments', conversationId, attachmentId);
  }

  /** Streams each `file` part to storage; the files stay visible only to the uploader until a message names them. */
  async upload(
    org: OrgContext,
    actor: AuthUser,
    conversationId: string,
    request: FastifyRequest,
  ): Promise<ChatAttachmentDto[]> {
    assertWritable(await this.chat.membership(org, actor, conversationId));
    const files = await storeMultipartFiles(request, this.config.chatAttachments, (id) =>
      this.path(conversationId, id),
    ).catch((error: unknown) => {
      throw uploadError(error);
    });
    const em = this.em.fork();
    const rows = files.map((f) =>
      em.create(ChatAttachment, {
        id: f.id,
        conversation: conversationId,
        uploader: actor.id,
        filename: f.filename,
        contentType: f.contentType,
        size: f.size,
        sha256: f.sha256,
      }),
    );
    try {
      await em.flush();
    } catch (error) {
      await discardStoredFiles(files);
      throw error;
    }
    return rows.map(toAttachmentDto);
  }

  /**
   * Opens a file for a member: attached to a message that is not deleted, or the caller's own pending upload.
   * Anything else is 404, whatever exists.
   */
  async open(
    org: OrgContext,
    actor: AuthUser,
    conversationId: string,
    attachmentId: string,
  ): Promise<{ meta: ChatAttachmentDto; stream: ReadStream }> {
    await this.chat.membership(org, actor, conversationId);
    const attachment = await this.em.findOne(
      ChatAttachment,
      { id: attachmentId, conversation: conversationId },
      { populate: ['message'] },
    );
    const visible =
      attachment && (attachment.message ? !attachment.message.deletedAt : attachment.uploader.id === actor.id);
    if (!attachment || !visible) {
      throw new ChatError(ChatErrorCode.AttachmentNotFound, `attachment ${attachmentId}`);
    }
    const stream = createReadStream(this.path(conversationId, attachment.id));
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (error) => reject(error));
    }).catch(() => {
      throw new ChatError(ChatErrorCode.AttachmentNotFound, `attachment ${attachmentId}: the file is missing`);
    });
    return { meta: toAttachmentDto(attachment), stream };
  }
}

function uploadError(error: unknown): unknown {
  if (!(error instanceof MultipartFileError)) {
    return error;
  }
  const tooLarge = error.problem === 'too_large' || error.problem === 'too_many_files';
  return new ChatError(tooLarge ? ChatErrorCode.AttachmentTooLarge : ChatErrorCode.UploadInvalid, error.message, {
    ...error.details,
  });
}
