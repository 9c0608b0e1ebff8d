/**
 * The typed Switchboard client, generated from openapi.json (`npm run openapi` writes client/schema.d.ts).
 * Frontends and the e2e tests call the API through it:
 *
 *   const api = createSwitchboardClient('http://localhost:3000');
 *   const { data, error } = await api.GET('/api/v1/system/info');
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './schema';

export type SwitchboardClient = Client<paths>;
export type Schemas = components['schemas'];

export function createSwitchboardClient(
  baseUrl: string,
  options: { token?: string; headers?: Record<string, string> } = {},
): SwitchboardClient {
  return createClient<paths>({
    baseUrl,
    headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers },
  });
}
