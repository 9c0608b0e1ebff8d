import { DynamicModule, Global, Module } from '@nestjs/common';
import { SecretBox } from 'src/common/crypto/secret-box';
import { AppConfigService } from './app-config.service';
import { EnvSchema } from './env.schema';

/**
 * Provides the environment, validated before the application is built (`loadEnv()` in main.ts), so a bad or
 * missing variable stops the process before anything connects, and several apps with different settings can
 * run in one process (the tests do).
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(env: EnvSchema): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: EnvSchema, useValue: env },
        AppConfigService,
        // One SecretBox under ENCRYPTION_KEY (and the keys it replaced, for opening) for every secret stored
        // encrypted (TOTP, webhook, mail credentials).
        {
          provide: SecretBox,
          inject: [AppConfigService],
          useFactory: secretBoxFor,
        },
      ],
      exports: [AppConfigService, SecretBox],
    };
  }
}

/** The SecretBox of this configuration: seals under ENCRYPTION_KEY, opens under it and ENCRYPTION_KEYS_PREVIOUS. */
export function secretBoxFor(config: AppConfigService): SecretBox {
  return new SecretBox(config.encryptionKey, config.previousEncryptionKeys);
}
