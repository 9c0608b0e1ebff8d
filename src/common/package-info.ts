// The package manifest sits outside src/; this is the one place that reaches it.
// eslint-disable-next-line no-restricted-imports
import { name, version } from '../../package.json';

export const PACKAGE = { name, version } as const;
