import { defineDomain } from 'src/common/domain/domain-definition';

export const healthDomain = defineDomain({
  name: 'health',
  summary: 'Liveness and readiness probes',
  personalData: { none: 'Keeps no data' },
});
