import { Module } from '@nestjs/common';
import { ContactsController, ListsController, SuppressionsController } from './campaigns.controller';
import { ContactsService } from './contacts.service';
import { ListsService } from './lists.service';
import { SuppressionsService } from './suppressions.service';

/** Email campaigns (issue #17): contacts, lists and suppressions so far. */
@Module({
  controllers: [ContactsController, ListsController, SuppressionsController],
  providers: [ContactsService, ListsService, SuppressionsService],
})
export class CampaignsModule {}
