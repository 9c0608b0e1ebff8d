import { ArrayMaxSize, IsArray, IsUUID } from 'class-validator';

/** `conversation.join` and `typing` on `/chat`. */
export class ConversationRefDto {
  @IsUUID()
  conversationId!: string;
}

/** `presence.query` on `/chat`. */
export class PresenceQueryDto {
  @IsArray()
  @ArrayMaxSize(500)
  @IsUUID(undefined, { each: true })
  userIds!: string[];
}
