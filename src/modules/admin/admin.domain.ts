import { defineDomain } from 'src/common/domain/domain-definition';

export const adminDomain = defineDomain({
  name: 'admin',
  summary: 'Platform administration: users, roles, sessions, the audit log (global admins only)',
  personalData: { none: 'Acts on the data of other domains; keeps none of its own' },
});
