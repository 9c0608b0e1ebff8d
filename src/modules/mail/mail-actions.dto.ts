import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEnum,
  IsOptional,
  IsUUID,
  ValidateIf,
} from 'class-validator';

export enum MailAction {
  Read = 'read',
  Unread = 'unread',
  Flag = 'flag',
  Unflag = 'unflag',
  Move = 'move',
  /** To Trash; from Trash (or without one), expunged for good. */
  Delete = 'delete',
}

export class UpdateMessageDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  seen?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  flagged?: boolean;
}

export class MoveMessageDto {
  @ApiProperty({ format: 'uuid', description: 'Destination folder of the same account' })
  @IsUUID()
  folderId!: string;
}

export class BulkActionDto {
  @ApiProperty({ type: [String], format: 'uuid', maxItems: 1000 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  ids!: string[];

  @ApiProperty({ enum: MailAction, enumName: 'MailAction' })
  @IsEnum(MailAction)
  action!: MailAction;

  @ApiPropertyOptional({ format: 'uuid', description: 'Destination folder, for move' })
  @ValidateIf((dto: BulkActionDto) => dto.action === MailAction.Move)
  @IsUUID()
  folderId?: string;
}

export class BulkResultDto {
  @ApiProperty()
  affected!: number;
}
