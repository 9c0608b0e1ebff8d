import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { Membership, OrgRole } from 'src/modules/organizations/membership.entity';
import { Organization } from 'src/modules/organizations/organization.entity';
import { User } from 'src/modules/users/user.entity';

/**
 * Rows the integration tier (`test/integration`) builds on, written straight through the ORM (no application):
 * users with unique names, an organization with members.
 */
export async function createUser(em: EntityManager, fields: Partial<Pick<User, 'displayName'>> = {}): Promise<User> {
  const unique = randomUUID().slice(0, 8);
  const user = em.create(User, { username: `int-${unique}`, email: `int-${unique}@example.com`, ...fields });
  await em.flush();
  return user;
}

/** An organization whose members are `members` (the first one its owner). */
export async function createOrganization(em: EntityManager, members: User[] = []): Promise<Organization> {
  const unique = randomUUID().slice(0, 8);
  const org = em.create(Organization, {
    name: `Int ${unique}`,
    slug: `int-${unique}`,
    createdById: members[0]?.id ?? randomUUID(),
  });
  members.forEach((user, index) =>
    em.create(Membership, { organization: org, user, role: index === 0 ? OrgRole.Owner : OrgRole.Member }),
  );
  await em.flush();
  return org;
}

/** `size` new users and an organization of them (the first one its owner). */
export async function createTeam(em: EntityManager, size: number): Promise<{ org: Organization; users: User[] }> {
  const users: User[] = [];
  for (let i = 0; i < size; i++) {
    users.push(await createUser(em));
  }
  return { org: await createOrganization(em, users), users };
}
