import { defineDomain } from 'src/common/domain/domain-definition';

export const metricsDomain = defineDomain({
  name: 'metrics',
  summary: 'Prometheus metrics (/metrics)',
  personalData: { none: 'Counts requests and jobs; keeps no per-user data' },
});
