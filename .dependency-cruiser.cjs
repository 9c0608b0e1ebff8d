/**
 * Architecture rules, checked by `npm run lint` (dependency-cruiser):
 * - the platform layers (src/common, src/config, src/database, src/queue, src/redis, src/realtime) know no domain:
 *   they import nothing from src/modules nor the domain list (src/domains.ts);
 * - no import cycles, counting only imports that exist at run time (type-only imports vanish when compiled).
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'platform-knows-no-domain',
      comment: 'Platform layers must not import domains: a domain registers its parts with the platform instead.',
      severity: 'error',
      from: { path: '^src/(common|config|database|queue|redis|realtime)/' },
      to: { path: '^src/(modules/|domains\\.ts$)' },
    },
    {
      name: 'no-circular',
      comment: 'Import cycles make load order matter (undefined at run time) and tangle domains.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
