import { existsSync } from 'node:fs';
import { AppRole, validateEnv, type EnvSchema } from './env.schema';

let envFileLoaded = false;

/** Loads `./.env` (if present) into `process.env` once; variables already set win. */
function loadEnvFile(): void {
  if (envFileLoaded) {
    return;
  }
  envFileLoaded = true;
  if (process.env.NODE_ENV !== 'test' && existsSync('.env')) {
    process.loadEnvFile('.env');
  }
}

/**
 * Reads and validates the environment before Nest starts, for the few decisions that shape the module graph
 * (which role this process plays) and for scripts that run outside Nest. The only place besides the config
 * module that touches `process.env`.
 */
export function loadEnv(only?: (keyof EnvSchema)[]): EnvSchema {
  loadEnvFile();
  return validateEnv({ ...process.env }, only);
}

export function roleRunsApi(role: AppRole): boolean {
  return role !== AppRole.Worker;
}

export function roleRunsWorker(role: AppRole): boolean {
  return role !== AppRole.Api;
}
