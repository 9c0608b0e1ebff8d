import {
  applyDecorators,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AuthUser } from 'src/common/auth/auth-user';
import { Authenticated, CurrentUser } from 'src/common/auth/auth.decorators';
import { ApiErrorResponses } from 'src/common/http/api-error-responses.decorator';
import { NoStore } from 'src/common/http/no-store';
import { PageQueryDto } from 'src/common/http/pagination.dto';
import {
  CurrentOrg,
  OrgContext,
  RequirePermission,
  RequiresFeature,
} from 'src/modules/organizations/organization.decorators';
import { Feature } from 'src/modules/organizations/plans';
import {
  CreatedWebhookEndpointDto,
  CreateWebhookEndpointDto,
  DeliveryQueryDto,
  UpdateWebhookEndpointDto,
  WebhookDeliveryDetailDto,
  WebhookDeliveryDto,
  WebhookDeliveryPageDto,
  WebhookEndpointDto,
  WebhookEndpointPageDto,
  WebhookEventTypeDto,
  WebhookSecretDto,
} from './webhooks.dto';
import { WebhooksService } from './webhooks.service';
import { WebhookPermission } from './webhooks.domain';

/** Owners and admins (or API keys with `webhooks.manage`) of an organization whose plan includes webhooks. */
function ManageWebhooks(): MethodDecorator {
  return applyDecorators(
    RequirePermission(WebhookPermission.Manage),
    RequiresFeature(Feature.Webhooks),
    ApiErrorResponses(403, 404),
  );
}

