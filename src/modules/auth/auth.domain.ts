import { defineDomain } from 'src/common/domain/domain-definition';
import { AuthToken } from './auth-token.entity';
import { AuthError } from './auth.errors';
import { RecoveryCode } from './recovery-code.entity';
import { RefreshToken } from './refresh-token.entity';
import { Session } from './session.entity';

export const authDomain = defineDomain({
  name: 'auth',
  summary: 'Sign-up, sign-in, sessions, refresh tokens, two-factor, lockout, email verification and password reset',
  entities: [Session, RefreshToken, AuthToken, RecoveryCode],
  errors: [AuthError],
  personalData: { exportSections: { sessions: 'Sign-in sessions: device, address, activity' } },
});
