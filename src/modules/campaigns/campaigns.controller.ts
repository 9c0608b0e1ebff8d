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
  Res,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { Authenticated } from 'src/common/auth/auth.decorators';
import { ApiErrorResponses } from 'src/common/http/api-error-responses.decorator';
import { contentDisposition } from 'src/common/http/file-download';
import { PageQueryDto } from 'src/common/http/pagination.dto';
import {
  CurrentOrg,
  OrgContext,
  RequirePermission,
  RequiresFeature,
} from 'src/modules/organizations/organization.decorators';
import { Feature } from 'src/modules/organizations/plans';
import { CampaignPermission } from './campaigns.domain';
import {
  AddSubscribersDto,
  AddSubscribersResultDto,
  BulkContactsDto,
  BulkContactsResultDto,
  ContactDto,
  ContactFilterDto,
  ContactPageDto,
  ContactQueryDto,
  CreateContactDto,
  CreateListDto,
  CreateSuppressionDto,
  ListDto,
  ListPageDto,
  SubscriberPageDto,
  SubscriberQueryDto,
  SuppressionDto,
  SuppressionPageDto,
  SuppressionQueryDto,
  UpdateContactDto,
  UpdateListDto,
} from './campaigns.dto';
import { ContactsService } from './contacts.service';
import { ListsService } from './lists.service';
import { SuppressionsService } from './suppressions.service';

const WHO = 'Owners and admins (campaigns.manage) on a plan with campaigns.';

/** Owners and admins (or API keys with `campaigns.manage`) of an organization whose plan includes campaigns. */
function ManageCampaigns(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    Authenticated(),
    RequirePermission(CampaignPermission.Manage),
    RequiresFeature(Feature.Campaigns),
    ApiErrorResponses(401, 403, 404),
  );
}

@ApiTags('campaigns')
@ManageCampaigns()
@Controller('campaigns/contacts')
export class ContactsController {
  constructor(private readonly contacts: ContactsService) {}

  @Post()
  @ApiOperation({
    operationId: 'createCampaignContact',
    summary: 'Add a contact',
    description: `Adds a contact (email unique in the organization, any case) with attributes, tags, consent and lists to subscribe to. ${WHO} 409 for a taken email.`,
  })
  @ApiCreatedResponse({ type: ContactDto })
  @ApiErrorResponses(400, 409)
  create(@CurrentOrg() org: OrgContext, @Body() dto: CreateContactDto): Promise<ContactDto> {
    return this.contacts.create(org, dto);
  }

  @Get()
  @ApiOperation({
    operationId: 'listCampaignContacts',
    summary: 'Search contacts, newest first',
    description: `Pages through the contacts (keyset cursor), filtered by text, status, tag, list and attribute values. ${WHO}`,
  })
  @ApiOkResponse({ type: ContactPageDto })
  @ApiErrorResponses(400)
  list(@CurrentOrg() org: OrgContext, @Query() query: ContactQueryDto): Promise<ContactPageDto> {
    return this.contacts.list(org, query);
  }

  @Get('export')
  @ApiOperation({
    operationId: 'exportCampaignContacts',
    summary: 'Export contacts as CSV',
    description: `Streams the contacts matching the same filters as the search as CSV (email, name, status, tags, attributes as JSON, consent, creation), newest first. ${WHO}`,
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ schema: { type: 'string' } })
  @ApiErrorResponses(400)
  async export(
    @CurrentOrg() org: OrgContext,
    @Query() query: ContactFilterDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const csv = this.contacts.exportCsv(org, query);
    await reply
      .header('Content-Type', 'text/csv; charset=utf-8')
      .header('Content-Disposition', contentDisposition('contacts.csv', 'contacts.csv'))
      .header('X-Content-Type-Options', 'nosniff')
      .header('Cache-Control', 'private, no-store')
      .send(csv);
  }

  @Post('bulk')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'bulkCampaignContacts',
    summary: 'One action on many contacts',
    description: `Deletes, tags, untags, unsubscribes, resubscribes, adds to or removes from a list up to 1000 contacts in one transaction. ${WHO}`,
  })
  @ApiOkResponse({ type: BulkContactsResultDto })
  @ApiErrorResponses(400)
  bulk(@CurrentOrg() org: OrgContext, @Body() dto: BulkContactsDto): Promise<BulkContactsResultDto> {
    return this.contacts.bulk(org, dto);
  }

  @Get(':id')
  @ApiOperation({
    operationId: 'getCampaignContact',
    summary: 'One contact',
    description: `Returns one contact. ${WHO}`,
  })
  @ApiOkResponse({ type: ContactDto })
  get(@CurrentOrg() org: OrgContext, @Param('id', ParseUUIDPipe) id: string): Promise<ContactDto> {
    return this.contacts.get(org, id);
  }

  @Patch(':id')
  @ApiOperation({
    operationId: 'updateCampaignContact',
    summary: 'Change a contact',
    description: `Changes email, name, status, consent or tags; attributes are merged (null removes one); listIds subscribes to more lists. ${WHO}`,
  })
  @ApiOkResponse({ type: ContactDto })
  @ApiErrorResponses(400, 409)
  update(
    @CurrentOrg() org: OrgContext,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateContactDto,
  ): Promise<ContactDto> {
    return this.contacts.update(org, id, dto);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'deleteCampaignContact',
    summary: 'Delete a contact',
    description: `Deletes a contact and its subscriptions. ${WHO}`,
  })
  @ApiNoContentResponse()
  remove(@CurrentOrg() org: OrgContext, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.contacts.remove(org, id);
  }
}

