import { defineDomain } from 'src/common/domain/domain-definition';

export const systemDomain = defineDomain({
  name: 'system',
  summary: 'Instance information: version, features, limits',
  personalData: { none: 'Keeps no data' },
});
