import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';

const toBool = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

export class ListNotificationsQueryDto {
  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page (`nextCursor`)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 30 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 30;

  @ApiPropertyOptional({ description: 'true: only unread notifications' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  unread: boolean = false;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only notifications about this organization' })
  @IsOptional()
  @IsUUID()
  organizationId?: string;
}

export class UnreadNotificationsQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Count only notifications about this organization' })
  @IsOptional()
  @IsUUID()
  organizationId?: string;
}

export class ReadAllNotificationsDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Only this notification of yours and those older than it (what the client has shown)',
  })
  @IsOptional()
  @IsUUID()
  upToId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only notifications about this organization' })
  @IsOptional()
  @IsUUID()
  organizationId?: string;
}

export class NotificationDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'chat.mention', description: 'What happened; see the README for the known types' })
  type!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  organizationId!: string | null;

  @ApiProperty()
  title!: string;

  @ApiProperty()
  body!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Ids of the subject, e.g. conversationId and messageId for chat.mention',
  })
  data!: Record<string, unknown>;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  readAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class NotificationPageDto {
  @ApiProperty({ type: [NotificationDto], description: 'Newest first' })
  items!: NotificationDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last' })
  nextCursor!: string | null;
}

export class NotificationUnreadCountDto {
  @ApiProperty()
  count!: number;
}

export class ReadAllNotificationsResultDto {
  @ApiProperty({ description: 'Notifications that were unread and are now read' })
  updated!: number;
}