@ApiTags('campaigns')
@ManageCampaigns()
@Controller('campaigns/lists')
export class ListsController {
  constructor(private readonly lists: ListsService) {}

  @Post()
  @ApiOperation({
    operationId: 'createCampaignList',
    summary: 'Add a list',
    description: `Adds a static list (name unique in the organization), optionally double opt-in. ${WHO} 409 for a taken name.`,
  })
  @ApiCreatedResponse({ type: ListDto })
  @ApiErrorResponses(400, 409)
  create(@CurrentOrg() org: OrgContext, @Body() dto: CreateListDto): Promise<ListDto> {
    return this.lists.create(org, dto);
  }

  @Get()
  @ApiOperation({
    operationId: 'listCampaignLists',
    summary: 'The lists, newest first',
    description: `Lists the organization's lists with their subscriber counts by status. ${WHO}`,
  })
  @ApiOkResponse({ type: ListPageDto })
  list(@CurrentOrg() org: OrgContext, @Query() page: PageQueryDto): Promise<ListPageDto> {
    return this.lists.list(org, page);
  }

  @Get(':id')
  @ApiOperation({
    operationId: 'getCampaignList',
    summary: 'One list',
    description: `Returns one list with its subscriber counts. ${WHO}`,
  })
  @ApiOkResponse({ type: ListDto })
  get(@CurrentOrg() org: OrgContext, @Param('id', ParseUUIDPipe) id: string): Promise<ListDto> {
    return this.lists.get(org, id);
  }

  @Patch(':id')
  @ApiOperation({
    operationId: 'updateCampaignList',
    summary: 'Change a list',
    description: `Renames a list, changes its description or double opt-in. ${WHO}`,
  })
  @ApiOkResponse({ type: ListDto })
  @ApiErrorResponses(400, 409)
  update(
    @CurrentOrg() org: OrgContext,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateListDto,
  ): Promise<ListDto> {
    return this.lists.update(org, id, dto);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'deleteCampaignList',
    summary: 'Delete a list',
    description: `Deletes a list and its subscriptions (the contacts stay). ${WHO}`,
  })
  @ApiNoContentResponse()
  remove(@CurrentOrg() org: OrgContext, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.lists.remove(org, id);
  }

  @Get(':id/subscribers')
  @ApiOperation({
    operationId: 'listCampaignListSubscribers',
    summary: "A list's subscribers",
    description: `Pages through a list's subscriptions with their contacts, newest first, by status. ${WHO}`,
  })
  @ApiOkResponse({ type: SubscriberPageDto })
  @ApiErrorResponses(400)
  subscribers(
    @CurrentOrg() org: OrgContext,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: SubscriberQueryDto,
  ): Promise<SubscriberPageDto> {
    return this.lists.subscribers(org, id, query);
  }

  @Post(':id/subscribers')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'addCampaignListSubscribers',
    summary: 'Subscribe contacts to a list',
    description: `Subscribes up to 1000 contacts (confirmed, or pending on a double opt-in list); contacts already on the list stay as they are. ${WHO}`,
  })
  @ApiOkResponse({ type: AddSubscribersResultDto })
  @ApiErrorResponses(400)
  addSubscribers(
    @CurrentOrg() org: OrgContext,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: AddSubscribersDto,
  ): Promise<AddSubscribersResultDto> {
    return this.lists.addSubscribers(org, id, dto);
  }

  @Delete(':id/subscribers/:contactId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'removeCampaignListSubscriber',
    summary: 'Take a contact off a list',
    description: `Removes a contact's subscription to the list. ${WHO}`,
  })
  @ApiNoContentResponse()
  removeSubscriber(
    @CurrentOrg() org: OrgContext,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('contactId', ParseUUIDPipe) contactId: string,
  ): Promise<void> {
    return this.lists.removeSubscriber(org, id, contactId);
  }
}

@ApiTags('campaigns')
@ManageCampaigns()
@Controller('campaigns/suppressions')
export class SuppressionsController {
  constructor(private readonly suppressions: SuppressionsService) {}

  @Post()
  @ApiOperation({
    operationId: 'createCampaignSuppression',
    summary: 'Suppress an address',
    description: `Adds an address no campaign of the organization will write to. ${WHO} 409 when it is suppressed already.`,
  })
  @ApiCreatedResponse({ type: SuppressionDto })
  @ApiErrorResponses(400, 409)
  create(@CurrentOrg() org: OrgContext, @Body() dto: CreateSuppressionDto): Promise<SuppressionDto> {
    return this.suppressions.create(org, dto);
  }

  @Get()
  @ApiOperation({
    operationId: 'listCampaignSuppressions',
    summary: 'The suppression list, newest first',
    description: `Pages through the suppressed addresses, searchable by part of the address. ${WHO}`,
  })
  @ApiOkResponse({ type: SuppressionPageDto })
  list(@CurrentOrg() org: OrgContext, @Query() query: SuppressionQueryDto): Promise<SuppressionPageDto> {
    return this.suppressions.list(org, query);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'deleteCampaignSuppression',
    summary: 'Lift a suppression',
    description: `Removes an address from the suppression list. ${WHO}`,
  })
  @ApiNoContentResponse()
  remove(@CurrentOrg() org: OrgContext, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.suppressions.remove(org, id);
  }
}
