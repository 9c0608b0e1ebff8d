import { Injectable, Module, OnApplicationBootstrap } from '@nestjs/common';
import { AuthModule } from 'src/modules/auth/auth.module';
import { OrganizationsModule } from 'src/modules/organizations/organizations.module';
import { UsersModule } from 'src/modules/users/users.module';
import { AdminController } from './admin.controller';
import { AdminService } from './admin.service';

/** Creates the first admin from ADMIN_EMAIL / ADMIN_PASSWORD when none exists. */
@Injectable()
class FirstAdminBootstrap implements OnApplicationBootstrap {
  constructor(private readonly admin: AdminService) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.admin.ensureFirstAdmin();
  }
}

/** Role-guarded administration under /api/v1/admin: users, their sessions, the audit log. */
@Module({
  imports: [UsersModule, AuthModule, OrganizationsModule],
  controllers: [AdminController],
  providers: [AdminService, FirstAdminBootstrap],
  exports: [AdminService],
})
export class AdminModule {}
