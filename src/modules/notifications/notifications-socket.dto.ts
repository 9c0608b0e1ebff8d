import { IsUUID } from 'class-validator';

/** `subscribe` / `unsubscribe` on `/notifications`. */
export class OrganizationSubscriptionDto {
  @IsUUID()
  organizationId!: string;
}
