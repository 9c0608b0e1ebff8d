import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuthUser } from 'src/common/auth/auth-user';
import { toUserDto, UsersService } from 'src/modules/users/users.service';
import { BootstrapDto } from './organizations.dto';
import { OrganizationsService } from './organizations.service';
import { PLANS } from './plans';

/** What a client needs at start, with a weak ETag over everything but the clock. */
@Injectable()
export class BootstrapService {
  constructor(
    private readonly users: UsersService,
    private readonly organizations: OrganizationsService,
  ) {}

  async conditional(
    actor: AuthUser,
    ifNoneMatch?: string,
  ): Promise<{ etag: string; body: BootstrapDto; notModified: boolean }> {
    const user = toUserDto(await this.users.getById(actor.id));
    const organizations = (await this.organizations.listMine(actor)).map((org) => ({
      ...org,
      features: [...PLANS[org.plan].features],
    }));
    const stable = { user, organizations };
    const etag = `W/"${createHash('sha256').update(JSON.stringify(stable)).digest('base64url').slice(0, 27)}"`;
    const matches = (ifNoneMatch ?? '')
      .split(',')
      .map((tag) => tag.trim())
      .some((tag) => tag === etag || tag === '*');
    return { etag, notModified: matches, body: { ...stable, serverTime: new Date().toISOString() } };
  }
}
