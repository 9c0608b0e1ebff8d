import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { ImapFlow } from 'imapflow';
import { AuthUser } from 'src/common/auth/auth-user';
import { OrgContext } from 'src/modules/organizations/organization.decorators';
import { RealtimeService } from 'src/realtime/realtime.service';
import { MailAccount } from './mail-account.entity';
import { MailInteractiveService, WITH_ACCOUNT_CREDENTIALS } from './mail-interactive.service';
import { FolderRole, MailFolder } from './mail-folder.entity';
import { MailMessage } from './mail-message.entity';
import { BulkActionDto, MailAction, UpdateMessageDto } from './mail-actions.dto';
import { MailError, MailErrorCode } from './mail.errors';

const FLAG_FOR: Record<'seen' | 'flagged', string> = { seen: '\\Seen', flagged: '\\Flagged' };

function groupBy<T>(items: T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    groups.set(k, [...(groups.get(k) ?? []), item]);
  }
  return [...groups.values()];
}

/**
 * Changes made by the user, written to the IMAP server first and then to the local copy. Each request uses its own
 * short-lived connection (the interactive lane), never the worker's sync/IDLE connection: a mark-as-read does not
 * wait behind a 10 000-message initial sync (EmailEngine's head-of-line blocking).
 */
@Injectable()
export class MailActionsService {
  constructor(
    private readonly em: EntityManager,
    private readonly interactive: MailInteractiveService,
    private readonly realtime: RealtimeService,
  ) {}

  async update(org: OrgContext, actor: AuthUser, id: string, dto: UpdateMessageDto): Promise<void> {
    const actions: MailAction[] = [];
    if (dto.seen !== undefined) {
      actions.push(dto.seen ? MailAction.Read : MailAction.Unread);
    }
    if (dto.flagged !== undefined) {
      actions.push(dto.flagged ? MailAction.Flag : MailAction.Unflag);
    }
    if (actions.length === 0) {
      // Nothing to change, but the message must still be one of the caller's (an empty body is no probe).
      const found = await this.em.count(MailMessage, { id, account: { organization: org.id, user: actor.id } });
      if (found === 0) {
        throw new MailError(MailErrorCode.MessageNotFound, `Message ${id} not found`);
      }
    }
    for (const action of actions) {
      await this.bulk(org, actor, { ids: [id], action });
    }
  }

  /** One IMAP command per folder touched, with the UID set of that folder's messages. */
  async bulk(org: OrgContext, actor: AuthUser, dto: BulkActionDto): Promise<{ affected: number }> {
    const messages = await this.em.find(
      MailMessage,
      { id: { $in: dto.ids }, account: { organization: org.id, user: actor.id } },
      { populate: WITH_ACCOUNT_CREDENTIALS },
    );
    if (messages.length !== new Set(dto.ids).size) {
      throw new MailError(MailErrorCode.MessageNotFound, 'Some messages were not found', {
        field: 'ids',
        missing: dto.ids.filter((id) => !messages.some((m) => m.id === id)),
      });
    }
    for (const group of groupBy(messages, (m) => m.account.id)) {
      await this.onAccount(group[0].account, group, dto);
    }
    return { affected: messages.length };
  }

  private async onAccount(account: MailAccount, messages: MailMessage[], dto: BulkActionDto): Promise<void> {
    const target = dto.action === MailAction.Move ? await this.targetFolder(account, dto.folderId) : undefined;
    const trash = dto.action === MailAction.Delete ? await this.roleFolder(account, FolderRole.Trash) : undefined;
    await this.interactive.run(account, async (client) => {
      for (const group of groupBy(messages, (m) => m.folder.id)) {
        const folder = group[0].folder;
        const uids = group.map((m) => m.uid).join(',');
        const lock = await client.getMailboxLock(folder.path);
        try {
          switch (dto.action) {
            case MailAction.Read:
            case MailAction.Unread:
            case MailAction.Flag:
            case MailAction.Unflag:
              await this.setFlag(client, uids, group, dto.action);
              break;
            case MailAction.Move:
              await this.move(client, uids, group, target!);
              break;
            case MailAction.Delete:
              if (!trash || folder.id === trash.id) {
                await client.messageDelete(uids, { uid: true });
                await this.em.nativeDelete(MailMessage, { id: { $in: group.map((m) => m.id) } });
                this.realtime.toUser(account.user.id, 'mail.deleted', {
                  accountId: account.id,
                  folderId: folder.id,
                  ids: group.map((m) => m.id),
                });
              } else {
                await this.move(client, uids, group, trash);
              }
              break;
          }
        } finally {
          lock.release();
        }
      }
    });
  }

  private async setFlag(client: ImapFlow, uids: string, group: MailMessage[], action: MailAction): Promise<void> {
    const flag = action === MailAction.Read || action === MailAction.Unread ? FLAG_FOR.seen : FLAG_FOR.flagged;
    const add = action === MailAction.Read || action === MailAction.Flag;
    if (add) {
      await client.messageFlagsAdd(uids, [flag], { uid: true });
    } else {
      await client.messageFlagsRemove(uids, [flag], { uid: true });
    }
    for (const message of group) {
      const flags = new Set(message.flags);
      if (add) {
        flags.add(flag);
      } else {
        flags.delete(flag);
      }
      message.flags = [...flags].sort();
      message.seen = flags.has(FLAG_FOR.seen);
      message.flagged = flags.has(FLAG_FOR.flagged);
    }
    await this.em.flush();
    const first = group[0];
    this.realtime.toUser(first.account.user.id, 'mail.updated', {
      accountId: first.account.id,
      folderId: first.folder.id,
      ids: group.map((m) => m.id),
    });
  }

  /** MOVE (or COPY + expunge); with UIDPLUS the rows follow their messages, else the next sync brings them in. */
  private async move(client: ImapFlow, uids: string, group: MailMessage[], target: MailFolder): Promise<void> {
    const source = group[0].folder;
    const result = await client.messageMove(uids, target.path, { uid: true });
    const map = result ? result.uidMap : undefined;
    const uidValidity = result && result.uidValidity !== undefined ? String(result.uidValidity) : undefined;
    for (const message of group) {
      const newUid = map?.get(Number(message.uid));
      if (newUid !== undefined && uidValidity && uidValidity === target.uidValidity) {
        message.folder = target;
        message.uid = String(newUid);
        message.uidValidity = uidValidity;
      } else {
        this.em.remove(message);
      }
    }
    await this.em.flush();
    const { account } = group[0];
    this.realtime.toUser(account.user.id, 'mail.deleted', {
      accountId: account.id,
      folderId: source.id,
      ids: group.map((m) => m.id),
    });
  }

  private async targetFolder(account: MailAccount, folderId: string | undefined): Promise<MailFolder> {
    const folder = folderId ? await this.em.findOne(MailFolder, { id: folderId, account: account.id }) : null;
    if (!folder) {
      throw new MailError(MailErrorCode.FolderNotFound, `Folder ${folderId} not found in this account`, {
        field: 'folderId',
      });
    }
    return folder;
  }

  private async roleFolder(account: MailAccount, role: FolderRole): Promise<MailFolder | undefined> {
    return (await this.em.findOne(MailFolder, { account: account.id, role })) ?? undefined;
  }
}
