import { MikroORM } from '@mikro-orm/postgresql';
import { io, type Socket } from 'socket.io-client';
import { Membership, OrgRole } from 'src/modules/organizations/membership.entity';
import { call, registerUser, type TestApp, type TestUser } from './test-app';

/** `size` fresh users in a new organization: the first owns it, the others are members. */
export async function createTeam(
  t: TestApp,
  size: number,
  name = 'Team',
): Promise<{ orgId: string; users: TestUser[] }> {
  const users: TestUser[] = [];
  for (let i = 0; i < size; i++) {
    users.push(await registerUser(t));
  }
  const org = await call(t, 'POST', '/api/v1/organizations', {
    token: users[0].accessToken,
    body: { name: `${name} ${Date.now()}` },
  });
  const orgId = org.body.id as string;
  const em = t.app.get(MikroORM).em.fork();
  for (const user of users.slice(1)) {
    em.create(Membership, { organization: orgId, user: user.id, role: OrgRole.Member });
  }
  await em.flush();
  return { orgId, users };
}

/** A socket.io client of `user` on `namespace` (`/chat`, `/notifications`), resolved once connected. */
export async function connectSocket(t: TestApp, user: TestUser, namespace: string): Promise<Socket> {
  const socket = io(`${t.baseUrl}${namespace}`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: { token: user.accessToken },
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => {
      socket.disconnect();
      reject(error);
    });
  });
  return socket;
}