@ApiTags('webhooks')
@Authenticated()
@ApiErrorResponses(401)
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get('event-types')
  @ApiOperation({
    operationId: 'listWebhookEventTypes',
    summary: 'Every event an endpoint can subscribe to',
    description: 'Lists every event type an endpoint can subscribe to, with what it means. Any signed-in user.',
  })
  @ApiOkResponse({ type: [WebhookEventTypeDto] })
  eventTypes(): WebhookEventTypeDto[] {
    return this.webhooks.eventTypes();
  }

  @Post('endpoints')
  @NoStore()
  @ManageWebhooks()
  @ApiOperation({
    operationId: 'createWebhookEndpoint',
    summary: 'Add an endpoint; the answer carries its secret',
    description:
      'Registers an endpoint URL for some event types; deliveries are signed (Standard Webhooks) and the answer ' +
      'carries the signing secret. Owners and admins (webhooks.manage) on a plan with webhooks; 400 for a ' +
      'private or localhost target, 403 beyond the endpoint limit.',
  })
  @ApiCreatedResponse({ type: CreatedWebhookEndpointDto })
  create(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateWebhookEndpointDto,
  ): Promise<CreatedWebhookEndpointDto> {
    return this.webhooks.create(org, user, dto);
  }

  @Get('endpoints')
  @ManageWebhooks()
  @ApiOperation({
    operationId: 'listWebhookEndpoints',
    summary: "The organization's endpoints, newest first",
    description:
      'Lists the webhook endpoints of the organization, newest first. Owners and admins (webhooks.manage) on a ' +
      'plan with webhooks.',
  })
  @ApiOkResponse({ type: WebhookEndpointPageDto })
  list(@CurrentOrg() org: OrgContext, @Query() page: PageQueryDto): Promise<WebhookEndpointPageDto> {
    return this.webhooks.list(org, page);
  }

  @Get('endpoints/:id')
  @ManageWebhooks()
  @ApiOperation({
    operationId: 'getWebhookEndpoint',
    summary: 'One endpoint with its failure state',
    description:
      'Returns one endpoint with its events and failure state (consecutive failures, failing since, disabled and ' +
      'why). Owners and admins (webhooks.manage); 404 for an unknown endpoint.',
  })
  @ApiOkResponse({ type: WebhookEndpointDto })
  get(@CurrentOrg() org: OrgContext, @Param('id', ParseUUIDPipe) id: string): Promise<WebhookEndpointDto> {
    return this.webhooks.get(org, id);
  }

  @Patch('endpoints/:id')
  @ManageWebhooks()
  @ApiOperation({
    operationId: 'updateWebhookEndpoint',
    summary: 'Change URL, events, description; disable or re-enable',
    description:
      'Changes the URL, events or description of an endpoint, or disables and re-enables it. Owners and admins ' +
      '(webhooks.manage); 400 for a private target.',
  })
  @ApiOkResponse({ type: WebhookEndpointDto })
  update(
    @CurrentOrg() org: OrgContext,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateWebhookEndpointDto,
  ): Promise<WebhookEndpointDto> {
    return this.webhooks.update(org, id, dto);
  }

  @Delete('endpoints/:id')
  @ManageWebhooks()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'deleteWebhookEndpoint',
    summary: 'Delete an endpoint with its deliveries',
    description:
      'Deletes an endpoint with its deliveries and their attempts. Owners and admins (webhooks.manage); 404 for ' +
      'an unknown endpoint.',
  })
  @ApiNoContentResponse()
  remove(@CurrentOrg() org: OrgContext, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.webhooks.remove(org, id);
  }

  @Get('endpoints/:id/secret')
  @NoStore()
  @ManageWebhooks()
  @ApiOperation({
    operationId: 'getWebhookSecret',
    summary: 'The signing secret of an endpoint',
    description:
      'Returns the signing secret of an endpoint, used to verify the webhook-signature header of its deliveries. ' +
      'Owners and admins (webhooks.manage).',
  })
  @ApiOkResponse({ type: WebhookSecretDto })
  secret(@CurrentOrg() org: OrgContext, @Param('id', ParseUUIDPipe) id: string): Promise<WebhookSecretDto> {
    return this.webhooks.secret(org, id);
  }

  @Post('endpoints/:id/rotate-secret')
  @NoStore()
  @ManageWebhooks()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'rotateWebhookSecret',
    summary: 'Replace the signing secret (the old one stops at once)',
    description:
      'Replaces the signing secret of an endpoint; deliveries are signed with the new one at once and the old ' +
      'one stops. Owners and admins (webhooks.manage).',
  })
  @ApiOkResponse({ type: WebhookSecretDto })
  rotateSecret(@CurrentOrg() org: OrgContext, @Param('id', ParseUUIDPipe) id: string): Promise<WebhookSecretDto> {
    return this.webhooks.rotateSecret(org, id);
  }

  @Post('endpoints/:id/test')
  @ManageWebhooks()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    operationId: 'testWebhookEndpoint',
    summary: 'Queue a webhook.test event to this endpoint',
    description:
      'Queues a webhook.test event to this endpoint and returns the delivery to follow. Owners and admins ' +
      '(webhooks.manage); 409 when the endpoint is disabled.',
  })
  @ApiAcceptedResponse({ type: WebhookDeliveryDto })
  @ApiErrorResponses(409)
  test(@CurrentOrg() org: OrgContext, @Param('id', ParseUUIDPipe) id: string): Promise<WebhookDeliveryDto> {
    return this.webhooks.sendTest(org, id);
  }

  @Get('endpoints/:id/deliveries')
  @ManageWebhooks()
  @ApiOperation({
    operationId: 'listWebhookDeliveries',
    summary: "An endpoint's deliveries, newest first",
    description:
      'Lists the deliveries of an endpoint, newest first, with status and attempt count. Owners and admins ' +
      '(webhooks.manage).',
  })
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  deliveries(
    @CurrentOrg() org: OrgContext,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: DeliveryQueryDto,
  ): Promise<WebhookDeliveryPageDto> {
    return this.webhooks.deliveries(org, id, query);
  }

  @Get('deliveries/:id')
  @ManageWebhooks()
  @ApiOperation({
    operationId: 'getWebhookDelivery',
    summary: 'A delivery with its body and every attempt',
    description:
      'Returns one delivery with the body that was signed and every attempt with its response status and timing. ' +
      'Owners and admins (webhooks.manage); 404 for an unknown delivery.',
  })
  @ApiOkResponse({ type: WebhookDeliveryDetailDto })
  delivery(@CurrentOrg() org: OrgContext, @Param('id', ParseUUIDPipe) id: string): Promise<WebhookDeliveryDetailDto> {
    return this.webhooks.delivery(org, id);
  }

  @Post('deliveries/:id/replay')
  @ManageWebhooks()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    operationId: 'replayWebhookDelivery',
    summary: 'Send a delivery again now (same webhook-id)',
    description:
      'Sends a delivery again now with the same webhook-id, so receivers can deduplicate. Owners and admins ' +
      '(webhooks.manage); 409 when the endpoint is disabled.',
  })
  @ApiAcceptedResponse({ type: WebhookDeliveryDto })
  @ApiErrorResponses(409)
  replay(@CurrentOrg() org: OrgContext, @Param('id', ParseUUIDPipe) id: string): Promise<WebhookDeliveryDto> {
    return this.webhooks.replay(org, id);
  }
}
