import { Migration } from '@mikro-orm/migrations';

export class Migration20261206052000_account_unlock extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter type "auth_token_purpose" add value if not exists 'unlock_account' after 'reset_password';`);
    this.addSql(`alter type "audit_event_type" add value if not exists 'auth.account_unlocked' after 'auth.account_locked';`);
  }

}
