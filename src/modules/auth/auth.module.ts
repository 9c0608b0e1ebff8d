import { AuthPersonalData } from './auth.personal-data';
import { createSecretKey } from 'node:crypto';
import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { AppConfigService } from 'src/config/app-config.service';
import { OrganizationsModule } from 'src/modules/organizations/organizations.module';
import { UsersModule } from 'src/modules/users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LockoutService } from './lockout.service';
import { SessionCache } from './session-cache';
import { SessionsService } from './sessions.service';
import { SocketAuthService } from './socket-auth.service';
import { TokensService } from './tokens.service';
import { TwoFactorService } from './two-factor.service';

/** Login, tokens, sessions, 2FA, guests; its AuthGuard (installed by AppModule) protects every other route. */
@Module({
  imports: [
    UsersModule,
    OrganizationsModule,
    JwtModule.registerAsync({
      inject: [AppConfigService],
      useFactory: (config: AppConfigService) => ({
        // A KeyObject, not the string: jsonwebtoken would otherwise try (and fail) to parse the string as a public
        // key and build a secret key from it again on every verification.
        secret: createSecretKey(Buffer.from(config.auth.jwtSecret)),
        signOptions: { algorithm: 'HS256', issuer: 'switchboard' },
        verifyOptions: { algorithms: ['HS256'], issuer: 'switchboard' },
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    AuthPersonalData,
    AuthService,
    SessionsService,
    SessionCache,
    TokensService,
    LockoutService,
    TwoFactorService,
    SocketAuthService,
  ],
  exports: [SessionsService, TokensService, TwoFactorService, SocketAuthService],
})
export class AuthModule {}
