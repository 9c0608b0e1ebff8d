import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser } from 'src/common/auth/auth-user';
import { Authenticated, CurrentUser } from 'src/common/auth/auth.decorators';
import { ApiErrorResponses } from 'src/common/http/api-error-responses.decorator';
import {
  ListNotificationsQueryDto,
  NotificationDto,
  NotificationPageDto,
  NotificationUnreadCountDto,
  ReadAllNotificationsDto,
  ReadAllNotificationsResultDto,
  UnreadNotificationsQueryDto,
} from './notifications.dto';
import { NotificationsService } from './notifications.service';

/** The caller's own in-app notifications (all organizations; filter with `organizationId`). */
@ApiTags('notifications')
@Authenticated()
@ApiErrorResponses(400, 401)
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiOperation({
    operationId: 'listNotifications',
    summary: 'Your notifications, newest first',
    description:
      'Lists your in-app notifications across organizations, newest first, optionally only unread ones or only ' +
      'those about one organizationId. Any signed-in user; 400 for an invalid cursor.',
  })
  @ApiOkResponse({ type: NotificationPageDto })
  list(@CurrentUser() user: AuthUser, @Query() query: ListNotificationsQueryDto): Promise<NotificationPageDto> {
    return this.notifications.list(user, query);
  }

  @Get('unread/count')
  @ApiOperation({
    operationId: 'countUnreadNotifications',
    summary: 'How many of your notifications are unread',
    description: 'Counts your unread notifications, optionally for one organization. Any signed-in user.',
  })
  @ApiOkResponse({ type: NotificationUnreadCountDto })
  unreadCount(
    @CurrentUser() user: AuthUser,
    @Query() query: UnreadNotificationsQueryDto,
  ): Promise<NotificationUnreadCountDto> {
    return this.notifications.unreadCount(user, query.organizationId);
  }

  @Put(':id/read')
  @ApiOperation({
    operationId: 'markNotificationRead',
    summary: 'Mark one of your notifications read (idempotent)',
    description:
      'Marks one of your notifications read; marking it again changes nothing. Any signed-in user; 404 for ' +
      'someone else’s notification.',
  })
  @ApiOkResponse({ type: NotificationDto })
  @ApiErrorResponses(404)
  markRead(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<NotificationDto> {
    return this.notifications.markRead(user, id);
  }

  @Post('read-all')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'markAllNotificationsRead',
    summary: 'Mark your unread notifications read, optionally up to one notification or for one organization',
    description:
      'Marks your unread notifications read, optionally only up to a given notification or for one organization, ' +
      'and says how many changed. Any signed-in user; 404 for an unknown notification.',
  })
  @ApiOkResponse({ type: ReadAllNotificationsResultDto })
  @ApiErrorResponses(404)
  readAll(@CurrentUser() user: AuthUser, @Body() dto: ReadAllNotificationsDto): Promise<ReadAllNotificationsResultDto> {
    return this.notifications.readAll(user, dto);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'deleteNotification',
    summary: 'Remove one of your notifications',
    description: 'Removes one of your notifications. Any signed-in user; 404 for someone else’s notification.',
  })
  @ApiNoContentResponse()
  @ApiErrorResponses(404)
  remove(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.notifications.remove(user, id);
  }
}
