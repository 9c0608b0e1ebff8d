import { SystemMail } from 'src/modules/mailer/system-mail.entity';

/**
 * Every entity, listed explicitly rather than discovered by glob, so the same list works from TypeScript
 * (tests) and compiled JavaScript (production). A module adds its entities here.
 */
export const ENTITIES = [SystemMail];
